// Bundled by tests/github-runtime.test.ts exactly as Convex bundles default-runtime code
// (esbuild, platform "browser") and run inside an edge VM with no Node built-ins.
import { App } from "@octokit/app";
import { toPkcs8Pem } from "../../convex/github/privateKey";

export async function appJwt(appId: string, privateKey: string): Promise<string> {
  const app = new App({ appId, privateKey: toPkcs8Pem(privateKey) });
  const { token } = (await app.octokit.auth({ type: "app" })) as { token: string };
  return token;
}
