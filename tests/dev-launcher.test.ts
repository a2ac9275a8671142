// @vitest-environment node
/**
 * `npm run dev` (scripts/dev.ts) when Convex cannot start: a few lines saying what failed and what to
 * do, no stack trace, a non-zero exit, and nothing left running — not Vite, not `convex dev`, not the
 * fake GitHub. The Convex CLI and Vite are replaced by a fake `npx` on PATH; everything else is real.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterEach, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");
const LAUNCHER = join(ROOT, "scripts/dev.ts");

/**
 * `npx`, as the launcher calls it: `npx convex dev --once`, `npx convex dev`, `npx convex env …`,
 * `npx vite`. What each does is chosen by the test through FAKE_* variables; the long-running ones
 * record their pid (after `exec`, the pid of the `sleep` that stands in for them).
 */
const FAKE_NPX = `#!/bin/sh
fail() {
  echo "✖ $1" >&2
  echo "Error: $1" >&2
  echo "    at Object.run (/fake/convex/cli.js:12:34)" >&2
  echo "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)" >&2
  exit 1
}
case "$*" in
  "convex dev --once") fail "$FAKE_CONVEX_ONCE" ;;
  "convex dev")
    if [ -n "$FAKE_CONVEX_DEV" ]; then sleep 1; fail "$FAKE_CONVEX_DEV"; fi
    echo $$ > "$FAKE_DIR/convex.pid"; exec sleep 600 ;;
  "convex env"*) fail "$FAKE_CONVEX_ENV" ;;
  vite*) echo $$ > "$FAKE_DIR/vite.pid"; exec sleep 600 ;;
esac
echo "fake npx: unexpected npx $*" >&2
exit 2
`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A port nothing listens on (for the fake GitHub). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const portFree = (port: number) =>
  new Promise<boolean>((done) => {
    const probe = createServer()
      .once("error", () => done(false))
      .listen(port, "127.0.0.1", () => probe.close(() => done(true)));
  });

/** Running, and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Runs the launcher in a fresh folder (its own `.env.local`) with the fake `npx` first on PATH. */
async function launch(options: { envLocal?: string; fakes: Record<string, string> }) {
  const dir = mkdtempSync(join(tmpdir(), "syncboard-dev-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin/npx"), FAKE_NPX);
  chmodSync(join(dir, "bin/npx"), 0o755);
  if (options.envLocal !== undefined) writeFileSync(join(dir, ".env.local"), options.envLocal);
  const fakeGitHubPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.fakes,
    FAKE_DIR: dir,
    PATH: `${join(dir, "bin")}:${process.env.PATH}`,
    PORT: String(fakeGitHubPort),
    NO_COLOR: "1",
  };
  delete env.GITHUB_APP_ID;
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [TSX, LAUNCHER], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: whatever happens, the test can stop all of it
  });
  const pids = () =>
    ["convex.pid", "vite.pid"]
      .map((name) => join(dir, name))
      .filter((file) => existsSync(file))
      .map((file) => Number(readFileSync(file, "utf8").trim()));
  cleanups.push(() => {
    for (const pid of [-child.pid!, ...pids()]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += String(chunk)));
  child.stderr.on("data", (chunk: Buffer) => (output += String(chunk)));
  const started = Date.now();
  const exitCode = await new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  // What the launcher started has been stopped by the time it exits (a zombie may take a moment to be reaped).
  for (let i = 0; i < 20 && pids().some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    exitCode,
    seconds: (Date.now() - started) / 1000,
    output: stripVTControlCharacters(output),
    pids: pids(),
    fakeGitHubPort,
  };
}

/** The launcher's own message, and no stack trace anywhere (its own or the CLI's). */
function expectKindFailure(output: string, ...expected: RegExp[]) {
  expect(output).not.toMatch(/^(\[[\w-]+\] )?\s*at \S/m);
  expect(output).not.toMatch(/:\d+:\d+\)?$/m);
  const message = output.split("\n").filter((line) => line.startsWith("[dev] "));
  expect(message.length).toBeGreaterThan(0);
  expect(message.length).toBeLessThanOrEqual(4);
  for (const re of expected) expect(message.join("\n")).toMatch(re);
}

test("first run: `npx convex dev --once` cannot download the local backend → what failed and what to do, exit 1", async () => {
  const run = await launch({ fakes: { FAKE_CONVEX_ONCE: "Failed to fetch latest backend version" } });
  expect(run.exitCode).toBe(1);
  expect(run.output).toContain("Failed to fetch latest backend version"); // the CLI's own line is shown
  expectKindFailure(run.output, /`npx convex dev --once` exited with code 1/, /internet/, /npm run dev/);
  expect(run.pids).toEqual([]); // nothing else was started
  expect(run.seconds).toBeLessThan(30);
}, 60_000);

test("`npx convex dev` fails while Vite and the fake GitHub run → both stopped, exit 1", async () => {
  const run = await launch({
    envLocal: "CONVEX_DEPLOYMENT=anonymous:anonymous-syncboard\nVITE_CONVEX_URL=http://127.0.0.1:1\n",
    fakes: { FAKE_CONVEX_DEV: "Failed to fetch latest backend version" },
  });
  expect(run.output).toContain("[fake-github] no GITHUB_APP_ID set"); // the fake GitHub was up
  expect(run.exitCode).toBe(1);
  expectKindFailure(run.output, /`npx convex dev` exited with code 1/, /internet/);
  expect(run.pids.length).toBe(1); // Vite was started…
  expect(run.pids.filter(alive)).toEqual([]); // …and stopped
  expect(await portFree(run.fakeGitHubPort)).toBe(true);
}, 60_000);

test("`npx convex env list` fails once the backend is up → Convex, Vite and the fake GitHub stopped, exit 1", async () => {
  // The local backend `convex dev` would serve: the launcher waits for it before reading variables.
  const backend: Server = createHttpServer((_req, res) => res.end("anonymous-syncboard"));
  await new Promise<void>((done) => backend.listen(0, "127.0.0.1", done));
  cleanups.push(() => new Promise((done) => backend.close(done)));
  const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  const run = await launch({
    envLocal: `CONVEX_DEPLOYMENT=anonymous:anonymous-syncboard\nVITE_CONVEX_URL=${url}\n`,
    fakes: { FAKE_CONVEX_ENV: "You are not logged in." },
  });
  expect(run.exitCode).toBe(1);
  expectKindFailure(run.output, /`npx convex env list --names-only` exited with code 1/, /npx convex login/);
  expect(run.pids.length).toBe(2); // `convex dev` and Vite were running…
  expect(run.pids.filter(alive)).toEqual([]); // …and were stopped
  expect(await portFree(run.fakeGitHubPort)).toBe(true);
}, 60_000);
