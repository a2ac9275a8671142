/**
 * Hot and cold documents (convex/sync/README.md): a sync's page commits write the job, the records,
 * `rateLimits` rows and (at a repository boundary) the repository — never the `installations` row
 * that every public query reads. convex-test shows neither query re-runs nor OCC conflicts, so this
 * records every function call's read and write sets (tests/helpers/readWriteSets.ts) during a real
 * sync of the fake GitHub and checks what each page commit would invalidate on a deployment.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { TableNames } from "../convex/_generated/dataModel";
import { recordMembership } from "../convex/memberships";
import { repositoryJson, userJson } from "./fakeGitHub/shapes";
import { createInstallation, signInAs } from "./helpers/convex";
import { useFakeGitHub } from "./helpers/github";
import {
  countQueryReruns,
  intersecting,
  invalidates,
  makeTrackedConvex,
  type IndexRangeRead,
  type ReadSet,
  type WriteRecord,
} from "./helpers/readWriteSets";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

const T = Date.UTC(2026, 10, 24, 12);
const DAY_MS = 86_400_000;
beforeEach(() => {
  vi.useFakeTimers({ now: T });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  // The app's structured log lines (convex/log.ts): this file prints nothing.
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/** The dashboard's public queries (src/App.tsx and its components). */
const QUERIES = ["getStatus", "summary", "repositories", "pullRequests", "activity", "trends", "userStats"] as const;
type QueryName = (typeof QUERIES)[number];

/**
 * What a page commit may re-run: `getStatus` shows the sync's progress and budget (any write), every
 * other query only when the page wrote the rows it lists or the counters it sums. The installation
 * row, users, memberships, `rateLimits` and the job are never among them.
 */
const ALLOWED: Record<Exclude<QueryName, "getStatus">, TableNames[]> = {
  // The member's access is restricted: the public group's counters plus each readable private repository's.
  summary: ["installationCounters", "publicCounters", "repositories"],
  repositories: ["repositories"],
  // Both lists skip rows of removed repositories (dashboard/visibility.ts reads that range); the PR list's
  // stale boundary ends on the newest day bucket the caller can see when the client sends no `today`.
  pullRequests: ["pullRequests", "repositories", "metricBuckets"],
  activity: ["activityEvents", "repositories"],
  // A restricted member's trends: the public group's day buckets (and their readable private repositories').
  trends: ["metricBuckets"],
  // Their own day buckets; the window ends on the newest day bucket they can see when the client sends no `today`.
  userStats: ["metricBuckets"],
};

/** Rows a page commit and a webhook application must not share: sync bookkeeping and access. */
const NEVER_SHARED: TableNames[] = ["installations", "users", "orgMemberships", "rateLimits", "syncJobs"];
/** The read model: records and what the write path derives from them (convex/model/README.md). */
const READ_MODEL: TableNames[] = [
  "repositories",
  "pullRequests",
  "reviews",
  "ciResults",
  "issues",
  "commits",
  "comments",
  "activityEvents",
  "installationCounters",
  "metricBuckets",
];

const PAGE_COMMIT = internal.sync.jobs.commitPage;

/** Every page commit that would re-run a dashboard query it should not, in words. */
function unexpectedReruns(pages: WriteRecord[][], queries: Record<QueryName, ReadSet>): string[] {
  const found: string[] = [];
  pages.forEach((writes, page) => {
    for (const name of QUERIES) {
      if (name === "getStatus") continue;
      for (const w of intersecting(writes, queries[name])) {
        if (!ALLOWED[name].includes(w.table as TableNames)) found.push(`page ${page}: ${name} re-runs on ${w.table}`);
      }
    }
  });
  return [...new Set(found)];
}

type Scenario = Awaited<ReturnType<typeof runScenario>>;
let recorded: Promise<Scenario> | null = null;
/** Run once (each test of this file reads the same recording). */
const scenario = () => (recorded ??= runScenario());

/**
 * A first sync; the dashboard's queries once; a second sync that fetches one merge and one review;
 * then a webhook for a pull request that sync also wrote.
 */
async function runScenario() {
  const fake = useFakeGitHub({ seed: 3, org: { repos: 4, prsPerRepo: 10 } });
  const { t, tracker } = makeTrackedConvex();
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
  // An owner of the organisation who also works in it (the fake's users author PRs, reviews, commits); an
  // owner reads every repository, private ones included, so the second sync's merge moves their summary.
  await t.run((ctx) =>
    recordMembership(ctx, { accountId: fake.org.id, githubUserId: 42, login: "mona", member: true, role: "admin" }),
  );
  const member = t.withIdentity(await signInAs(t, 42, "mona"));
  const runAll = () => t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
  const sync = async (trigger: "webhook" | "maintenance") => {
    tracker.clear();
    await t.mutation(internal.sync.service.request, { installationId, trigger });
    await runAll();
    lastSyncCalls = [...tracker.calls];
    return tracker.callsOf(PAGE_COMMIT).map((c) => c.writes);
  };
  let lastSyncCalls: typeof tracker.calls = [];

  const firstSync = await sync("webhook");

  // The dashboard, open, as src/ subscribes to it.
  tracker.clear();
  const today = Math.floor(Date.now() / DAY_MS);
  const page = (numItems: number) => ({ numItems, cursor: null });
  await member.query(api.sync.status.getStatus, { installationId });
  await member.query(api.dashboard.summary.summary, { installationId });
  await member.query(api.dashboard.lists.repositories, { installationId, paginationOpts: page(10) });
  await member.query(api.dashboard.lists.pullRequests, { installationId, paginationOpts: page(20) });
  await member.query(api.dashboard.lists.activity, { installationId, paginationOpts: page(15) });
  await member.query(api.dashboard.trends.trends, { installationId, days: 30, today });
  await member.query(api.dashboard.trends.userStats, { installationId, days: 30, today });
  const only = (fn: Parameters<typeof tracker.callsOf>[0]) => {
    const calls = tracker.callsOf(fn);
    expect(calls).toHaveLength(1);
    return calls[0]!.reads;
  };
  const queries: Record<QueryName, ReadSet> = {
    getStatus: only(api.sync.status.getStatus),
    summary: only(api.dashboard.summary.summary),
    repositories: only(api.dashboard.lists.repositories),
    pullRequests: only(api.dashboard.lists.pullRequests),
    activity: only(api.dashboard.lists.activity),
    trends: only(api.dashboard.trends.trends),
    userStats: only(api.dashboard.trends.userStats),
  };

  // One change on GitHub, fetched by an incremental sync (as tests/sync-worker.test.ts does).
  vi.advanceTimersByTime(10 * 60_000);
  const open = fake.repo("repo-002").pullRequests.find((p) => p.state === "open")!;
  fake.mergePullRequest("repo-002", open.number);
  const reviewed = fake.repo("repo-003").pullRequests[0]!;
  fake.addReview("repo-003", reviewed.number, { state: "APPROVED", author: "mojombo" });
  const secondSync = await sync("maintenance");
  const secondSyncCalls = lastSyncCalls;

  // A webhook for the PR the second sync wrote: a new title.
  tracker.clear();
  const repo = fake.repo("repo-003");
  const at = new Date(Date.now()).toISOString();
  const api_ = "https://fake-github.test";
  const response = await deliver(t, "pull_request", {
    action: "edited",
    number: reviewed.number,
    installation: { id: fake.installationId },
    sender: userJson(reviewed.author, api_),
    repository: repositoryJson(fake.org, repo, api_),
    pull_request: {
      id: reviewed.id,
      number: reviewed.number,
      title: `${reviewed.title} (edited)`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${reviewed.number}`,
      state: reviewed.state === "open" ? "open" : "closed",
      draft: reviewed.draft,
      merged: reviewed.state === "merged",
      mergeable: reviewed.mergeable === "UNKNOWN" ? null : reviewed.mergeable === "MERGEABLE",
      user: userJson(reviewed.author, api_),
      head: { sha: reviewed.headSha },
      requested_reviewers: [],
      requested_teams: [],
      created_at: new Date(reviewed.createdAt).toISOString(),
      updated_at: at,
      closed_at: reviewed.closedAt === null ? null : new Date(reviewed.closedAt).toISOString(),
      merged_at: reviewed.mergedAt === null ? null : new Date(reviewed.mergedAt).toISOString(),
    },
  });
  expect(response.status).toBe(202);
  await runAll();
  const applications = tracker.callsOf(internal.webhooks.apply.applyDelivery);
  expect(applications).toHaveLength(1);
  const webhook = applications[0]!;
  const delivery = await t.run(async (ctx) => (await ctx.db.query("webhookDeliveries").collect()).at(-1)!);
  expect(delivery.status).toBe("processed");

  const installation = (await t.run((ctx) => ctx.db.get(installationId)))!;
  return { installationId, installation, firstSync, secondSync, secondSyncCalls, queries, webhook };
}

describe("hot and cold documents: what a sync's page commits invalidate", () => {
  test("the recording saw the sync, the dashboard and the webhook", async () => {
    const { firstSync, secondSync, queries, installationId } = await scenario();
    expect(firstSync.length).toBeGreaterThan(4);
    expect(secondSync.length).toBeGreaterThan(4);
    // Every public query reads the installation row (the access check): that is why it must stay cold.
    for (const name of QUERIES) expect(queries[name].ids.get(installationId), name).toBe("installations");
    // The change is visible: a page of the second sync moves the counters (the merge) and re-runs the summary.
    expect(secondSync.some((writes) => writes.some((w) => invalidates(w, queries.summary)))).toBe(true);
  });

  test("no page commit writes the installations table", async () => {
    const { firstSync, secondSync } = await scenario();
    const written = [...firstSync, ...secondSync].flatMap((writes) =>
      writes.filter((w) => w.table === "installations").map((w) => w.id),
    );
    expect(written).toEqual([]);
  });

  test("a page commit re-runs getStatus and only the queries whose rows it wrote", async () => {
    const { firstSync, secondSync, queries } = await scenario();
    expect(unexpectedReruns(secondSync, queries)).toEqual([]);
    // The backfill too (against the dashboard as it reads once the backfill is done).
    expect(unexpectedReruns(firstSync, queries)).toEqual([]);
  });

  test("a page commit conflicts with a webhook application only on records both change", async () => {
    const { firstSync, secondSync, webhook } = await scenario();
    const shared = [...firstSync, ...secondSync].flatMap((writes) => intersecting(writes, webhook.reads));
    const tables = [...new Set(shared.map((w) => w.table))];
    // Records of the same pull request and repository (the PR, the reviews and CI its health derives
    // from, the repository row): never the installation, the budgets or the job.
    expect(tables.filter((table) => NEVER_SHARED.includes(table as TableNames))).toEqual([]);
    expect(tables.filter((table) => !READ_MODEL.includes(table as TableNames))).toEqual([]);
    // Both write the pull request: the overlap is real, found, and on that document only.
    const prWrittenByWebhook = new Set(webhook.writes.filter((w) => w.table === "pullRequests").map((w) => w.id));
    const prShared = shared.filter((w) => w.table === "pullRequests");
    expect(prShared.length).toBeGreaterThan(0);
    expect(prShared.filter((w) => !prWrittenByWebhook.has(w.id))).toEqual([]);
  });

  test("a sync writes the installation row a constant number of times (transitions), not per page", async () => {
    const { secondSyncCalls, secondSync } = await scenario();
    const writers = secondSyncCalls.flatMap((c) =>
      c.writes.filter((w) => w.table === "installations").map(() => c.udfPath),
    );
    // Start (request), the listing's new ETag (commitListing), end (finishJob).
    expect(writers.length).toBeLessThanOrEqual(3);
    expect(secondSync.length).toBeGreaterThan(writers.length);
  });

  test("the check fails when a page commit writes the installation row (the old rate-limit patch)", async () => {
    const { secondSync, queries, installation } = await scenario();
    const touch: WriteRecord = {
      table: "installations",
      id: installation._id,
      before: installation,
      after: installation,
    };
    const before = secondSync.map((writes) => [...writes, touch]);
    const found = unexpectedReruns(before, queries);
    for (const name of QUERIES.filter((q) => q !== "getStatus"))
      expect(
        found.some((f) => f.endsWith(`${name} re-runs on installations`)),
        name,
      ).toBe(true);
    expect(countQueryReruns(before, Object.values(queries))).toBe(before.length * QUERIES.length);
    expect(countQueryReruns(secondSync, Object.values(queries))).toBeLessThan(before.length * QUERIES.length);
  });
});

describe("the tracker's invalidation rule", () => {
  type Doc = NonNullable<WriteRecord["after"]>;
  const doc = (id: string, fields: Record<string, unknown>): Doc => ({ ...fields, _id: id, _creationTime: 1 });
  const range = (over: Partial<IndexRangeRead> = {}): IndexRangeRead => ({
    table: "pullRequests",
    index: "by_installation_state_updated",
    fields: ["installationId", "state", "updatedAt", "_creationTime", "_id"],
    eqs: [
      ["installationId", "i1"],
      ["state", "open"],
    ],
    bounds: [],
    wholeTable: false,
    order: "desc",
    filtered: false,
    exhausted: true,
    lastKey: null,
    ...over,
  });
  const reads = (r: IndexRangeRead, ids: Array<[string, string]> = []): ReadSet => ({ ids: new Map(ids), ranges: [r] });
  const write = (before: Doc | null, after: Doc | null): WriteRecord => ({
    table: "pullRequests",
    id: (before ?? after)!._id,
    before,
    after,
  });

  test("equalities and bounds decide; either version of the document counts; ids read always do", () => {
    const open = doc("p1", { installationId: "i1", state: "open", updatedAt: 50 });
    const merged = { ...open, state: "merged" };
    expect(invalidates(write(null, open), reads(range()))).toBe(true);
    expect(invalidates(write(open, merged), reads(range()))).toBe(true); // leaves the range
    expect(invalidates(write(null, merged), reads(range()))).toBe(false);
    expect(invalidates(write(null, { ...open, installationId: "i2" }), reads(range()))).toBe(false);
    const window = range({ bounds: [{ op: "gt", field: "updatedAt", value: 50 }] });
    expect(invalidates(write(null, open), reads(window))).toBe(false);
    expect(invalidates(write(null, { ...open, updatedAt: 51 }), reads(window))).toBe(true);
    expect(invalidates(write(null, merged), reads(window, [["p1", "pullRequests"]]))).toBe(true);
    expect(invalidates({ ...write(null, merged), table: "issues" }, reads(range({ wholeTable: true })))).toBe(false);
    expect(invalidates(write(null, merged), reads(range({ wholeTable: true })))).toBe(true);
  });

  test("a query that stopped early read its range only down to its last document", () => {
    const page = range({ exhausted: false, lastKey: ["i1", "open", 40, 1, "p9"] });
    const newer = doc("p2", { installationId: "i1", state: "open", updatedAt: 60 });
    const older = doc("p3", { installationId: "i1", state: "open", updatedAt: 30 });
    expect(invalidates(write(null, newer), reads(page))).toBe(true);
    expect(invalidates(write(null, older), reads(page))).toBe(false);
    expect(invalidates(write(null, older), reads({ ...page, filtered: true }))).toBe(true); // kept whole
  });
});
