/**
 * The watchlist (issue 24, seed 001): any member follows an outside repository by URL or owner/name;
 * the entry answers `processing` at once, and a SyncService job of kind "watchlist" reads a year of its
 * commits (at most 1,000, the newest), its releases, counts, files, branch rules and OpenSSF's Scorecard
 * result, then it is `ready` — or `failed` with its reason after 3 attempts (2 s, 4 s). A refresh asks
 * conditionally (304s cost nothing); alerts go through the alert engine. Against the fake GitHub's
 * outside repositories and its fake Scorecard API.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { FakeGitHub } from "./fakeGitHub";
import { makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";

const T = Date.UTC(2026, 11, 1, 9);
const DAY = 86_400_000;
beforeEach(() => vi.useFakeTimers({ now: T }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

async function setup() {
  const fake = useFakeGitHub({ latencyMs: 0, org: { repos: 2, prsPerRepo: 3, issuesPerRepo: 2, commitsPerRepo: 3 } });
  const t = makeConvex();
  const installationId = await installFakeOrg(t, fake);
  const owner = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
  return { fake, t, installationId, owner };
}
type Caller = ReturnType<TestConvex["withIdentity"]>;

/** Scheduled work to its end, the clock moving to each next timer (a retry's backoff too). */
const runSimulated = (t: TestConvex) => t.finishAllScheduledFunctions(() => vi.advanceTimersToNextTimer(), 100_000);
const entry = (t: TestConvex, id: Id<"watchEntries">) => t.run(async (ctx) => (await ctx.db.get(id))!);
const add = (c: Caller, installationId: Id<"installations">, repository: string) =>
  c.mutation(api.watchlist.entries.add, { installationId, repository });
const outsideRequests = (fake: FakeGitHub, fullName: string, from = 0) =>
  fake.requests.slice(from).filter((r) => r.path.toLowerCase().startsWith(`/repos/${fullName.toLowerCase()}`));

describe("adding a repository", () => {
  test("by owner/name or a github.com URL, with or without .git; anything else gets a clear error", async () => {
    const { t, installationId, owner } = await setup();
    const forms = [
      "facebook/react",
      "https://github.com/facebook/react",
      "https://www.github.com/facebook/react.git",
      "github.com/facebook/react/tree/main",
      "git@github.com:facebook/react.git",
      " facebook/react.git ",
    ];
    const ids = new Set<string>();
    for (const form of forms) ids.add((await add(owner, installationId, form)).entryId);
    // The same repository, however typed, is one entry.
    expect(ids.size).toBe(1);
    expect(await t.run((ctx) => ctx.db.query("watchEntries").collect())).toHaveLength(1);
    for (const [bad, words] of [
      ["", "Type a repository"],
      ["react", "not a repository"],
      ["https://gitlab.com/facebook/react", "Only github.com"],
      ["facebook/react/extra", "not a repository"],
      ["-bad/react", "not a repository"],
      ["facebook/..", "not a repository"],
    ] as const) {
      await expect(add(owner, installationId, bad)).rejects.toThrow(words);
    }
  });

  test("facebook/react-like: processing at once, then ready with exactly the newest 1,000 commits within a year, releases, counts, Scorecard and our checks", async () => {
    const { fake, t, installationId, owner } = await setup();
    const react = fake.outside.add("facebook", "react", { commitCount: 5_000, spanDays: 730, releaseCount: 40 });
    fake.outside.setScorecard("facebook/react", { score: 7.5 });
    const { entryId, status } = await add(owner, installationId, "https://github.com/facebook/react");
    expect(status).toBe("processing");
    const listed = await owner.query(api.dashboard.watchlist.list, { installationId });
    expect(listed.entries).toMatchObject([{ fullName: "facebook/react", status: "processing" }]);

    await runSimulated(t);
    const e = await entry(t, entryId);
    expect(e.status).toBe("ready");
    const stored = await t.run((ctx) =>
      ctx.db
        .query("watchCommits")
        .withIndex("by_entry_committed", (q) => q.eq("entryId", entryId))
        .collect(),
    );
    const expected = react.commits
      .filter((c) => c.date >= T - 365 * DAY)
      .sort((a, b) => b.date - a.date)
      .slice(0, 1_000)
      .map((c) => c.sha);
    expect(stored).toHaveLength(1_000);
    expect(new Set(stored.map((c) => c.sha))).toEqual(new Set(expected));
    expect(e.commits).toEqual({ count: 1_000, lastAt: react.commits[0]!.date });
    expect(e.releases).toMatchObject({ count: 40, latest: { tag: "v40.0.0" }, withAssets: 5, signed: 3 });
    expect(e.repository).toMatchObject({ openPulls: 12, openIssues: 52, license: "MIT", archived: false });
    expect(e.files).toEqual({
      securityPolicy: "SECURITY.md",
      dependencyUpdateTool: "Dependabot (.github/dependabot.yml)",
    });
    expect(e.scorecard).toMatchObject({ score: 7.5 });
    expect(e.scorecard!.checks.find((c) => c.name === "Packaging")!.score).toBe(-1);
    expect(e.ours!.map((c) => c.name)).toEqual([
      "Maintained",
      "Code-Review",
      "License",
      "Security-Policy",
      "Dependency-Update-Tool",
      "Signed-Releases",
      "Branch-Protection",
    ]);
    expect(Object.fromEntries(e.ours!.map((c) => [c.name, c.score]))).toMatchObject({
      Maintained: 10,
      License: 10,
      "Security-Policy": 10,
      "Dependency-Update-Tool": 10,
      "Signed-Releases": 6,
      "Branch-Protection": 10,
    });
    // The job was a SyncService job of kind "watchlist", and it ended.
    const jobs = await t.run((ctx) => ctx.db.query("syncJobs").collect());
    expect(jobs.filter((j) => j.kind === "watchlist").map((j) => j.state)).toEqual(["completed"]);

    const detail = await owner.query(api.dashboard.watchlist.detail, { installationId, entryId });
    expect(detail).toMatchObject({
      status: "ready",
      openssf: { score: 7.5 },
      viewerUrl: "https://scorecard.dev/viewer/?uri=github.com/facebook/react",
    });
    expect(detail!.weeks).toHaveLength(52);
    expect(detail!.weeks.reduce((n, w) => n + w.commits, 0)).toBe(1_000);

    // A refresh with nothing changed: only conditional requests, each answered 304.
    vi.advanceTimersByTime(DAY);
    const from = fake.requests.length;
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    const again = outsideRequests(fake, "facebook/react", from);
    expect(again.length).toBeGreaterThanOrEqual(7);
    expect(again.every((r) => r.status === 304 && !r.costsBudget)).toBe(true);
    const refreshed = await entry(t, entryId);
    expect(refreshed.status).toBe("ready");
    // OpenSSF was asked again (on demand) and its unchanged result was not stored again.
    expect(refreshed.scoreHistory).toHaveLength(1);
    expect(fake.outside.scorecardRequests).toHaveLength(2);
  });

  test("a repository OpenSSF does not scan is 'not scanned'; a renamed one is followed to its new name", async () => {
    const { fake, t, installationId, owner } = await setup();
    fake.outside.add("acme", "old-name");
    fake.outside.rename("acme/old-name", "acme-inc/new-name");
    const { entryId } = await add(owner, installationId, "acme/old-name");
    await runSimulated(t);
    const e = await entry(t, entryId);
    expect(e).toMatchObject({
      status: "ready",
      fullName: "acme-inc/new-name",
      renamedFrom: "acme/old-name",
      scorecard: null,
    });
    const detail = await owner.query(api.dashboard.watchlist.detail, { installationId, entryId });
    expect(detail).toMatchObject({ openssf: "not_scanned", scorecard: "not_scanned", renamedFrom: "acme/old-name" });
    // Adding the new name is the same entry.
    expect((await add(owner, installationId, "acme-inc/new-name")).entryId).toBe(entryId);
  });
});

describe("failures and retries", () => {
  test("OpenSSF's answers are read with zod: an unreadable one keeps the stored result, a 503 is retried", async () => {
    const { fake, t, installationId, owner } = await setup();
    fake.outside.add("facebook", "react");
    fake.outside.setScorecard("facebook/react", { score: 7 });
    fake.outside.scorecardFaults.push(503);
    const { entryId } = await add(owner, installationId, "facebook/react");
    await runSimulated(t);
    expect(await entry(t, entryId)).toMatchObject({ status: "ready", scorecard: { score: 7 } });
    fake.outside.scorecardFaults.push("malformed");
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    const e = await entry(t, entryId);
    expect(e).toMatchObject({ status: "ready", scorecard: { score: 7 }, scorecardDue: true });
    expect(fake.outside.scorecardRequests).toHaveLength(3);
  });

  test("a missing repository ends failed with its reason after 3 attempts (2 s, 4 s apart); a retry by hand once it exists ends ready", async () => {
    const { fake, t, installationId, owner } = await setup();
    const { entryId } = await add(owner, installationId, "nobody/missing");
    await runSimulated(t);
    const e = await entry(t, entryId);
    expect(e).toMatchObject({ status: "failed", attempts: 3 });
    expect(e.error!.message).toContain("does not exist, or it is private");
    const attempts = outsideRequests(fake, "nobody/missing").map((r) => r.at);
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(2_000);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(4_000);
    const listed = await owner.query(api.dashboard.watchlist.list, { installationId });
    expect(listed.entries[0]).toMatchObject({ status: "failed", error: e.error!.message });

    fake.outside.add("nobody", "missing");
    await owner.mutation(api.watchlist.entries.retry, { entryId });
    expect((await entry(t, entryId)).status).toBe("processing");
    await runSimulated(t);
    expect(await entry(t, entryId)).toMatchObject({ status: "ready", attempts: 0 });
  });

  test("a private repository is never read (GitHub hides it: failed with the reason)", async () => {
    const { fake, t, installationId, owner } = await setup();
    fake.outside.add("other", "secret", { private: true });
    const { entryId } = await add(owner, installationId, "other/secret");
    await runSimulated(t);
    expect(await entry(t, entryId)).toMatchObject({ status: "failed" });
    expect(await t.run((ctx) => ctx.db.query("watchCommits").collect())).toHaveLength(0);
  });

  test("the watchlist never spends the budget the installation's sync needs: below a fifth of the limit it waits", async () => {
    const { fake, t, installationId, owner } = await setup();
    fake.outside.add("facebook", "react");
    // The installation's own sync first (it sets the budget the policy sees).
    await t.mutation(internal.sync.service.request, { installationId, trigger: "manual" });
    await runSimulated(t);
    fake.setRateLimit("core", { remaining: 900 });
    await t.mutation(internal.sync.service.request, { installationId, trigger: "manual" });
    await runSimulated(t);
    const { entryId } = await add(owner, installationId, "facebook/react");
    await runSimulated(t);
    expect((await entry(t, entryId)).status).toBe("processing");
    expect(outsideRequests(fake, "facebook/react")).toHaveLength(0);
    const decision = await t.mutation(internal.sync.service.request, { installationId, trigger: "watchlist" });
    expect(decision).toMatchObject({ action: "block", reason: "reserved_for_sync" });
  });
});

describe("alerts through the alert engine", () => {
  const openAlerts = (t: TestConvex) =>
    t.run(async (ctx) =>
      (await ctx.db.query("alerts").collect()).filter((a) => a.kind === "watchlist" && a.resolvedAt === undefined),
    );

  test("a score drop raises exactly one alert; a check falling (Maintained 10 → 0) one more; an archived repository one", async () => {
    const { fake, t, installationId, owner } = await setup();
    const checks = (maintained: number) => [
      { name: "Maintained", score: maintained, reason: "x" },
      { name: "Packaging", score: -1, reason: "?" },
    ];
    fake.outside.add("facebook", "react");
    fake.outside.setScorecard("facebook/react", { score: 7.5, date: "2026-11-30", checks: checks(10) });
    const { entryId } = await add(owner, installationId, "facebook/react");
    await runSimulated(t);
    expect(await openAlerts(t)).toHaveLength(0);

    fake.outside.setScorecard("facebook/react", { score: 5.1, date: "2026-12-07", checks: checks(10) });
    vi.advanceTimersByTime(7 * DAY);
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    let open = await openAlerts(t);
    expect(open.map((a) => a.message)).toEqual(["facebook/react: OpenSSF Scorecard score dropped 7.5 → 5.1."]);
    // Refreshing again with the same result raises nothing more.
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    expect(await openAlerts(t)).toHaveLength(1);

    fake.outside.setScorecard("facebook/react", { score: 5.1, date: "2026-12-14", checks: checks(0) });
    vi.advanceTimersByTime(7 * DAY);
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    open = await openAlerts(t);
    // The score did not drop this time (its alert resolves); Maintained fell.
    expect(open.map((a) => a.message)).toEqual(["facebook/react: OpenSSF Maintained fell 10 → 0."]);

    fake.outside.get("facebook/react").archived = true;
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    const archived = (await openAlerts(t)).filter((a) => a.subject.endsWith(":archived"));
    expect(archived.map((a) => a.message)).toEqual(["facebook/react was archived."]);
    // Every member sees them in the app, grouped by repository.
    const rows = await owner.query(api.alerts.rows.open, { installationId });
    expect(rows!.rows.find((r) => r.title === "facebook/react")).toBeDefined();
  });

  test("a removed security policy and a new release each alert; an entry that turns an alert off resolves it", async () => {
    const { fake, t, installationId, owner } = await setup();
    const repo = fake.outside.add("facebook", "react", { releaseCount: 2 });
    const { entryId } = await add(owner, installationId, "facebook/react");
    await runSimulated(t);
    repo.files = repo.files.filter((f) => f !== "SECURITY.md");
    repo.releases.unshift({ tag: "v3.0.0", publishedAt: T + DAY, assets: [] });
    vi.advanceTimersByTime(DAY);
    await owner.mutation(api.watchlist.entries.refresh, { entryId });
    await runSimulated(t);
    const messages = (await openAlerts(t)).map((a) => a.message).sort();
    expect(messages).toEqual([
      "facebook/react released v3.0.0.",
      "facebook/react: Syncboard's check Security-Policy fell 10 → 0.",
      "facebook/react: its security policy (SECURITY.md) was removed.",
    ]);
    const alertOn = {
      scoreDrop: true,
      checkFell: false,
      archived: true,
      securityPolicyRemoved: true,
      newRelease: false,
    };
    await owner.mutation(api.watchlist.entries.setAlerts, { entryId, alertOn });
    expect((await openAlerts(t)).map((a) => a.message)).toEqual([
      "facebook/react: its security policy (SECURITY.md) was removed.",
    ]);
    await owner.mutation(api.watchlist.entries.remove, { entryId });
    expect(await openAlerts(t)).toHaveLength(0);
    expect(await t.run((ctx) => ctx.db.query("watchCommits").collect())).toHaveLength(0);
  });
});

describe("outside repositories stay outside", () => {
  test("the organisation's summary, lists, trends, analytics and inbox are identical before and after ten watchlist entries", async () => {
    const { fake, t, installationId, owner } = await setup();
    await t.mutation(internal.sync.service.request, { installationId, trigger: "manual" });
    await runSimulated(t);
    const page = { numItems: 50, cursor: null };
    const figures = async () => ({
      summary: await owner.query(api.dashboard.summary.summary, { installationId }),
      repositories: await owner.query(api.dashboard.lists.repositories, { installationId, paginationOpts: page }),
      pulls: await owner.query(api.dashboard.lists.pullRequests, { installationId, paginationOpts: page }),
      activity: await owner.query(api.dashboard.lists.activity, { installationId, paginationOpts: page }),
      trends: await owner.query(api.dashboard.trends.trends, { installationId, days: 30 }),
      inbox: await owner.query(api.dashboard.inbox.inbox, { installationId }),
      reviewers: await owner.query(api.dashboard.reviewerLoad.reviewerLoad, { installationId }),
      cycle: await owner.query(api.dashboard.analytics.cycleTime, { installationId, from: 20_400, to: 20_430 }),
      dora: await owner.query(api.dashboard.dora.metrics, { installationId, from: 20_400, to: 20_430 }),
      organisations: await owner.query(api.dashboard.organisations.overview, { today: 20_430 }),
    });
    const before = await figures();
    for (let i = 0; i < 10; i++) {
      fake.outside.add("outside", `lib-${i}`, { commitCount: 30 });
      fake.outside.setScorecard(`outside/lib-${i}`, { score: 6 });
      await add(owner, installationId, `outside/lib-${i}`);
    }
    await runSimulated(t);
    const entries = await owner.query(api.dashboard.watchlist.list, { installationId });
    expect(entries.entries.filter((e) => e.status === "ready")).toHaveLength(10);
    expect(await figures()).toEqual(before);
  });

  test("another installation's member reads nothing of this watchlist and changes nothing", async () => {
    const { fake, t, installationId, owner } = await setup();
    fake.outside.add("facebook", "react");
    const { entryId } = await add(owner, installationId, "facebook/react");
    const stranger = t.withIdentity(await signInAs(t, 777_777, "stranger"));
    expect(await stranger.query(api.dashboard.watchlist.list, { installationId })).toEqual({ entries: [] });
    expect(await stranger.query(api.dashboard.watchlist.detail, { installationId, entryId })).toBeNull();
    for (const call of [
      () => stranger.mutation(api.watchlist.entries.retry, { entryId }),
      () => stranger.mutation(api.watchlist.entries.remove, { entryId }),
      () => stranger.mutation(api.watchlist.entries.addNote, { entryId, body: "hi" }),
      () => add(stranger, installationId, "facebook/vue"),
    ]) {
      await expect(call()).rejects.toThrow(/not found/);
    }
  });

  test("notes: who wrote them and when; the detail shows them newest first", async () => {
    const { fake, installationId, owner } = await setup();
    fake.outside.add("facebook", "react");
    const { entryId } = await add(owner, installationId, "facebook/react");
    await owner.mutation(api.watchlist.entries.addNote, { entryId, body: "Monitoring React for security updates" });
    vi.advanceTimersByTime(60_000);
    await owner.mutation(api.watchlist.entries.addNote, { entryId, body: "Pinned to 18.x" });
    await expect(owner.mutation(api.watchlist.entries.addNote, { entryId, body: "  " })).rejects.toThrow("1 to 2000");
    const detail = await owner.query(api.dashboard.watchlist.detail, { installationId, entryId });
    expect(detail!.noteList.map((n) => [n.author, n.body])).toEqual([
      [fake.org.login, "Pinned to 18.x"],
      [fake.org.login, "Monitoring React for security updates"],
    ]);
    expect(detail!.noteList[0]!.at).toBe(T + 60_000);
  });
});
