/**
 * The sync health page (issue 15, deliverable 4): its figures, kept in hourly buckets as jobs and
 * deliveries go, equal a recount from the `syncJobs` and `webhookDeliveries` rows after syncs with
 * faults (a rate limit, 5xx bursts, an outage that fails a job, a repository that answers 404, a
 * cancellation) and webhook deliveries (applied late, dead-lettered, replayed). The replay button
 * requeues a dead delivery for a caller who can see it and for no one else; the query answers the
 * same at any clock time for the same `hour`.
 */
import type { FunctionReturnType } from "convex/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Doc, Id } from "../convex/_generated/dataModel";
import {
  DURATION_BINS,
  DURATION_UNIT_MS,
  histogramQuantile,
  HOUR_MS,
  LAG_BINS,
  LAG_UNIT_MS,
  log2Bin,
} from "../convex/sync/health";
import type { FakeGitHub } from "./fakeGitHub";
import { repositoryJson, userJson } from "./fakeGitHub/shapes";
import { expectQueriesIgnoreClock } from "./helpers/clock";
import { createInstallation, makeConvex, measureQuery, signInAs, type TestConvex } from "./helpers/convex";
import { useFakeGitHub } from "./helpers/github";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

const T = Date.UTC(2026, 10, 24, 12, 20);
const DAY_MS = 86_400_000;
const OTHER_INSTALLATION = 7777;

beforeEach(() => {
  vi.useFakeTimers({ now: T - 2 * DAY_MS });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

const runAll = (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
const latestJob = (t: TestConvex) => t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").first())!);

/** A `pull_request.edited` delivery for a pull request of the fake organisation. */
function prEdited(fake: FakeGitHub, installationGithubId: number, repoName: string, index: number) {
  const repo = fake.repo(repoName);
  const pr = repo.pullRequests[index]!;
  const gh = "https://fake-github.test";
  return {
    action: "edited",
    number: pr.number,
    installation: { id: installationGithubId },
    sender: userJson(pr.author, gh),
    repository: repositoryJson(fake.org, repo, gh),
    pull_request: {
      id: pr.id,
      number: pr.number,
      title: `${pr.title} (edited)`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pr.number}`,
      state: pr.state === "open" ? "open" : "closed",
      draft: pr.draft,
      merged: pr.state === "merged",
      mergeable: pr.mergeable === "UNKNOWN" ? null : pr.mergeable === "MERGEABLE",
      user: userJson(pr.author, gh),
      head: { sha: pr.headSha },
      requested_reviewers: [],
      requested_teams: [],
      created_at: new Date(pr.createdAt).toISOString(),
      updated_at: new Date(Date.now()).toISOString(),
      closed_at: pr.closedAt === null ? null : new Date(pr.closedAt).toISOString(),
      merged_at: pr.mergedAt === null ? null : new Date(pr.mergedAt).toISOString(),
    },
  };
}

/** Deliver, then let its processing start `lagMs` later (the clock jumps before the scheduler runs). */
async function deliverLate(t: TestConvex, payload: unknown, lagMs: number) {
  const response = await deliver(t, "pull_request", payload);
  expect(response.status).toBe(202);
  vi.setSystemTime(Date.now() + lagMs);
  await runAll(t);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
type Health = NonNullable<FunctionReturnType<typeof api.dashboard.syncHealth.syncHealth>>;
/** The answer an operator gets (the installation-wide figures), or a failed test. */
function operatorView(health: Health | null): Extract<Health, { operator: true }> {
  if (!health?.operator) throw new Error(`expected an operator's view, got ${JSON.stringify(health)}`);
  return health;
}
const durationOf = (j: Doc<"syncJobs">) => j.finishedAt! - (j.startedAt ?? j.createdAt);
const binned = (values: number[], unit: number, bins: number) => {
  const hist = Array.from({ length: bins }, () => 0);
  for (const x of values) hist[log2Bin(x, unit, bins)]! += 1;
  return hist;
};

/** The page's window figures, recounted from the rows themselves. */
async function recount(t: TestConvex, installationId: Id<"installations">, hour: number, hours: number) {
  const { jobs, deliveries } = await t.run(async (ctx) => {
    const installation = (await ctx.db.get(installationId))!;
    return {
      jobs: await ctx.db
        .query("syncJobs")
        .withIndex("by_installation_created", (q) => q.eq("installationId", installationId))
        .collect(),
      deliveries: (await ctx.db.query("webhookDeliveries").collect()).filter(
        (d) => d.installationGithubId === installation.githubInstallationId,
      ),
    };
  });
  const inWindow = (ms: number) => Math.floor(ms / HOUR_MS) > hour - hours && Math.floor(ms / HOUR_MS) <= hour;
  const ended = jobs.filter((j) => j.finishedAt !== undefined && inWindow(j.finishedAt));
  const finished = ended.filter((j) => j.state === "completed" || j.state === "failed");
  const failed = finished.filter((j) => j.state === "failed").length;
  // Every job here ran within one window: its requests count where it started.
  const ran = jobs.filter((j) => inWindow(j.createdAt));
  const durations = finished.map(durationOf);
  const applied = deliveries.filter((d) => d.status === "processed" && inWindow(d.processedAt!));
  const lags = applied.map((d) => d.processedAt! - d.receivedAt);
  return {
    figures: {
      jobs: {
        succeeded: finished.length - failed,
        failed,
        cancelled: ended.filter((j) => j.state === "cancelled").length,
        failureRate: finished.length === 0 ? null : failed / finished.length,
      },
      github: {
        requests: sum(ran.map((j) => j.stats.requests)),
        notModified: sum(ran.map((j) => j.stats.notModified)),
        points: sum(ran.map((j) => j.stats.primaryBudgetUsed)),
      },
      duration: {
        jobs: finished.length,
        averageMs: finished.length === 0 ? null : sum(durations) / finished.length,
        p95Ms: histogramQuantile(binned(durations, DURATION_UNIT_MS, DURATION_BINS), 0.95, DURATION_UNIT_MS),
      },
      webhooks: {
        applied: applied.length,
        averageLagMs: applied.length === 0 ? null : sum(lags) / applied.length,
        p95LagMs: histogramQuantile(binned(lags, LAG_UNIT_MS, LAG_BINS), 0.95, LAG_UNIT_MS),
        maxLagMs: applied.length === 0 ? null : Math.max(...lags),
      },
    },
    durations,
    lags,
    jobs,
  };
}

/** The exact nearest-rank 95th percentile, which the histogram's answer bounds from above within 2×. */
function expectBoundsP95(histogramP95: number | null, values: number[], unit: number) {
  if (values.length === 0) return expect(histogramP95).toBeNull();
  const sorted = [...values].sort((a, b) => a - b);
  const exact = sorted[Math.max(1, Math.ceil(0.95 * sorted.length)) - 1]!;
  expect(histogramP95!).toBeGreaterThan(exact);
  expect(histogramP95!).toBeLessThanOrEqual(Math.max(2 * exact, unit));
}

async function setup(fake: FakeGitHub) {
  const t = makeConvex();
  const installationId = await createInstallation(t, {
    githubInstallationId: fake.installationId,
    accountId: fake.org.id,
    accountLogin: fake.org.login,
  });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: fake.org.repos.map((r) => ({
      githubId: r.id,
      name: r.name,
      fullName: `${r.owner}/${r.name}`,
      private: r.private,
    })),
  });
  const owner = await signInAs(t, fake.org.id, fake.org.login);
  return { t, installationId, owner };
}

describe("sync health", () => {
  test("after the fault scenarios, every figure equals a recount from job rows and deliveries", async () => {
    const fake = useFakeGitHub({ seed: 21, org: { repos: 5, prsPerRepo: 30, issuesPerRepo: 3 } });
    const { t, installationId, owner } = await setup(fake);
    const me = t.withIdentity(owner);

    // Two days ago: a first sync through a rate limit (blocked until the reset), 5xx bursts, a
    // timeout and a 404 on one repository; then a webhook applied 3 s after it arrived.
    fake.injectFault({ type: "primary_rate_limit" }, { afterRequests: 8 });
    fake.injectFault({ type: "server_error", status: 502 }, { pathIncludes: "/graphql", afterRequests: 1, times: 2 });
    fake.injectFault({ type: "timeout" }, { pathIncludes: "/commits", times: 1 });
    fake.injectFault({ type: "not_found" }, { pathIncludes: "/repos/acme/repo-003/issues", times: 1_000 });
    await t.mutation(internal.sync.service.request, { installationId, trigger: "webhook" });
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    await deliverLate(t, prEdited(fake, fake.installationId, "repo-001", 0), 3_000);

    // Today: an outage fails a sync (every repository answers 503 until its attempts run out) …
    vi.setSystemTime(T);
    fake.injectFault({ type: "server_error", status: 503 }, { pathIncludes: "/repos/", times: 10_000 });
    await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" });
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "failed" });
    fake.clearFaults();
    fake.injectFault({ type: "not_found" }, { pathIncludes: "/repos/acme/repo-003/issues", times: 1_000 });
    // … the next completes with changes to fetch (repo-003 still failing) …
    const open = fake.repo("repo-002").pullRequests.find((p) => p.state === "open")!;
    fake.mergePullRequest("repo-002", open.number);
    vi.advanceTimersByTime(10 * 60_000);
    await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" });
    await runAll(t);
    expect(await latestJob(t)).toMatchObject({ state: "completed" });
    // … one is cancelled before it runs.
    vi.advanceTimersByTime(30 * 60_000);
    await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" });
    expect(await t.mutation(internal.sync.operators.cancelActiveJob, { installationId })).toMatchObject({
      cancelled: true,
    });
    await runAll(t);
    // Webhooks applied 0.2 s, 1.5 s and 70 s after they arrived.
    await deliverLate(t, prEdited(fake, fake.installationId, "repo-005", 0), 200);
    await deliverLate(t, prEdited(fake, fake.installationId, "repo-001", 1), 1_500);
    await deliverLate(t, prEdited(fake, fake.installationId, "repo-004", 2), 70_000);

    const hour = Math.floor(Date.now() / HOUR_MS);
    const health = operatorView(await me.query(api.dashboard.syncHealth.syncHealth, { installationId, hour }));
    const day = await recount(t, installationId, hour, 24);
    const week = await recount(t, installationId, hour, 7 * 24);
    const figures = (w: typeof health.day) => ({
      jobs: w.jobs,
      github: { requests: w.github.requests, notModified: w.github.notModified, points: w.github.points },
      duration: w.duration,
      webhooks: w.webhooks,
    });
    expect(figures(health.day)).toEqual(day.figures);
    expect(figures(health.week)).toEqual(week.figures);
    // The scenarios happened: the windows differ, every kind of outcome is there.
    expect(week.figures.jobs).toMatchObject({ succeeded: 2, failed: 1, cancelled: 1 });
    expect(day.figures.jobs).toMatchObject({ succeeded: 1, failed: 1, cancelled: 1 });
    expect(week.figures.webhooks.applied).toBe(4);
    expect(day.figures.webhooks.applied).toBe(3);
    expect(day.figures.webhooks.maxLagMs).toBe(70_000);
    expect(week.figures.github.requests).toBeGreaterThan(day.figures.github.requests);
    expect(day.figures.github.requests).toBeGreaterThan(0);
    expect(week.figures.github.points).toBe(week.figures.github.requests - week.figures.github.notModified);
    expectBoundsP95(health.week.duration.p95Ms, week.durations, DURATION_UNIT_MS);
    expectBoundsP95(health.day.webhooks.p95LagMs, day.lags, LAG_UNIT_MS);

    // The hourly series adds up to the day; the peak hour is one of them.
    expect(health.hourly).toHaveLength(24);
    expect(health.hourly.at(-1)!.hour).toBe(hour);
    expect(sum(health.hourly.map((h) => h.requests))).toBe(health.day.github.requests);
    expect(sum(health.hourly.map((h) => h.points))).toBe(health.day.github.points);
    expect(sum(health.hourly.map((h) => h.webhooksApplied))).toBe(3);
    expect(health.day.github.peakHourRequests).toBe(Math.max(...health.hourly.map((h) => h.requests)));

    // The last finished jobs (cancelled ones left out), newest first.
    const finished = week.jobs
      .filter((j) => j.state === "completed" || j.state === "failed")
      .sort((a, b) => b._creationTime - a._creationTime);
    expect(health.recentJobs).toMatchObject({
      count: 3,
      failed: 1,
      failureRate: 1 / 3,
      jobs: finished.map((j) => ({ id: j._id, state: j.state, durationMs: durationOf(j), requests: j.stats.requests })),
    });
    expect(health.recentJobs.jobs[1]!.error).toContain("GitHub is not responding");

    // Per-repository failures with their reasons, as the repository rows say.
    const failedRows = await t.run((ctx) =>
      ctx.db
        .query("repositories")
        .filter((q) => q.eq(q.field("syncStatus"), "failed"))
        .collect(),
    );
    expect(failedRows.map((r) => r.fullName)).toEqual(["acme/repo-003"]);
    expect(health.failedRepositories).toEqual({
      repositories: failedRows.map((r) => ({
        id: r._id,
        fullName: r.fullName,
        reason: r.syncError,
        kind: r.syncErrorKind,
      })),
      more: false,
    });
    // The budgets as GitHub last reported them.
    expect(health.budgets.map((b) => [b.resource, b.limit])).toEqual([
      ["core", 5000],
      ["graphql", 5000],
    ]);

    // Its cost is the week's hours, the last jobs and the budgets: not the history.
    const cost = await measureQuery(t, owner, api.dashboard.syncHealth.syncHealth, { installationId, hour });
    expect(cost.documentsRead).toBeLessThan(2 * 7 * 24 + 2 * 10 + 10 + 60);

    // Same data, same `hour`, another clock: the same answer.
    await expectQueriesIgnoreClock(t, owner, [
      [api.dashboard.syncHealth.syncHealth, { installationId, hour }],
      [api.dashboard.syncHealth.deadDeliveries, { installationId, paginationOpts: { numItems: 10, cursor: null } }],
    ]);
  });

  test("a dead-lettered delivery: listed for its installation, replayed by who can see it, refused to anyone else", async () => {
    vi.setSystemTime(T);
    const fake = useFakeGitHub({ seed: 22, org: { repos: 2, prsPerRepo: 5 } });
    const { t, owner } = await setup(fake);
    const stranger = t.withIdentity(await signInAs(t, 77, "eve"));

    // A delivery for an installation not recorded yet fails every attempt and is dead-lettered.
    const response = await deliver(t, "pull_request", prEdited(fake, OTHER_INSTALLATION, "repo-001", 0));
    expect(response.status).toBe(202);
    await runAll(t);
    const dead = await t.run(async (ctx) => (await ctx.db.query("webhookDeliveries").collect()).at(-1)!);
    expect(dead).toMatchObject({ status: "dead", attempts: 5, installationGithubId: OTHER_INSTALLATION });

    // Its installation is recorded (same organisation): the owner sees it on that installation's page only.
    const other = await createInstallation(t, {
      githubInstallationId: OTHER_INSTALLATION,
      accountId: fake.org.id,
      accountLogin: fake.org.login,
    });
    const page = { numItems: 10, cursor: null };
    const me = t.withIdentity(owner);
    const listed = await me.query(api.dashboard.syncHealth.deadDeliveries, {
      installationId: other,
      paginationOpts: page,
    });
    expect(listed.page).toEqual([
      {
        id: dead._id,
        deliveryId: dead.deliveryId,
        event: "pull_request",
        action: "edited",
        receivedAt: dead.receivedAt,
        attempts: 5,
        reason: expect.stringContaining("not known yet"),
      },
    ]);
    expect(
      (await stranger.query(api.dashboard.syncHealth.deadDeliveries, { installationId: other, paginationOpts: page }))
        .page,
    ).toEqual([]);

    // A caller who cannot see the installation cannot replay it (nor learn it exists).
    await expect(stranger.mutation(api.dashboard.syncHealth.replayDelivery, { id: dead._id })).rejects.toThrow(
      /Delivery not found/,
    );
    await expect(t.mutation(api.dashboard.syncHealth.replayDelivery, { id: dead._id })).rejects.toThrow(
      /Delivery not found/,
    );
    expect(await t.run((ctx) => ctx.db.get(dead._id))).toMatchObject({ status: "dead" });

    // The owner replays it: requeued through the delivery log, applied, counted with its lag.
    vi.advanceTimersByTime(5 * 60_000);
    expect(await me.mutation(api.dashboard.syncHealth.replayDelivery, { id: dead._id })).toEqual({
      replayed: true,
      status: "retrying",
    });
    expect(await t.run((ctx) => ctx.db.get(dead._id))).toMatchObject({ status: "retrying", attempts: 0 });
    // A second press while it is queued does nothing.
    expect(await me.mutation(api.dashboard.syncHealth.replayDelivery, { id: dead._id })).toEqual({
      replayed: false,
      status: "retrying",
    });
    await runAll(t);
    const applied = (await t.run((ctx) => ctx.db.get(dead._id)))!;
    expect(applied.status).toBe("processed");
    expect(
      (await me.query(api.dashboard.syncHealth.deadDeliveries, { installationId: other, paginationOpts: page })).page,
    ).toEqual([]);

    const hour = Math.floor(Date.now() / HOUR_MS);
    const health = operatorView(await me.query(api.dashboard.syncHealth.syncHealth, { installationId: other, hour }));
    const recounted = await recount(t, other, hour, 24);
    expect(health.day.webhooks).toEqual(recounted.figures.webhooks);
    expect(health.day.webhooks).toMatchObject({ applied: 1, maxLagMs: applied.processedAt! - applied.receivedAt });
    expect(health.day.webhooks.maxLagMs!).toBeGreaterThan(5 * 60_000);
  });

  test("validates its arguments and shows nothing to a caller who cannot see the installation", async () => {
    vi.setSystemTime(T);
    const fake = useFakeGitHub({ seed: 23, org: { repos: 1, prsPerRepo: 1 } });
    const { t, installationId, owner } = await setup(fake);
    const hour = Math.floor(T / HOUR_MS);
    const stranger = t.withIdentity(await signInAs(t, 77, "eve"));
    expect(await stranger.query(api.dashboard.syncHealth.syncHealth, { installationId, hour })).toBeNull();
    expect(await t.query(api.dashboard.syncHealth.syncHealth, { installationId, hour })).toBeNull();
    await expect(
      t.withIdentity(owner).query(api.dashboard.syncHealth.syncHealth, { installationId, hour: hour + 0.5 }),
    ).rejects.toThrow(/whole number/);
    // Nothing happened yet: empty figures, not errors.
    const empty = operatorView(
      await t.withIdentity(owner).query(api.dashboard.syncHealth.syncHealth, { installationId, hour }),
    );
    expect(empty.day).toMatchObject({
      jobs: { succeeded: 0, failed: 0, cancelled: 0, failureRate: null },
      duration: { jobs: 0, averageMs: null, p95Ms: null },
      webhooks: { applied: 0, averageLagMs: null, p95LagMs: null, maxLagMs: null },
    });
    expect(empty.recentJobs).toMatchObject({ count: 0, failureRate: null });
  });
});
