/**
 * `npm run dev`: Convex (`npx convex dev`) and Vite together. With no GitHub App configured (no
 * GITHUB_APP_ID in your environment) it also runs the fake GitHub, points the (local) Convex
 * deployment at it once `convex dev` has created it, and plays a demo: the App is "installed",
 * the backfill runs with its progress bar, then webhooks keep changing things.
 * Lives under tests/ because it drives the fake GitHub, a test double.
 */
import concurrently from "concurrently";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { demoDeploymentEnv, startDemo, startFakeGitHub } from "./fakeGitHub/server";

const DEMO_SECRET = "syncboard-demo-webhook-secret";
const useFake = !process.env.GITHUB_APP_ID;

// First run: `npx convex dev` asks where the deployment lives (sign in, or run it locally). Answer
// that in the foreground — concurrently does not forward keyboard input — then run everything.
const envLocal = existsSync(".env.local") ? readFileSync(".env.local", "utf8") : "";
if (!/^CONVEX_DEPLOYMENT=/m.test(envLocal)) execFileSync("npx", ["convex", "dev", "--once"], { stdio: "inherit" });

const commands = [
  { name: "convex", command: "npx convex dev", prefixColor: "magenta" },
  { name: "web", command: "npx vite", prefixColor: "cyan", env: useFake ? { VITE_SYNCBOARD_DEMO: "1" } : {} },
];
const { result } = concurrently(commands, { killOthersOn: ["failure"], prefix: "name" });

if (useFake) {
  const { fake, server, keyPath } = await startFakeGitHub();
  console.log(`[fake-github] no GITHUB_APP_ID set: serving a fake organisation at ${server.url}`);
  const convexUrl = await waitForConvexUrl();
  const site = siteUrl(convexUrl);
  const env = demoDeploymentEnv(fake, server.url, keyPath, DEMO_SECRET);
  // Sign-in keys only once (kept on later runs, so sessions survive).
  const existing = execFileSync("npx", ["convex", "env", "list", "--names-only"], { encoding: "utf8" });
  if (/^JWT_PRIVATE_KEY$/m.test(existing)) for (const name of ["JWT_PRIVATE_KEY", "JWKS", "SITE_URL"]) delete env[name];
  // Values go in on stdin: as an argument, the PEM key's leading "-----" would be parsed as an option.
  for (const [name, value] of Object.entries(env)) execFileSync("npx", ["convex", "env", "set", name], { input: value, stdio: ["pipe", "inherit", "inherit"] });
  console.log(`[fake-github] Convex now talks to the fake GitHub; sending the demo installation to ${site}/github/webhook`);
  await sleep(3_000); // let convex dev push the functions with the new environment
  await startDemo(fake, server.url, `${site}/github/webhook`, DEMO_SECRET, 20);
}
await result.catch(() => process.exit(1));

/** The deployment URL `npx convex dev` writes to .env.local once the deployment exists. */
async function waitForConvexUrl(): Promise<string> {
  for (;;) {
    if (existsSync(".env.local")) {
      const url = /^VITE_CONVEX_URL=(.+)$/m.exec(readFileSync(".env.local", "utf8"))?.[1]?.trim();
      if (url) return url;
    }
    await sleep(1_000);
  }
}

/** HTTP actions live on the deployment's "site" URL: .convex.site, or the next port locally. */
function siteUrl(convexUrl: string): string {
  const local = /^http:\/\/(127\.0\.0\.1|localhost):(\d+)/.exec(convexUrl);
  if (local) return `http://${local[1]}:${Number(local[2]) + 1}`;
  return convexUrl.replace(/\.convex\.cloud\/?$/, ".convex.site");
}
