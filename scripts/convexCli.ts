/**
 * How `npm run dev` runs the Convex CLI, and what it tells you when Convex cannot start: a few lines
 * saying what failed and what to do, never a stack trace.
 */
import { spawn } from "node:child_process";
import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";

/** Why the launcher stops: printed as `[dev] …` lines (no stack trace), then it exits with `exitCode`. */
export class LaunchError extends Error {
  constructor(
    readonly lines: string[],
    readonly exitCode = 1,
  ) {
    super(lines.join(" "));
  }
}

/**
 * Lines not worth showing: stack frames (with or without concurrently's `[name]` prefix), Node's
 * unhandled-rejection notice, and the CLI's crash report to sentry.io, which fails too when offline.
 */
const NOISE = [
  /^(\[[\w-]+\] )?\s+at \S/,
  /This error originated either by throwing inside of an async function/,
  /sentry\.io/,
];
const isNoise = (line: string) => NOISE.some((re) => re.test(stripVTControlCharacters(line)));

/**
 * Forwards text line by line to `write`, without the noise. A partial line (a prompt) goes out after
 * 100 ms without more text.
 */
export function lineFilter(write: (text: string) => void) {
  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    if (pending && !isNoise(pending)) write(pending);
    pending = "";
  };
  return {
    write(text: string) {
      clearTimeout(timer);
      const lines = (pending + text).split("\n");
      pending = lines.pop() ?? "";
      const kept = lines.filter((line) => !isNoise(line));
      if (kept.length) write(kept.map((line) => `${line}\n`).join(""));
      if (pending) timer = setTimeout(flush, 100);
    },
    flush,
  };
}

/** A stream for concurrently's `outputStream`: the children's output, without the noise. */
export function filteredOutput(target: NodeJS.WritableStream): Writable {
  const filter = lineFilter((text) => target.write(text));
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      filter.write(String(chunk));
      done();
    },
    final(done) {
      filter.flush();
      done();
    },
  });
}

/** The last part of a command's output (what its failure is recognised from). */
export class Tail {
  private text = "";
  add(chunk: Buffer | string) {
    this.text = (this.text + String(chunk)).slice(-20_000);
  }
  toString() {
    return this.text
      .split("\n")
      .filter((line) => !isNoise(line))
      .join("\n");
  }
}

/**
 * Runs `npx convex <args>` and returns its stdout. Its stderr is shown (without the noise) as it
 * comes. `interactive` (the first-run setup, which may ask questions) leaves stdin and stdout to the
 * terminal; otherwise stdin is `input` or nothing, and stdout is captured.
 */
export function runConvex(args: string[], options: { input?: string; interactive?: boolean } = {}): Promise<string> {
  const command = `npx convex ${args.join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["convex", ...args], {
      stdio: options.interactive
        ? ["inherit", "inherit", "pipe"]
        : [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      // Keep Convex's colours on a terminal although its stderr now goes through a pipe.
      env: process.stderr.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: "1", ...process.env } : process.env,
    });
    let stdout = "";
    const tail = new Tail();
    const stderr = lineFilter((text) => process.stderr.write(text));
    child.stdout?.on("data", (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => {
      tail.add(chunk);
      stderr.write(String(chunk));
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    // Stopping the launcher stops the CLI too (Ctrl-C reaches both; a plain `kill` only the launcher).
    let stoppedBy: NodeJS.Signals | undefined;
    const forward = (signal: NodeJS.Signals) => {
      stoppedBy = signal;
      child.kill(signal);
    };
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    for (const signal of signals) process.on(signal, forward);
    const done = () => {
      for (const signal of signals) process.off(signal, forward);
      stderr.flush();
    };
    child.on("error", (error) => {
      done();
      reject(
        new LaunchError([
          `Could not run \`${command}\`: ${error.message}.`,
          "npx comes with Node.js (20.19 or newer); run `npm ci` in this folder, then `npm run dev` again.",
        ]),
      );
    });
    child.on("close", (code, signal) => {
      done();
      if (code === 0) resolve(stdout);
      else if (stoppedBy || signal || code === 130)
        reject(new LaunchError([`Stopped (\`${command}\` was interrupted).`], 130));
      else reject(convexFailure(command, `exited with code ${code}`, tail.toString()));
    });
  });
}

/** What failed, and what to do about it, recognised from the Convex CLI's output. */
export function convexFailure(command: string, how: string, output: string): LaunchError {
  const lines = [`Convex could not start: \`${command}\` ${how}.`];
  if (/non-interactive/i.test(output)) {
    lines.push(
      "It needs to ask you something (log in, or where your deployment lives) and this terminal is not interactive.",
      "Run `npx convex dev` once in an interactive terminal, then `npm run dev` again.",
    );
  } else if (/not logged in|npx convex login|access token|unauthori[sz]ed/i.test(output)) {
    lines.push(
      "You are not logged in to Convex: run `npx convex login` (or `npx convex dev --configure` and choose a local",
      "deployment), then `npm run dev` again.",
    );
  } else if (
    /fetch latest backend version|download|ENOTFOUND|EAI_AGAIN|getaddrinfo|ETIMEDOUT|ENETUNREACH|fetch failed/i.test(
      output,
    )
  ) {
    lines.push(
      "It could not reach the internet: a local deployment downloads the Convex backend on its first run, a cloud",
      "deployment lives on convex.dev. Connect to the internet (HTTPS_PROXY is honoured), then `npm run dev` again.",
    );
  } else {
    lines.push(
      "Convex's own message is above. `npx convex dev` on its own shows its full output; `npx convex dev --configure`",
      "chooses another deployment.",
    );
  }
  return new LaunchError(lines);
}
