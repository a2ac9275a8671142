/**
 * Visibility groups (issue 13, deliverable 0: counts a member sees): the public group's counters and
 * day buckets, every repository's own scope, and the reviewer tables stay equal to a recount through
 * any sequence of PR, review, issue and repository changes — privatized, publicized, removed, re-added
 * — and a member with restricted access sees exactly the repositories they can read.
 */
import { ACTIVITY, CYCLE } from "../convex/metrics/figures";
import { bucketTotal } from "./helpers/metrics";
import { propertyRuns } from "./helpers/property";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { recordMembership } from "../convex/memberships";
import { dayOf } from "../convex/model/contribution";
import type { AnyRecord, RepositoryRecord } from "../convex/model/records";
import {
  createInstallation,
  expectNoAggregateDifferences,
  makeConvex,
  signInAs,
  type TestConvex,
} from "./helpers/convex";
import { commit, HOUR, issue, pr, repo, review, T0 } from "./helpers/records";

const OWNER = 9001; // createInstallation's organisation account
const DAY = 24 * HOUR;

async function setup(repos: RepositoryRecord[]) {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: repos });
  const apply = (records: AnyRecord[], repository?: RepositoryRecord) =>
    t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records,
      ...(repository && { repository }),
    });
  return { t, installationId, apply };
}

const REPOS = [
  repo(),
  repo({ githubId: 501, name: "gadgets", private: true }),
  repo({ githubId: 502, name: "vault", private: true }),
];

describe("the groups equal a recount", () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("pr" as const),
      n: fc.integer({ min: 1, max: 3 }),
      repo: fc.integer({ min: 0, max: 2 }),
      t: fc.integer({ min: 0, max: 60 }),
      state: fc.constantFrom("open" as const, "closed" as const, "merged" as const),
      requested: fc.subarray(["ann", "bob", "team:core"]),
      history: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("review" as const),
      id: fc.integer({ min: 1, max: 4 }),
      n: fc.integer({ min: 1, max: 3 }),
      repo: fc.integer({ min: 0, max: 2 }),
      t: fc.integer({ min: 0, max: 60 }),
      state: fc.constantFrom("approved" as const, "commented" as const, "pending" as const),
      by: fc.constantFrom("ann", "bob", "octocat"),
    }),
    fc.record({
      kind: fc.constant("issue" as const),
      n: fc.integer({ min: 10, max: 11 }),
      repo: fc.integer({ min: 0, max: 2 }),
      t: fc.integer({ min: 0, max: 60 }),
      open: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("flip" as const), repo: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ kind: fc.constant("removeRepo" as const), repo: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ kind: fc.constant("addRepo" as const), repo: fc.integer({ min: 0, max: 2 }) }),
  );

  test("public counters, scope buckets and reviewer tables after PR, review, issue and repository changes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const { t, installationId, apply } = await setup(REPOS);
        const privacy = REPOS.map((r) => r.private);
        for (const o of ops) {
          const r = REPOS[o.repo]!;
          const at = T0 + ("t" in o ? o.t : 0) * 5 * HOUR;
          switch (o.kind) {
            case "pr":
              await apply([
                {
                  kind: "pullRequest",
                  record: pr({
                    repoGithubId: r.githubId,
                    githubId: r.githubId * 100 + o.n,
                    number: o.n,
                    updatedAt: at,
                    state: o.state,
                    requestedReviewers: o.requested.length,
                    reviewRequests: o.requested.map((reviewer) => ({ reviewer, requestedAt: at - HOUR })),
                    ...(o.history && {
                      requestHistory: o.requested.map((reviewer) => ({ reviewer, requestedAt: at - 3 * HOUR })),
                    }),
                    ...(o.state !== "open" && { closedAt: at }),
                    ...(o.state === "merged" && { mergedAt: at }),
                  }),
                },
              ]);
              break;
            case "review":
              await apply([
                {
                  kind: "review",
                  record: review({
                    repoGithubId: r.githubId,
                    githubId: r.githubId * 100 + o.n * 10 + o.id,
                    prNumber: o.n,
                    state: o.state,
                    authorLogin: o.by,
                    ...(o.state === "pending" ? { submittedAt: undefined } : { submittedAt: at }),
                  }),
                },
              ]);
              break;
            case "issue":
              await apply([
                {
                  kind: "issue",
                  record: issue({
                    repoGithubId: r.githubId,
                    githubId: r.githubId * 100 + o.n,
                    number: o.n,
                    updatedAt: at,
                    state: o.open ? "open" : "closed",
                    ...(!o.open && { closedAt: at }),
                  }),
                },
              ]);
              break;
            case "flip":
              privacy[o.repo] = !privacy[o.repo];
              // A `repository` privatized/publicized webhook refreshes the repository with its records.
              await apply([], { ...r, private: privacy[o.repo]! });
              break;
            case "removeRepo":
              await t.mutation(internal.model.ingest.removeRepositories, { installationId, githubIds: [r.githubId] });
              break;
            case "addRepo":
              // A sync listing: re-adds it, with its current visibility.
              await t.mutation(internal.model.ingest.addRepositories, {
                installationId,
                repositories: [{ ...r, private: privacy[o.repo]! }],
              });
              break;
          }
        }
        await expectNoAggregateDifferences(t, installationId);
      }),
      { numRuns: propertyRuns(40) },
    );
  }, 300_000);
});

describe("a repository with a long history changes visibility", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test("its newest buckets move in the same transaction, the rest in chunks; a flip back midway stays exact", async () => {
    const { t, installationId, apply } = await setup([repo({ private: true })]);
    // 450 days with a commit each: more bucket days than one transaction moves.
    const commits = Array.from({ length: 450 }, (_, i) =>
      commit({ sha: i.toString(16).padStart(40, "0"), committedAt: T0 - i * DAY }),
    );
    for (let i = 0; i < commits.length; i += 150) {
      await apply(commits.slice(i, i + 150).map((record) => ({ kind: "commit" as const, record })));
    }
    // And 60 PRs merged one a day: 120 cycle-time documents (everyone's and the author's per day).
    const merged = Array.from({ length: 60 }, (_, i) =>
      pr({ number: i + 1, githubId: 9000 + i, state: "merged", mergedAt: T0 - i * DAY, closedAt: T0 - i * DAY }),
    );
    await apply(merged.map((record) => ({ kind: "pullRequest" as const, record: { ...record, updatedAt: T0 } })));
    const publicMerged = async (from: number, to: number) =>
      (await bucketTotal(t, installationId, CYCLE, "public", { from, to })).n.merged ?? 0;
    const publicCommits = async (from: number, to: number) =>
      (await bucketTotal(t, installationId, ACTIVITY, "public", { from, to })).n.commits ?? 0;
    const today = dayOf(T0);
    expect(await publicCommits(today - 1000, today)).toBe(0);

    await apply([], repo({ private: false }));
    // The last 90 days (the longest window any query reads) are public at once.
    expect(await publicCommits(today - 89, today)).toBe(90);
    // Each kind of document has its share of the transaction: the newest cycle-time days move too.
    expect(await publicMerged(today - 29, today)).toBe(30);
    expect((await t.action(internal.model.verify.verifyAggregates, { installationId })).join("\n")).toMatch(
      /move pending/,
    );

    // Privatized again before the move ends: the moved days move back, the unmoved ones stay.
    await apply([], repo({ private: true }));
    await t.finishAllScheduledFunctions(() => vi.runAllTimers());
    expect(await publicCommits(today - 1000, today)).toBe(0);
    await expectNoAggregateDifferences(t, installationId);

    await apply([], repo({ private: false }));
    await t.finishAllScheduledFunctions(() => vi.runAllTimers());
    expect(await publicCommits(today - 1000, today)).toBe(450);
    expect(await publicMerged(today - 1000, today)).toBe(60);
    await expectNoAggregateDifferences(t, installationId);
  }, 120_000);
});

describe("a member sees the repositories they can read", () => {
  /** widgets (public), gadgets (private, granted to mona), vault (private, not granted). */
  async function org() {
    const s = await setup(REPOS);
    const { t, installationId } = s;
    await t.run((ctx) => recordMembership(ctx, { accountId: OWNER, githubUserId: 42, login: "mona", member: true }));
    await t.run((ctx) =>
      recordMembership(ctx, { accountId: OWNER, githubUserId: 7, login: "boss", member: true, role: "admin" }),
    );
    const gadgets = await repositoryId(t, 501);
    await t.run((ctx) =>
      ctx.db.insert("repositoryGrants", {
        installationId,
        repositoryId: gadgets,
        githubUserId: 42,
        permission: "read",
        seenAt: T0,
      }),
    );
    // One open PR (with a request for ann, answered by bob's review) and one open issue per repository.
    for (const [i, r] of REPOS.entries()) {
      await s.apply([
        {
          kind: "pullRequest",
          record: pr({
            repoGithubId: r.githubId,
            githubId: r.githubId * 100 + 1,
            createdAt: T0 + i * DAY,
            updatedAt: T0 + i * DAY,
            requestedReviewers: 1,
            reviewRequests: [{ reviewer: "ann", requestedAt: T0 + i * DAY }],
          }),
        },
        {
          kind: "review",
          record: review({
            repoGithubId: r.githubId,
            githubId: r.githubId * 100 + 1,
            authorLogin: "bob",
            state: "commented",
            submittedAt: T0 + i * DAY + HOUR,
          }),
        },
        { kind: "issue", record: issue({ repoGithubId: r.githubId, githubId: r.githubId * 100 + 2 }) },
      ]);
    }
    const mona = t.withIdentity(await signInAs(t, 42, "mona"));
    const boss = t.withIdentity(await signInAs(t, 7, "boss"));
    return { ...s, mona, boss };
  }

  const repositoryId = (t: TestConvex, githubId: number) =>
    t.run(async (ctx) => (await ctx.db.query("repositories").collect()).find((r) => r.githubId === githubId)!._id);

  test("summary, trends and reviewer load leave out an unreadable private repository", async () => {
    const { t, installationId, mona, boss, apply } = await org();
    const today = dayOf(T0) + 2;
    const summaryOf = async (who: typeof mona) => {
      const s = (await who.query(api.dashboard.summary.summary, { installationId }))!;
      return { repos: s.repositories, openPrs: s.openPullRequests, openIssues: s.openIssues };
    };
    expect(await summaryOf(boss)).toEqual({ repos: 3, openPrs: 3, openIssues: 3 });
    expect(await summaryOf(mona)).toEqual({ repos: 2, openPrs: 2, openIssues: 2 });
    expect((await mona.query(api.dashboard.summary.myInstallations, {}))[0]).toMatchObject({ repositories: 2 });

    const openedPerDay = async (who: typeof mona) =>
      (await who.query(api.dashboard.trends.trends, { installationId, days: 3, today }))!.days.map((d) => d.prsOpened);
    expect(await openedPerDay(boss)).toEqual([1, 1, 1]);
    expect(await openedPerDay(mona)).toEqual([1, 1, 0]); // vault's PR (third day) is not hers to see

    const load = async (who: typeof mona) => {
      const r = (await who.query(api.dashboard.reviewerLoad.reviewerLoad, { installationId, today }))!;
      return Object.fromEntries(r.people.map((p) => [p.reviewer, [p.openRequests, p.reviewsGiven]]));
    };
    expect(await load(boss)).toEqual({ ann: [3, 0], bob: [0, 3] });
    expect(await load(mona)).toEqual({ ann: [2, 0], bob: [0, 2] });

    // vault is made public: one webhook, and she sees it all.
    await apply([], { ...REPOS[2]!, private: false });
    expect(await summaryOf(mona)).toEqual({ repos: 3, openPrs: 3, openIssues: 3 });
    expect(await openedPerDay(mona)).toEqual([1, 1, 1]);
    expect(await load(mona)).toEqual({ ann: [3, 0], bob: [0, 3] });
    // gadgets is removed from the installation: it leaves everyone's open counts.
    await t.mutation(internal.model.ingest.removeRepositories, { installationId, githubIds: [501] });
    expect(await summaryOf(mona)).toEqual({ repos: 2, openPrs: 2, openIssues: 2 });
    expect(await summaryOf(boss)).toEqual({ repos: 2, openPrs: 2, openIssues: 2 });
    expect((await load(mona)).ann).toEqual([2, 0]);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a restricted summary reads the public shards and one document per readable private repository", async () => {
    const { t, installationId } = await org();
    const mona = await signInAs(t, 42, "mona");
    const reads = await t.withIdentity(mona).run(async (ctx) => {
      const before = await ctx.meta.getTransactionMetrics();
      await ctx.runQuery(api.dashboard.summary.summary, { installationId });
      const after = await ctx.meta.getTransactionMetrics();
      return after.documentsRead.used - before.documentsRead.used;
    });
    // access (user, membership, grants, teams) + installation + 3 public shards + gadgets, never PRs.
    expect(reads).toBeLessThanOrEqual(14);
  });
});
