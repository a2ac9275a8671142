import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { expectNoAggregateDifferences, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { storedRateLimits } from "./helpers/syncState";
import { WINDOW } from "../convex/sync/jobs";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";
import type { FakeGitHub, RequestLogEntry } from "./fakeGitHub";

const T = Date.UTC(2026, 10, 24, 12);
const realSetTimeout = globalThis.setTimeout;
beforeEach(() => vi.useFakeTimers({ now: T }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

async function setup(fake: FakeGitHub) {
  const t = makeConvex();
  const installationId = await installFakeOrg(t, fake);
  return { t, installationId };
}
const runAll = (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
const request = (
  t: TestConvex,
  installationId: Id<"installations">,
  trigger: "manual" | "webhook" | "maintenance" | "cron" = "maintenance",
) => t.mutation(internal.sync.service.request, { installationId, trigger });
const latestJob = (t: TestConvex) => t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").first())!);
/** Run scheduled work step by step until the job reaches `state` (without jumping the clock to a reset). */
async function runUntil(t: TestConvex, state: string) {
  for (let i = 0; i < 100 && (await latestJob(t)).state !== state; i++) {
    vi.advanceTimersByTime(1);
    await t.finishInProgressScheduledFunctions();
  }
  return latestJob(t);
}

/** A page of data GitHub answered (not the listing's conditional pages, tokens or /rate_limit). */
const answered = (r: RequestLogEntry) => r.status === 200 && r.resource !== "none";

/** The read model must equal the fake's data: every PR with its state, reviews and checks; issues; commits. */
async function expectReadModelEqualsFake(t: TestConvex, fake: FakeGitHub, installationId: Id<"installations">) {
  const db = await t.run(async (ctx) => ({
    prs: await ctx.db.query("pullRequests").collect(),
    reviews: await ctx.db.query("reviews").collect(),
    ci: await ctx.db.query("ciResults").collect(),
    issues: await ctx.db.query("issues").collect(),
    commits: await ctx.db.query("commits").collect(),
    comments: await ctx.db.query("comments").collect(),
    repos: await ctx.db.query("repositories").collect(),
  }));
  const truth = fake.org.repos;
  expect(
    db.repos
      .filter((r) => !r.removed)
      .map((r) => r.githubId)
      .sort(),
  ).toEqual(truth.map((r) => r.id).sort());
  expect(db.prs).toHaveLength(truth.reduce((n, r) => n + r.pullRequests.length, 0));
  const prs = new Map(db.prs.map((p) => [p.githubId, p]));
  for (const r of truth) {
    for (const p of r.pullRequests) {
      const mine = prs.get(p.id);
      expect(mine, `PR ${r.name}#${p.number}`).toMatchObject({
        number: p.number,
        title: p.title,
        state: p.state,
        draft: p.draft,
        headSha: p.headSha,
        authorLogin: p.author,
      });
    }
  }
  expect(db.reviews).toHaveLength(
    truth.reduce((n, r) => n + r.pullRequests.reduce((m, p) => m + p.reviews.length, 0), 0),
  );
  const ciNames = (r: (typeof truth)[number]) =>
    r.pullRequests.reduce(
      (m, p) => m + new Set(p.checkRuns.map((c) => c.name)).size + new Set(p.statuses.map((s) => s.context)).size,
      0,
    );
  expect(db.ci).toHaveLength(truth.reduce((n, r) => n + ciNames(r), 0));
  expect(db.issues).toHaveLength(truth.reduce((n, r) => n + r.issues.length, 0));
  expect(db.comments).toHaveLength(truth.reduce((n, r) => n + r.issueComments.length + r.reviewComments.length, 0));
  expect(db.commits.length).toBe(
    truth.reduce((n, r) => n + r.commits.filter((c) => c.date >= T - 365 * 86_400_000).length, 0),
  );
  await expectNoAggregateDifferences(t, installationId);
}

describe("processSyncJob against the fake GitHub", () => {
  test("full backfill of 20 repositories / 2,000 PRs equals the fake's data; then a no-change resync costs nothing", async () => {
    const fake = useFakeGitHub({
      latencyMs: 0,
      seed: 7,
      org: { repos: 20, prsPerRepo: 100, issuesPerRepo: 5, commitsPerRepo: 5, reviewsPerPr: 2, checksPerPr: 2 },
    });
    const { t, installationId } = await setup(fake);
    expect(await request(t, installationId, "webhook")).toMatchObject({ action: "start" });
    await runAll(t);
    const job = await latestJob(t);
    expect(job).toMatchObject({ state: "completed", progress: { current: 20, total: 20 } });
    await expectReadModelEqualsFake(t, fake, installationId);
    const repos = await t.run((ctx) => ctx.db.query("repositories").collect());
    expect(repos.every((r) => r.syncStatus === "ready")).toBe(true);
    const installation = await t.run((ctx) => ctx.db.get(installationId));
    expect(installation!.sync).toMatchObject({ state: "idle", lastSyncedAt: expect.any(Number) });
    const budgets = await storedRateLimits(t, installationId);
    expect(budgets.core?.remaining).toBe(fake.budgets.core.remaining);
    expect(budgets.graphql?.remaining).toBe(fake.budgets.graphql.remaining);

    // Immediately again, with nothing changed on GitHub.
    vi.advanceTimersByTime(60_000);
    const before = fake.stats();
    expect(await request(t, installationId, "maintenance")).toMatchObject({ action: "start" });
    await runAll(t);
    const after = fake.stats();
    const again = await latestJob(t);
    expect(again.state).toBe("completed");
    expect(after.total - before.total).toBeLessThanOrEqual(20 + 1); // one cheap request per repository (+ the listing)
    expect(after.budgetSpent - before.budgetSpent).toBe(0); // all 304s: no primary budget
    expect(again.stats).toMatchObject({ requests: after.total - before.total, primaryBudgetUsed: 0 });
  });

  test("a change on GitHub is fetched alone and moves the counters", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 3, org: { repos: 4, prsPerRepo: 10 } });
    const { t, installationId } = await setup(fake);
    await request(t, installationId, "webhook");
    await runAll(t);
    const summary = async () => {
      const me = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
      return (await me.query(api.dashboard.summary.summary, { installationId }))!;
    };
    const before = await summary();
    const open = fake.repo("repo-002").pullRequests.find((p) => p.state === "open")!;
    vi.advanceTimersByTime(10 * 60_000);
    fake.mergePullRequest("repo-002", open.number);
    fake.addReview("repo-003", fake.repo("repo-003").pullRequests[0]!.number, { state: "APPROVED", author: "mojombo" });
    const requestsBefore = fake.stats().total;
    await request(t, installationId, "maintenance");
    await runAll(t);
    const used = fake.stats().total - requestsBefore;
    // listing (changed: pushed_at) + 4 probes + for each of the 2 changed repos: 1 GraphQL page, issues,
    // comments ×2 (+ commits for the merged one).
    expect(used).toBeLessThanOrEqual(1 + 4 + 2 * 4 + 1);
    expect((await summary()).openPullRequests).toBe(before.openPullRequests - 1);
    await expectReadModelEqualsFake(t, fake, installationId);
  });
});

describe("failures during a sync", () => {
  const ORG = { repos: 5, prsPerRepo: 40, issuesPerRepo: 3 };

  test("primary rate limit mid-sync: blocked until the reset in getStatus, resumes then, same final data", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 11, org: ORG });
    const { t, installationId } = await setup(fake);
    fake.injectFault({ type: "primary_rate_limit" }, { afterRequests: 8 });
    await request(t, installationId, "webhook");
    const blocked = await runUntil(t, "blocked");
    expect(blocked.state).toBe("blocked");
    const resetAt =
      fake.budgets.graphql.remaining === 0 ? fake.budgets.graphql.reset * 1000 : fake.budgets.core.reset * 1000;
    expect(blocked.blockedUntil).toBe(resetAt);
    const me = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
    expect(await me.query(api.sync.status.getStatus, { installationId })).toMatchObject({
      state: "blocked",
      blockedUntil: resetAt,
      canSyncNow: false,
    });
    const scheduled = await t.run((ctx) =>
      ctx.db.system
        .query("_scheduled_functions")
        .filter((q) => q.eq(q.field("state.kind"), "pending"))
        .collect(),
    );
    expect(scheduled.map((s) => s.scheduledTime)).toContain(resetAt);

    await runAll(t); // the clock reaches the reset; the budget refills; the job resumes from its cursor
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("secondary rate limit: retry-after decides when it resumes", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 12, org: ORG });
    const { t, installationId } = await setup(fake);
    fake.injectFault(
      { type: "secondary_rate_limit", retryAfterSec: 90 },
      { pathIncludes: "/graphql", afterRequests: 2 },
    );
    await request(t, installationId, "webhook");
    const blocked = await runUntil(t, "blocked");
    expect(blocked.state).toBe("blocked");
    expect(blocked.blockedUntil! - Date.now()).toBeGreaterThan(85_000);
    expect(blocked.blockedUntil! - Date.now()).toBeLessThanOrEqual(90_000);
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("5xx bursts and a timeout are retried with backoff and the sync completes", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 13, org: ORG });
    const { t, installationId } = await setup(fake);
    fake.injectFault({ type: "server_error", status: 502 }, { pathIncludes: "/graphql", afterRequests: 1, times: 2 });
    fake.injectFault({ type: "server_error", status: 500 }, { pathIncludes: "/issues", afterRequests: 3, times: 3 });
    fake.injectFault({ type: "timeout" }, { pathIncludes: "/commits", times: 1 });
    await request(t, installationId, "webhook");
    await runAll(t);
    const job = await latestJob(t);
    expect(job.state).toBe("completed");
    expect(job.stats.requests).toBeGreaterThan(fake.stats().total - 20); // retries were made and counted
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("persistent 5xx: the job fails after bounded attempts with a normalized error, and can be retried", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 14, org: { repos: 2, prsPerRepo: 5 } });
    const { t, installationId } = await setup(fake);
    fake.injectFault({ type: "server_error", status: 503 }, { pathIncludes: "/graphql", times: 100 });
    await request(t, installationId, "webhook");
    await runAll(t);
    const failed = await latestJob(t);
    expect(failed).toMatchObject({
      state: "failed",
      error: { kind: "transient", message: expect.stringContaining("GitHub is not responding") },
    });
    const me = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
    const status = await me.query(api.sync.status.getStatus, { installationId });
    expect(status).toMatchObject({
      state: "error",
      lastSyncError: expect.stringContaining("GitHub is not responding"),
    });
    expect(status!.lastSyncError).not.toMatch(/503|Error:/);
    // The outage ends; the user retries.
    fake.clearFaults();
    expect(await me.mutation(api.sync.status.syncNow, { installationId })).toMatchObject({ action: "start" });
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("a permanent 404 on one repository fails that repository only", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 15, org: ORG });
    const { t, installationId } = await setup(fake);
    fake.injectFault({ type: "not_found" }, { pathIncludes: "/repos/acme/repo-003/issues", times: 1 });
    await request(t, installationId, "webhook");
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    const repos = await t.run((ctx) => ctx.db.query("repositories").collect());
    expect(repos.filter((r) => r.syncStatus === "failed").map((r) => [r.name, r.syncError])).toEqual([
      ["repo-003", expect.stringContaining("no longer exists")],
    ]);
    expect(repos.filter((r) => r.syncStatus === "ready")).toHaveLength(4);
    const me = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
    expect((await me.query(api.sync.status.getStatus, { installationId }))!.failedRepositories).toEqual([
      { fullName: "acme/repo-003", reason: expect.any(String) },
    ]);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a slice that dies holding its lease: a duplicate copy exits, maintenance resumes it from the cursor, no duplicates", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 16, org: ORG });
    const { t, installationId } = await setup(fake);
    const { jobId } = await request(t, installationId, "webhook");
    // A slice claims generation 1 and dies right after (the process crashed): nothing more happens.
    expect(await t.mutation(internal.sync.jobs.claimSlice, { jobId: jobId!, generation: 1 })).not.toBeNull();
    // The real scheduled copy of that same slice now runs: it sees the claim and exits without writing.
    vi.advanceTimersByTime(1);
    await t.finishInProgressScheduledFunctions();
    expect(fake.stats().total).toBe(0);
    expect(await latestJob(t)).toMatchObject({ state: "running", lease: { generation: 1, claimed: true } });
    // The lease runs out; the maintenance cron hands the job back through request("maintenance").
    vi.advanceTimersByTime(4 * 60_000);
    expect(await t.mutation(internal.sync.maintenance.recoverStalledJobs, {})).toBe(1);
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ _id: jobId, state: "completed", lease: { generation: 2 } });
    expect(await t.run((ctx) => ctx.db.query("syncJobs").collect())).toHaveLength(1);
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("a lost continuation (scheduled but never run) is recovered by maintenance from the stored cursor", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 17, org: ORG });
    const { t, installationId } = await setup(fake);
    fake.injectFault(
      { type: "server_error", status: 500 },
      { pathIncludes: "/repos/acme/repo-004/issues", afterRequests: 1, times: 1 },
    );
    await request(t, installationId, "webhook");
    const retrying = await runUntil(t, "retrying");
    expect(retrying.state).toBe("retrying");
    expect(retrying.progress.itemsFetched).toBeGreaterThan(0);
    // The scheduler loses the continuation.
    await t.run(async (ctx) => {
      for (const s of await ctx.db.system.query("_scheduled_functions").collect())
        if (s.state.kind === "pending") await ctx.scheduler.cancel(s._id);
    });
    vi.advanceTimersByTime(10 * 60_000);
    const requestsBefore = fake.stats().total;
    expect(await t.mutation(internal.sync.maintenance.recoverStalledJobs, {})).toBe(1);
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    // Resumed, not restarted: no page answered before was fetched again.
    const before = new Set(
      fake.requests
        .slice(0, requestsBefore)
        .filter(answered)
        .map((r) => r.page),
    );
    expect(fake.requests.slice(requestsBefore).filter((r) => answered(r) && before.has(r.page))).toEqual([]);
    await expectReadModelEqualsFake(t, fake, installationId);
  });
});

/** Simulated time: each turn of the event loop moves the clock to the next timer (GitHub's latency, pacing, schedules). */
const runSimulated = (t: TestConvex) => t.finishAllScheduledFunctions(() => vi.advanceTimersToNextTimer(), 100_000);
const DAY = 86_400_000;

describe("first sync: open work first, concurrently, within GitHub's limits (issue 12)", () => {
  test("open pull requests (with health) and open issues of every repository are stored before any history page; getStatus says the phase", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 31, org: { repos: 6, prsPerRepo: 20, issuesPerRepo: 8 } });
    const { t, installationId } = await setup(fake);
    const me = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
    const status = () => me.query(api.sync.status.getStatus, { installationId });
    // Two pauses: one during open work (the 3rd open-issues page), one at the first history REST page
    // (issue comments: after every repository's closed pull requests and closed issues, over GraphQL).
    fake.injectFault(
      { type: "secondary_rate_limit", retryAfterSec: 60 },
      { pathIncludes: "state=open", afterRequests: 2 },
    );
    fake.injectFault({ type: "secondary_rate_limit", retryAfterSec: 60 }, { pathIncludes: "/issues/comments" });
    await request(t, installationId, "webhook");
    await runUntil(t, "blocked");
    expect(await status()).toMatchObject({ state: "blocked", phase: "open_work" });
    vi.advanceTimersByTime(61_000);
    await t.finishInProgressScheduledFunctions();
    const paused = await runUntil(t, "blocked");
    expect(paused.cursor.stage).toBe("history");
    expect(await status()).toMatchObject({ state: "blocked", phase: "history" });
    // The dashboard is complete for open work: every open PR with its health, every open issue.
    const stored = await t.run(async (ctx) => ({
      prs: await ctx.db.query("pullRequests").collect(),
      issues: await ctx.db.query("issues").collect(),
    }));
    const openPrs = fake.org.repos.flatMap((r) => r.pullRequests.filter((p) => p.state === "open"));
    const storedPrs = new Map(stored.prs.map((p) => [p.githubId, p]));
    for (const p of openPrs) expect(storedPrs.get(p.id), `open PR ${p.id}`).toMatchObject({ state: "open" });
    expect(openPrs.every((p) => ["green", "yellow", "red"].includes(storedPrs.get(p.id)!.health))).toBe(true);
    const openIssues = fake.org.repos.flatMap((r) => r.issues.filter((i) => i.state === "open").map((i) => i.id));
    expect(stored.issues.map((i) => i.githubId)).toEqual(expect.arrayContaining(openIssues));

    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    expect((await status())!.phase).toBeUndefined();
    // In write order: the last open item was written before the first history item.
    const times = await t.run(async (ctx) => {
      const prs = await ctx.db.query("pullRequests").collect();
      const issues = await ctx.db.query("issues").collect();
      const history = [
        ...prs.filter((p) => p.state !== "open"),
        ...issues.filter((i) => i.state !== "open"),
        ...(await ctx.db.query("comments").collect()),
        ...(await ctx.db.query("commits").collect()),
      ];
      const open = [...prs.filter((p) => p.state === "open"), ...issues.filter((i) => i.state === "open")];
      return {
        lastOpen: Math.max(...open.map((d) => d._creationTime)),
        firstHistory: Math.min(...history.map((d) => d._creationTime)),
      };
    });
    expect(times.lastOpen).toBeLessThan(times.firstHistory);
    // GitHub was asked in the same order: every OPEN page before any CLOSED/MERGED one.
    const gql = fake.requests.filter((r) => r.resource === "graphql" && r.status === 200);
    const lastOpen = gql.findLastIndex((r) => r.page.includes('["OPEN"]'));
    const firstClosed = gql.findIndex((r) => r.page.includes('["CLOSED","MERGED"]'));
    expect(lastOpen).toBeLessThan(firstClosed);
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("repositories are fetched concurrently, never more at once than the window, with no secondary-limit answer", async () => {
    const fake = useFakeGitHub({ latencyMs: 300, seed: 32, org: { repos: 24, prsPerRepo: 12, issuesPerRepo: 4 } });
    const { t, installationId } = await setup(fake);
    const started = Date.now();
    await request(t, installationId, "webhook");
    await runSimulated(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    expect(fake.peakConcurrency).toBeGreaterThan(4);
    expect(fake.peakConcurrency).toBeLessThanOrEqual(WINDOW);
    expect(fake.secondaryLimitAnswers).toBe(0);
    // At one request at a time, 300 ms each, the same requests would take at least this long.
    const sequentialFloor = fake.requests.filter((r) => r.resource !== "none").length * 300;
    expect(Date.now() - started).toBeLessThan(sequentialFloor / 3);
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("a secondary-limit answer stops every lane until retry-after, lowers the concurrency, and the sync completes", async () => {
    // This GitHub allows only 2 requests at once; the worker starts at 4.
    const fake = useFakeGitHub({
      latencyMs: 300,
      seed: 33,
      org: { repos: 8, prsPerRepo: 10, issuesPerRepo: 4 },
      secondaryLimits: { concurrentRequests: 2 },
    });
    const { t, installationId } = await setup(fake);
    await request(t, installationId, "webhook");
    await runSimulated(t);
    const job = await latestJob(t);
    expect(job.state).toBe("completed");
    expect(fake.secondaryLimitAnswers).toBeGreaterThan(0);
    expect(job.cursor.concurrencyCeiling).toBeLessThanOrEqual(2);
    // After each secondary-limit answer, no new request arrived before its retry-after (60 s) ran out.
    const data = fake.requests.filter((r) => r.resource !== "none");
    for (const limited of data.filter((r) => r.secondary)) {
      const early = data.filter((r) => r.at > limited.at && r.at < limited.at + 60_000);
      expect(early, `requests within 60 s of the answer at ${limited.at}`).toEqual([]);
    }
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("a slice killed mid-flight: maintenance resumes every repository in flight from its own cursor; no page is fetched twice or skipped", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 34, org: { repos: 8, prsPerRepo: 60, issuesPerRepo: 250 } });
    const { t, installationId } = await setup(fake);
    // After 24 requests GitHub stops answering: the slice hangs with every lane mid-request.
    fake.injectFault({ type: "hang" }, { afterRequests: 24, times: 1_000_000 });
    const { jobId } = await request(t, installationId, "webhook");
    let hung = -1;
    for (let i = 0; i < 2_000; i++) {
      vi.advanceTimersByTime(1); // 2 s at most: well below the client's 20 s request timeout
      await new Promise((resolve) => realSetTimeout(resolve, 0));
      const now = fake.requests.filter((r) => r.status === 0).length;
      if (now > 0 && now === hung) break;
      hung = now;
    }
    expect(hung).toBeGreaterThan(1);
    // The process dies: its lease runs out (the clock jumps without firing the hung slice's timers).
    vi.setSystemTime(Date.now() + 4 * 60_000);
    const killed = await latestJob(t);
    const inFlight = await t.run(async (ctx) =>
      Promise.all(killed.cursor.window!.map(async (id) => (await ctx.db.get(id))!)),
    );
    expect(inFlight.length).toBeGreaterThan(1);
    expect(inFlight.filter((r) => r.syncProgress?.page !== undefined).length).toBeGreaterThan(0);
    fake.clearFaults();
    expect(await t.mutation(internal.sync.maintenance.recoverStalledJobs, {})).toBe(1);
    await runAll(t); // the dead slice's timers fire too: it finds its lease gone and writes nothing
    expect(await latestJob(t)).toMatchObject({ _id: jobId, state: "completed" });
    expect(await t.run((ctx) => ctx.db.query("syncJobs").collect())).toHaveLength(1);
    // Each page GitHub answered was answered once: resumed repositories went on from their own cursor.
    const pages = fake.requests.filter(answered).map((r) => r.page);
    expect(pages.filter((p, i) => pages.indexOf(p) !== i)).toEqual([]);
    await expectReadModelEqualsFake(t, fake, installationId);
  });

  test("the history horizon and the commit cap come from the environment, read at call time", async () => {
    vi.stubEnv("SYNCBOARD_HISTORY_DAYS", "20");
    vi.stubEnv("SYNCBOARD_MAX_COMMITS_PER_REPOSITORY", "30");
    const fake = useFakeGitHub({
      latencyMs: 0,
      seed: 35,
      org: { repos: 3, prsPerRepo: 40, issuesPerRepo: 20, commitsPerRepo: 150 },
    });
    const { t, installationId } = await setup(fake);
    await request(t, installationId, "webhook");
    await runAll(t);
    const job = await latestJob(t);
    expect(job.state).toBe("completed");
    const horizon = job.startedAt! - 20 * DAY;
    const db = await t.run(async (ctx) => ({
      prs: await ctx.db.query("pullRequests").collect(),
      issues: await ctx.db.query("issues").collect(),
      commits: await ctx.db.query("commits").collect(),
      comments: await ctx.db.query("comments").collect(),
    }));
    const truth = fake.org.repos;
    const expectedPrs = truth.flatMap((r) =>
      r.pullRequests.filter((p) => p.state === "open" || p.updatedAt >= horizon),
    );
    expect(expectedPrs.length).toBeLessThan(truth.length * 40); // the horizon cuts something
    expect(db.prs.map((p) => p.githubId).sort()).toEqual(expectedPrs.map((p) => p.id).sort());
    const expectedIssues = truth.flatMap((r) => r.issues.filter((i) => i.state === "open" || i.updatedAt >= horizon));
    expect(db.issues.map((i) => i.githubId).sort()).toEqual(expectedIssues.map((i) => i.id).sort());
    expect(db.comments.every((c) => c.updatedAt >= horizon)).toBe(true);
    // The 30 newest commits of each repository within the horizon.
    const newest = truth.flatMap((r) =>
      r.commits
        .filter((c) => c.date >= horizon)
        .sort((a, b) => b.date - a.date)
        .slice(0, 30)
        .map((c) => c.sha),
    );
    expect(db.commits.map((c) => c.sha).sort()).toEqual(newest.sort());
    await expectNoAggregateDifferences(t, installationId);
  });

  test("pull request pages grow while GitHub's cost and response time allow, and shrink when the cost is high", async () => {
    const cheap = useFakeGitHub({ latencyMs: 0, seed: 36, org: { repos: 1, prsPerRepo: 600 } });
    let { t, installationId } = await setup(cheap);
    await request(t, installationId, "webhook");
    await runAll(t);
    expect((await latestJob(t)).state).toBe("completed");
    const prPages = (fake: FakeGitHub) =>
      fake.requests.filter((r) => r.resource === "graphql" && r.status === 200 && r.first !== undefined);
    const grown = prPages(cheap).map((r) => r.first);
    expect(grown.slice(0, 3)).toEqual([25, 50, 100]);
    expect(Math.max(...grown.map(Number))).toBe(100);
    await expectReadModelEqualsFake(t, cheap, installationId);

    vi.unstubAllGlobals();
    // The same query shape costing ten times as much (large nested connections): pages shrink to the minimum.
    const dear = useFakeGitHub({
      latencyMs: 0,
      seed: 37,
      org: { repos: 1, prsPerRepo: 200 },
      graphqlCostMultiplier: 10,
    });
    ({ t, installationId } = await setup(dear));
    await request(t, installationId, "webhook");
    await runAll(t);
    const job = await latestJob(t);
    expect(job.state).toBe("completed");
    const shrunk = prPages(dear).map((r) => r.first!);
    expect(shrunk[0]).toBe(25);
    expect(shrunk.slice(1).every((n, i) => n <= shrunk[i]!)).toBe(true);
    expect(shrunk.at(-1)).toBe(5);
    expect(job.cursor.pageSize).toBe(5);
    await expectReadModelEqualsFake(t, dear, installationId);
  });
});
