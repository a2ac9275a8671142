// @vitest-environment node
/**
 * What `npm run dev` shows a newcomer without a GitHub App: the fake GitHub over HTTP, its demo
 * webhooks (tests/fakeGitHub/server.ts, the code scripts/dev.ts runs) delivered to the real webhook
 * route, the backfill with visible progress, then live activity. Only `npx convex dev` is replaced:
 * by convex-test, reached through a relay that plays the deployment's `.convex.site` URL.
 */
import { createServer, type Server } from "node:http";
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { demoDeploymentEnv, startDemo, startFakeGitHub } from "./fakeGitHub/server";
import { expectNoAggregateDifferences, makeConvex, type TestConvex } from "./helpers/convex";

const SECRET = "demo-secret";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

/** The deployment's site URL: forwards each POST to the real HTTP route in convex-test. */
async function relayTo(t: TestConvex): Promise<string> {
  const server: Server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const headers = Object.fromEntries(
      Object.entries(req.headers)
        .filter(([k]) => k.startsWith("x-") || k === "content-type")
        .map(([k, v]) => [k, String(v)]),
    );
    const answer = await t.fetch(req.url ?? "/", { method: req.method ?? "POST", headers, body });
    res.writeHead(answer.status);
    res.end(await answer.text());
  });
  // Idle sockets are closed by the client (undici: after 4 s), never by this server first: a POST
  // on a socket the server had just closed would fail with ECONNRESET under a loaded machine.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function eventually<T>(
  t: TestConvex,
  what: string | (() => string),
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${typeof what === "string" ? what : what()}; last value: ${JSON.stringify(value)}; ${await whereThingsStand(t)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** For a timeout's message: the deliveries' and jobs' states. */
const whereThingsStand = (t: TestConvex) =>
  t.run(async (ctx) =>
    JSON.stringify({
      deliveries: (await ctx.db.query("webhookDeliveries").collect()).map((d) => [d.event, d.status, d.reason ?? ""]),
      jobs: (await ctx.db.query("syncJobs").collect()).map((j) => [j.state, j.progress, j.error?.message ?? ""]),
    }),
  );

test("npm run dev's demo: demo sign-in, installation.created → backfill with progress → live webhook activity", async () => {
  const { fake, server, keyPath } = await startFakeGitHub(0);
  cleanups.push(() => server.close());
  const t = makeConvex();
  // What scripts/dev.ts sets on the deployment with `npx convex env set`.
  for (const [name, value] of Object.entries(demoDeploymentEnv(fake, server.url, keyPath, SECRET)))
    vi.stubEnv(name, value);
  vi.stubEnv("CONVEX_SITE_URL", "http://127.0.0.1:3211");
  const site = await relayTo(t);
  // The page's demo sign-in: @convex-dev/auth's Anonymous provider, signing a real session token.
  const signedIn = await t.action(api.auth.signIn, { provider: "anonymous" });
  expect(signedIn.tokens?.token).toMatch(/^ey/);
  const claims = JSON.parse(Buffer.from(signedIn.tokens!.token.split(".")[1]!, "base64url").toString()) as {
    sub: string;
  };
  const asOctocat = t.withIdentity({ subject: claims.sub });

  const stopDemo = await startDemo(fake, server.url, `${site}/github/webhook`, SECRET, 0.25);
  cleanups.push(stopDemo);

  // The installing user sees the installation in the picker…
  const [installation] = await eventually(
    t,
    "the installation",
    () => asOctocat.query(api.dashboard.summary.myInstallations, {}),
    (list) => list.length === 1,
  );
  const installationId = installation!.installationId;
  // …and the backfill's progress, until it is done.
  const progressSeen: Array<{ current: number; total: number }> = [];
  const synced = await eventually(
    t,
    "the backfill",
    async () => {
      const status = await asOctocat.query(api.sync.status.getStatus, { installationId });
      if (status?.activeJobProgress) progressSeen.push(status.activeJobProgress);
      return status;
    },
    (status) => status?.state === "idle" && status.lastSyncedAt !== undefined,
  );
  expect(synced?.state).toBe("idle");
  // Progress counts repositories once the job has listed them (a queued job reports 0 of 0).
  const listed = progressSeen.filter((p) => p.total > 0);
  expect(listed.length).toBeGreaterThan(0);
  expect(listed.every((p) => p.total === fake.org.repos.length && p.current <= p.total)).toBe(true);

  // Demo activity keeps arriving by webhook (new PRs, checks, merges); stop it and let the last ones land.
  await eventually(
    t,
    "demo activity",
    async () => fake.deliveries.length,
    (n) => n >= 6,
  );
  stopDemo();
  const openInFake = () =>
    fake.org.repos.reduce((n, r) => n + r.pullRequests.filter((p) => p.state === "open").length, 0);
  const failedDeliveries = () => fake.deliveries.filter((d) => d.statusCode !== 202 && d.statusCode !== 200);
  const summary = await eventually(
    t,
    () =>
      `the read model to match the fake (${openInFake()} open; failed deliveries: ${JSON.stringify(failedDeliveries())})`,
    () => asOctocat.query(api.dashboard.summary.summary, { installationId }),
    (s) => s?.openPullRequests === openInFake(),
  );
  expect(summary).toMatchObject({ repositories: fake.org.repos.length, openPullRequests: openInFake() });
  expect(fake.deliveries.every((d) => d.statusCode === 202 || d.statusCode === 200)).toBe(true);
  const demoPrs = await asOctocat.query(api.dashboard.lists.pullRequests, {
    installationId,
    state: "all",
    author: "mona",
    paginationOpts: { numItems: 50, cursor: null },
  });
  expect(demoPrs.page.length).toBe(
    fake.org.repos.flatMap((r) => r.pullRequests).filter((p) => p.author === "mona").length,
  );
  await expectNoAggregateDifferences(t, installationId);
}, 240_000);
