/**
 * `npm run dev`: Convex (`npx convex dev`) and Vite together. With no GitHub App configured (no
 * GITHUB_APP_ID in your environment) and a local deployment, it also runs the fake GitHub
 * (tests/fakeGitHub/), points the deployment at it, and plays a demo: the App is "installed", the
 * backfill runs with its progress bar, then webhooks keep changing things.
 *
 * When Convex cannot start (no internet for the local backend, not logged in, a terminal that cannot
 * answer its questions) it says so in a few lines, stops everything it started, and exits with 1.
 */
import concurrently, { type CloseEvent, type ConcurrentlyResult } from "concurrently";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { demoDeploymentEnv, startDemo, startFakeGitHub } from "../tests/fakeGitHub/server";
import { convexFailure, filteredOutput, LaunchError, runConvex, Tail } from "./convexCli";

const DEMO_SECRET = "syncboard-demo-webhook-secret";
const envLocal = () => (existsSync(".env.local") ? readFileSync(".env.local", "utf8") : "");

/** What to stop on the way out, last started first. */
const cleanups: Array<() => unknown> = [];
const aborted = new AbortController();

// A bug still shows its stack trace, but first everything started is stopped.
const crash = async (error: unknown) => {
  await cleanUp();
  console.error(error);
  process.exit(1);
};
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

try {
  await main();
  await cleanUp();
  process.exit(0);
} catch (error) {
  await cleanUp();
  if (!(error instanceof LaunchError)) throw error;
  for (const line of error.lines) console.error(`[dev] ${line}`);
  process.exit(error.exitCode);
}

async function main() {
  // First run: `npx convex dev` asks where the deployment lives (sign in, or run it locally). Answer
  // that in the foreground — concurrently does not forward keyboard input — then run everything.
  if (!/^CONVEX_DEPLOYMENT=/m.test(envLocal())) await runConvex(["dev", "--once"], { interactive: true });
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
  const running = concurrently(commands, {
    killOthersOn: ["failure"],
    prefix: "name",
    outputStream: filteredOutput(process.stdout),
  });
  const convexOutput = new Tail();
  running.commands[0]?.stdout.subscribe((chunk) => convexOutput.add(chunk));
  running.commands[0]?.stderr.subscribe((chunk) => convexOutput.add(chunk));
  const closed = running.result.then(
    (events) => events,
    (events: CloseEvent[]) => events,
  );
  cleanups.push(() => stop(running, closed));
  // Settles when the commands have stopped: rejects if one of them failed (rather than being stopped).
  const outcome = closed.then((events) => {
    const failed = events.find((event) => !event.killed && event.exitCode !== 0);
    if (!failed) return;
    const how =
      typeof failed.exitCode === "number" ? `exited with code ${failed.exitCode}` : `was stopped (${failed.exitCode})`;
    if (failed.command.name === "convex") throw convexFailure(failed.command.command, how, convexOutput.toString());
    throw new LaunchError([`\`${failed.command.command}\` ${how}; its output is above.`]);
  });
  outcome.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled

  if (useFake) await Promise.race([playDemo(convexUrl), outcome]);
  await outcome;
}

/** The fake GitHub, the deployment's variables pointed at it, and the demo's webhooks. */
async function playDemo(convexUrl: string) {
  const port = Number(process.env.PORT ?? 8787);
  if (!(await portFree(port)))
    throw new LaunchError([
      `The fake GitHub cannot listen on port ${port}: something else uses it (another \`npm run dev\` or \`npm run fake-github\`?).`,
      `Stop that, or choose another port: PORT=${port + 1} npm run dev.`,
    ]);
  const { fake, server, keyPath } = await startFakeGitHub(port);
  cleanups.push(() => server.close());
  console.log(`[fake-github] no GITHUB_APP_ID set: serving a fake organisation at ${server.url}`);
  const existing = await deploymentVariables(convexUrl);
  const configuredApp = existing.includes("GITHUB_APP_ID")
    ? (await runConvex(["env", "get", "GITHUB_APP_ID"])).trim()
    : "";
  if (configuredApp && configuredApp !== String(fake.appId)) {
    console.log(
      `[fake-github] the deployment is set up for GitHub App ${configuredApp}; leaving it alone (run GITHUB_APP_ID=${configuredApp} npm run dev)`,
    );
    return;
  }
  const env = demoDeploymentEnv(fake, server.url, keyPath, DEMO_SECRET);
  // Sign-in keys only once (kept on later runs, so sessions survive).
  if (existing.includes("JWT_PRIVATE_KEY"))
    for (const name of ["JWT_PRIVATE_KEY", "JWKS", "SITE_URL"]) delete env[name];
  // Values go in on stdin: as an argument, the PEM key's leading "-----" would be parsed as an option.
  for (const [name, value] of Object.entries(env)) await runConvex(["env", "set", name], { input: value });
  const site = siteUrl(convexUrl);
  console.log(
    `[fake-github] Convex now talks to the fake GitHub; sending the demo installation to ${site}/github/webhook`,
  );
  await sleep(3_000, undefined, { signal: aborted.signal }); // let convex dev push the functions with the new environment
  cleanups.push(await startDemo(fake, server.url, `${site}/github/webhook`, DEMO_SECRET, 20));
}

/**
 * The deployment's variable names, once `convex dev` has its local backend up: asked earlier, the
 * CLI would start a second, ephemeral backend on the same port.
 */
async function deploymentVariables(convexUrl: string): Promise<string[]> {
  for (let waited = 0; !(await answers(`${convexUrl}/instance_name`)); waited += 1) {
    if (waited === 120)
      throw new LaunchError([
        `The local Convex backend at ${convexUrl} did not answer within 2 minutes.`,
        "`npx convex dev`'s output is above; run it on its own to see more, then `npm run dev` again.",
      ]);
    await sleep(1_000, undefined, { signal: aborted.signal });
  }
  return (await runConvex(["env", "list", "--names-only"]))
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: aborted.signal }).then(
    (response) => response.ok,
    () => false,
  );
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** HTTP actions live on the deployment's "site" URL: .convex.site, or the next port locally. */
function siteUrl(convexUrl: string): string {
  const localUrl = /^http:\/\/(127\.0\.0\.1|localhost):(\d+)/.exec(convexUrl);
  if (localUrl) return `http://${localUrl[1]}:${Number(localUrl[2]) + 1}`;
  return convexUrl.replace(/\.convex\.cloud\/?$/, ".convex.site");
}

/** Stops Convex and Vite (with their children), forcefully if they take more than 5 seconds. */
async function stop(running: ConcurrentlyResult, closed: Promise<unknown>) {
  for (const command of running.commands) command.kill();
  const timeout = sleep(5_000).then(() => "timeout" as const);
  if ((await Promise.race([closed, timeout])) === "timeout") {
    for (const command of running.commands) command.kill("SIGKILL");
    await Promise.race([closed, sleep(2_000)]);
  }
}

async function cleanUp() {
  aborted.abort();
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch {
      // Stopping what is already gone.
    }
  }
}
