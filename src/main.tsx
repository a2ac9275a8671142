import { ConvexAuthProvider } from "@convex-dev/auth/react";
import { ConvexReactClient } from "convex/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ConvexAuthActions } from "./auth";
import { UpdatePrompt } from "./pwa/UpdatePrompt";
import "./styles.css";

const url = import.meta.env.VITE_CONVEX_URL as string | undefined;
const root = createRoot(document.getElementById("root")!);

if (!url) {
  root.render(
    <main className="page">
      <p role="alert">
        VITE_CONVEX_URL is not set. Run <code>npm run dev</code>, which starts Convex and writes it to .env.local.
      </p>
    </main>,
  );
} else {
  const client = new ConvexReactClient(url);
  root.render(
    <StrictMode>
      <ConvexAuthProvider client={client}>
        <ConvexAuthActions>
          <App
            installUrl={import.meta.env.VITE_GITHUB_APP_INSTALL_URL as string | undefined}
            notices={<UpdatePrompt />}
          />
        </ConvexAuthActions>
      </ConvexAuthProvider>
    </StrictMode>,
  );
}
