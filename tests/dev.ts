/**
 * `npm run dev`: Convex (`npx convex dev`) and Vite together. With no GitHub App configured (no
 * GITHUB_APP_ID in your environment) and a local deployment, it also runs the fake GitHub, points
 * the deployment at it, and plays a demo: the App is "installed", the backfill runs with its
 * progress bar, then webhooks keep changing things.
 * Lives under tests/ because it drives the fake GitHub, a test double.
 */
import concurrently from "concurrently";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { demoDeploymentEnv, startDemo, startFakeGitHub } from "./fakeGitHub/server";

const DEMO_SECRET = "syncboard-demo-webhook-secret";
const envLocal = () => (existsSync(".env.local") ? readFileSync(".env.local", "utf8") : "");
const convex = (args: string[], input?: string) =>
  execFileSync("npx", ["convex", ...args], {
    encoding: "utf8",
    ...(input !== undefined && { input }),
    stdio: ["pipe", "pipe", "inherit"],
  });

// First run: `npx convex dev` asks where the deployment lives (sign in, or run it locally). Answer
// that in the foreground — concurrently does not forward keyboard input — then run everything.
if (!/^CONVEX_DEPLOYMENT=/m.test(envLocal())) execFileSync("npx", ["convex", "dev", "--once"], { stdio: "inherit" });
const convexUrl = /^VITE_CONVEX_URL=(.+)$/m.exec(envLocal())?.[1]?.trim() ?? "";
const local = /^http:\/\/(127\.0\.0\.1|localhost):\d+/.test(convexUrl);
// The fake runs on this machine, where only a local deployment can reach it.
const useFake = !process.env.GITHUB_APP_ID && local;
if (!process.env.GITHUB_APP_ID && !local) {
  console.log(
    "[dev] the fake GitHub needs a local deployment (npx convex dev --configure, choose local); running without it",
  );
}

const commands = [
  { name: "convex", command: "npx convex dev", prefixColor: "magenta" },
  { name: "web", command: "npx vite", prefixColor: "cyan", env: useFake ? { VITE_SYNCBOARD_DEMO: "1" } : {} },
];
const { result } = concurrently(commands, { killOthersOn: ["failure"], prefix: "name" });

if (useFake) {
  const { fake, server, keyPath } = await startFakeGitHub();
  console.log(`[fake-github] no GITHUB_APP_ID set: serving a fake organisation at ${server.url}`);
  const existing = await deploymentVariables();
  const configuredApp = existing.includes("GITHUB_APP_ID") ? convex(["env", "get", "GITHUB_APP_ID"]).trim() : "";
  if (configuredApp && configuredApp !== String(fake.appId)) {
    console.log(
      `[fake-github] the deployment is set up for GitHub App ${configuredApp}; leaving it alone (run GITHUB_APP_ID=${configuredApp} npm run dev)`,
    );
  } else {
    const env = demoDeploymentEnv(fake, server.url, keyPath, DEMO_SECRET);
    // Sign-in keys only once (kept on later runs, so sessions survive).
    if (existing.includes("JWT_PRIVATE_KEY"))
      for (const name of ["JWT_PRIVATE_KEY", "JWKS", "SITE_URL"]) delete env[name];
    // Values go in on stdin: as an argument, the PEM key's leading "-----" would be parsed as an option.
    for (const [name, value] of Object.entries(env)) convex(["env", "set", name], value);
    const site = siteUrl(convexUrl);
    console.log(
      `[fake-github] Convex now talks to the fake GitHub; sending the demo installation to ${site}/github/webhook`,
    );
    await sleep(3_000); // let convex dev push the functions with the new environment
    await startDemo(fake, server.url, `${site}/github/webhook`, DEMO_SECRET, 20);
  }
}
await result.catch(() => process.exit(1));

/**
 * The deployment's variable names, once `convex dev` has its local backend up: asked earlier, the
 * CLI would start a second, ephemeral backend on the same port.
 */
async function deploymentVariables(): Promise<string[]> {
  for (
    let waited = 0;
    !(await fetch(`${convexUrl}/instance_name`).then(
      (r) => r.ok,
      () => false,
    ));
    waited += 1
  ) {
    if (waited === 120) throw new Error(`the local Convex backend at ${convexUrl} did not start`);
    await sleep(1_000);
  }
  return convex(["env", "list", "--names-only"])
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** HTTP actions live on the deployment's "site" URL: .convex.site, or the next port locally. */
function siteUrl(convexUrl: string): string {
  const localUrl = /^http:\/\/(127\.0\.0\.1|localhost):(\d+)/.exec(convexUrl);
  if (localUrl) return `http://${localUrl[1]}:${Number(localUrl[2]) + 1}`;
  return convexUrl.replace(/\.convex\.cloud\/?$/, ".convex.site");
}
