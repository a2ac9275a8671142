/** The real App, wired to convex-test through TestConvexClient. `?as=<token>` signs in. */
import { ConvexProviderWithAuth, type ConvexReactClient } from "convex/react";
import { useCallback } from "react";
import { createRoot } from "react-dom/client";
import { App } from "../../src/App";
import { AuthActionsProvider } from "../../src/auth";
import "../../src/styles.css";
import { UpdatePrompt } from "../../src/pwa/UpdatePrompt";
import { TestConvexClient } from "./testClient";

const token = new URLSearchParams(location.search).get("as");
const client = new TestConvexClient(location.origin) as unknown as ConvexReactClient;

function useTestAuth() {
  const fetchAccessToken = useCallback(async () => token, []);
  return { isLoading: false, isAuthenticated: token !== null, fetchAccessToken };
}

createRoot(document.getElementById("root")!).render(
  <ConvexProviderWithAuth client={client} useAuth={useTestAuth}>
    <AuthActionsProvider
      actions={{ signIn: () => (document.title = "sign-in requested"), signOut: () => (document.title = "signed out") }}
    >
      <App
        installUrl="https://github.com/apps/syncboard/installations/new"
        notices={new URLSearchParams(location.search).has("pwa") ? <UpdatePrompt /> : null}
      />
    </AuthActionsProvider>
  </ConvexProviderWithAuth>,
);
