import { ACTIVITY, PERSONAL_ACTIVITY } from "../convex/metrics/figures";
import { DURATIONS, sampleOf } from "../convex/metrics/histogram";
import { bucketDays } from "./helpers/metrics";
import { propertyRuns } from "./helpers/property";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { AnyRecord } from "../convex/model/records";
import { createInstallation, expectNoAggregateDifferences, makeConvex, type TestConvex } from "./helpers/convex";
import { ci, comment, commit, HOUR, issue, pr, repo, review, T0 } from "./helpers/records";

async function setup(repos = [repo()]) {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: repos });
  const apply = (...records: AnyRecord[]) =>
    t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  return { t, installationId, apply };
}

const counters = (t: TestConvex, installationId: Id<"installations">) =>
  t.run(async (ctx) => {
    const shards = await ctx.db
      .query("installationCounters")
      .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
      .collect();
    const sum = (k: "repos" | "openPrs" | "green" | "yellow" | "red" | "openIssues") =>
      shards.reduce((n, s) => n + s[k], 0);
    return {
      repos: sum("repos"),
      openPrs: sum("openPrs"),
      green: sum("green"),
      yellow: sum("yellow"),
      red: sum("red"),
      openIssues: sum("openIssues"),
    };
  });
const onlyPr = (t: TestConvex) => t.run(async (ctx) => (await ctx.db.query("pullRequests").collect())[0]!);

describe("newer-wins", () => {
  test("an older pull request payload never overwrites a newer one", async () => {
    const { t, apply } = await setup();
    await apply({ kind: "pullRequest", record: pr({ title: "new", updatedAt: T0 + 2 * HOUR }) });
    const outcome = await apply({ kind: "pullRequest", record: pr({ title: "old", updatedAt: T0 + HOUR }) });
    expect(outcome).toEqual({ stale: 1 });
    expect((await onlyPr(t)).title).toBe("new");
  });

  test("an older issue, comment or CI result is stale; a deleted issue stays deleted", async () => {
    const { t, installationId, apply } = await setup();
    await apply(
      { kind: "issue", record: issue({ state: "closed", closedAt: T0 + HOUR, updatedAt: T0 + HOUR }) },
      { kind: "comment", record: comment({ updatedAt: T0 + HOUR }) },
      { kind: "ci", record: ci({ state: "failure", updatedAt: T0 + 2 * HOUR }) },
    );
    expect(
      await apply(
        { kind: "issue", record: issue({ state: "open" }) },
        { kind: "comment", record: comment({ updatedAt: T0 }) },
        { kind: "ci", record: ci({ state: "pending", updatedAt: T0 }) },
      ),
    ).toEqual({ stale: 3 });
    await apply({ kind: "deletion", record: { entity: "issue", repoGithubId: 500, githubId: issue().githubId } });
    expect(await apply({ kind: "issue", record: issue({ updatedAt: T0 + 5 * HOUR }) })).toEqual({ stale: 1 });
    expect((await counters(t, installationId)).openIssues).toBe(0);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a review only moves forward (a late 'submitted' does not undo a dismissal)", async () => {
    const { t, apply } = await setup();
    await apply({ kind: "pullRequest", record: pr({ requestedReviewers: 1 }) });
    await apply({ kind: "review", record: review({ state: "dismissed" }) });
    expect(await apply({ kind: "review", record: review({ state: "changes_requested" }) })).toEqual({ stale: 1 });
    expect((await onlyPr(t)).review).toBe("review_required");
  });

  test("unknown mergeability keeps the last known value while the head commit is the same", async () => {
    const { t, apply } = await setup();
    await apply({ kind: "pullRequest", record: pr({ mergeable: "conflicting" }) });
    await apply({ kind: "pullRequest", record: pr({ mergeable: "unknown", updatedAt: T0 + 1 }) });
    expect((await onlyPr(t)).mergeable).toBe("conflicting");
    await apply({
      kind: "pullRequest",
      record: pr({ mergeable: "unknown", headSha: "b".repeat(40), updatedAt: T0 + 2 }),
    });
    expect((await onlyPr(t)).mergeable).toBe("unknown");
  });
});

describe("idempotence", () => {
  test("replaying the same records changes nothing and duplicates no activity", async () => {
    const { t, installationId, apply } = await setup();
    const batch: AnyRecord[] = [
      {
        kind: "pullRequest",
        record: pr({ state: "merged", mergedAt: T0 + 5 * HOUR, closedAt: T0 + 5 * HOUR, updatedAt: T0 + 5 * HOUR }),
      },
      { kind: "review", record: review() },
      { kind: "ci", record: ci() },
      { kind: "issue", record: issue() },
      { kind: "commit", record: commit() },
      { kind: "comment", record: comment() },
    ];
    await apply(...batch);
    const before = await t.run(async (ctx) => ({
      events: (await ctx.db.query("activityEvents").collect()).length,
      days: await ctx.db.query("dailyActivity").collect(),
    }));
    expect(await apply(...batch)).toEqual({ unchanged: 6 });
    const after = await t.run(async (ctx) => ({
      events: (await ctx.db.query("activityEvents").collect()).length,
      days: await ctx.db.query("dailyActivity").collect(),
    }));
    expect(after).toEqual(before);
    expect(before.events).toBe(6); // PR opened + merged (no "closed" for a merged PR), review, issue, commit, comment
    await expectNoAggregateDifferences(t, installationId);
  });

  test("an edited title does not create a second activity event", async () => {
    const { t, apply } = await setup();
    await apply({ kind: "pullRequest", record: pr() });
    await apply({ kind: "pullRequest", record: pr({ title: "Renamed", updatedAt: T0 + 1 }) });
    const events = await t.run((ctx) => ctx.db.query("activityEvents").collect());
    expect(events.map((e) => e.key)).toEqual([`pr_opened:${pr().githubId}`]);
  });
});

describe("health transitions and counters", () => {
  test("a failing check turns a green PR red, a fixed one turns it back, counters follow", async () => {
    const { t, installationId, apply } = await setup();
    await apply({ kind: "pullRequest", record: pr() }, { kind: "ci", record: ci() });
    expect(await counters(t, installationId)).toMatchObject({ repos: 1, openPrs: 1, green: 1, red: 0 });

    await apply({ kind: "ci", record: ci({ name: "lint", state: "failure", updatedAt: T0 + 2 * HOUR }) });
    expect(await onlyPr(t)).toMatchObject({
      health: "red",
      failingChecks: ["lint"],
      healthReasons: ["checks_failing"],
    });
    expect(await counters(t, installationId)).toMatchObject({ openPrs: 1, green: 0, red: 1 });

    await apply({ kind: "ci", record: ci({ name: "lint", state: "success", updatedAt: T0 + 3 * HOUR }) });
    expect((await onlyPr(t)).health).toBe("green");

    await apply({ kind: "review", record: review({ state: "changes_requested", githubId: 2 }) });
    expect(await onlyPr(t)).toMatchObject({ health: "red", review: "changes_requested" });

    await apply({
      kind: "pullRequest",
      record: pr({ state: "closed", closedAt: T0 + 9 * HOUR, updatedAt: T0 + 9 * HOUR }),
    });
    expect(await counters(t, installationId)).toMatchObject({ openPrs: 0, green: 0, yellow: 0, red: 0 });
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a batch of many reviews and checks on one PR re-derives it once (reads grow linearly, not with their square)", async () => {
    const { t, installationId } = await setup();
    const readsFor = async (n: number, from: number) => {
      const records: AnyRecord[] = [
        ...Array.from({ length: n }, (_, i): AnyRecord => ({
          kind: "review",
          record: review({ githubId: from + i, authorLogin: `r${from + i}`, state: "commented" }),
        })),
        ...Array.from({ length: n }, (_, i): AnyRecord => ({
          kind: "ci",
          record: ci({ name: `check-${from + i}`, state: "success" }),
        })),
      ];
      return t.run(async (ctx) => {
        const before = await ctx.meta.getTransactionMetrics();
        await ctx.runMutation(internal.model.ingest.applyRecords, { installationId, records });
        return (await ctx.meta.getTransactionMetrics()).documentsRead.used - before.documentsRead.used;
      });
    };
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records: [{ kind: "pullRequest", record: pr() }],
    });
    const [small, large] = [await readsFor(20, 1_000), await readsFor(200, 2_000)];
    // 10× the records (on a PR that already has 20 of each) must cost about 10× the reads, not 100×.
    expect(large / small).toBeLessThan(15);
    expect(await onlyPr(t)).toMatchObject({ checks: "passing", review: "none" });
    await expectNoAggregateDifferences(t, installationId);
  });

  test("CI results and reviews that arrive before their pull request still count", async () => {
    const { t, installationId, apply } = await setup();
    await apply({ kind: "ci", record: ci({ state: "failure" }) }, { kind: "review", record: review() });
    await apply({ kind: "pullRequest", record: pr() });
    expect(await onlyPr(t)).toMatchObject({ health: "red", review: "approved", firstReviewAt: T0 + 2 * HOUR });
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a new head commit drops the old commit's checks", async () => {
    const { t, apply } = await setup();
    await apply({ kind: "pullRequest", record: pr() }, { kind: "ci", record: ci({ state: "failure" }) });
    await apply({ kind: "pullRequest", record: pr({ headSha: "b".repeat(40), updatedAt: T0 + HOUR }) });
    expect(await onlyPr(t)).toMatchObject({ checks: "none", health: "green" });
  });

  test("removing a repository takes its counts out of the installation; re-adding restores them", async () => {
    const { t, installationId, apply } = await setup([repo(), repo({ githubId: 501, name: "gadgets" })]);
    await apply({ kind: "pullRequest", record: pr() }, { kind: "issue", record: issue() });
    await apply({ kind: "pullRequest", record: pr({ repoGithubId: 501, githubId: 99, draft: true }) });
    expect(await counters(t, installationId)).toMatchObject({
      repos: 2,
      openPrs: 2,
      green: 1,
      yellow: 1,
      openIssues: 1,
    });

    await t.mutation(internal.model.ingest.removeRepositories, { installationId, githubIds: [500] });
    expect(await counters(t, installationId)).toMatchObject({
      repos: 1,
      openPrs: 1,
      green: 0,
      yellow: 1,
      openIssues: 0,
    });
    expect(await apply({ kind: "pullRequest", record: pr({ number: 3 }) })).toEqual({ repository_removed: 1 });
    await expectNoAggregateDifferences(t, installationId);

    await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
    expect(await counters(t, installationId)).toMatchObject({ repos: 2, openPrs: 2, green: 1, openIssues: 1 });
    await expectNoAggregateDifferences(t, installationId);
  });

  test("records for repositories the installation does not have are refused", async () => {
    const { apply } = await setup();
    expect(await apply({ kind: "pullRequest", record: pr({ repoGithubId: 12345 }) })).toEqual({
      unknown_repository: 1,
    });
  });

  test("daily buckets count activity by UTC day and per actor, and time-to-merge histograms", async () => {
    const { t, installationId, apply } = await setup();
    await apply(
      {
        kind: "pullRequest",
        record: pr({ state: "merged", mergedAt: T0 + 30 * HOUR, closedAt: T0 + 30 * HOUR, updatedAt: T0 + 30 * HOUR }),
      },
      { kind: "review", record: review({ submittedAt: T0 + 3 * HOUR }) },
    );
    const day0 = Math.floor(T0 / 86_400_000);
    const days = await bucketDays(t, installationId, ACTIVITY, "all");
    // Opened → first review 3 h, on the review's day; opened → merged 30 h, on the merge's day.
    expect(days.get(day0)).toEqual({
      n: { prsOpened: 1, reviews: 1 },
      h: { toFirstReview: sampleOf(DURATIONS, 3 * HOUR) },
    });
    expect(days.get(day0 + 1)).toEqual({ n: { prsMerged: 1 }, h: { toMerge: sampleOf(DURATIONS, 30 * HOUR) } });
    const mine = await bucketDays(t, installationId, PERSONAL_ACTIVITY, "all", { key: "octocat" });
    expect([...mine].map(([day, { n }]) => [day - day0, n])).toEqual([
      [0, { prsOpened: 1 }],
      [1, { prsMerged: 1 }],
    ]);
    await expectNoAggregateDifferences(t, installationId);
  });
});

describe("randomized sequences", () => {
  // Operations over a small id space so they collide: updates, out-of-order versions, deletions,
  // repository removal and restoration. Afterwards every derived figure must equal a recount.
  const op = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("pr" as const),
        n: fc.integer({ min: 1, max: 2 }),
        repo: fc.integer({ min: 0, max: 1 }),
        t: fc.integer({ min: 0, max: 20 }),
        state: fc.constantFrom("open", "closed", "merged"),
        draft: fc.boolean(),
        mergeable: fc.constantFrom("mergeable", "conflicting", "unknown"),
        sha: fc.constantFrom("a", "b"),
        requested: fc.integer({ min: 0, max: 2 }),
        // A webhook's record may not carry the size (the stored size stays, and counts).
        size: fc.option(fc.integer({ min: 0, max: 1_200 })),
      }),
    },
    fc.record({
      kind: fc.constant("review" as const),
      id: fc.integer({ min: 1, max: 6 }),
      n: fc.integer({ min: 1, max: 2 }),
      repo: fc.integer({ min: 0, max: 1 }),
      t: fc.integer({ min: 0, max: 20 }),
      state: fc.constantFrom("approved", "changes_requested", "commented", "dismissed", "pending"),
      by: fc.constantFrom("ann", "bob", "octocat"),
    }),
    fc.record({
      kind: fc.constant("ci" as const),
      repo: fc.integer({ min: 0, max: 1 }),
      sha: fc.constantFrom("a", "b"),
      name: fc.constantFrom("build", "lint"),
      state: fc.constantFrom("success", "failure", "pending"),
      t: fc.integer({ min: 0, max: 20 }),
    }),
    fc.record({
      kind: fc.constant("issue" as const),
      n: fc.integer({ min: 10, max: 12 }),
      repo: fc.integer({ min: 0, max: 1 }),
      t: fc.integer({ min: 0, max: 20 }),
      open: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("deleteIssue" as const),
      n: fc.integer({ min: 10, max: 12 }),
      repo: fc.integer({ min: 0, max: 1 }),
    }),
    fc.record({
      kind: fc.constant("commit" as const),
      repo: fc.integer({ min: 0, max: 1 }),
      sha: fc.constantFrom("c", "d", "e"),
      t: fc.integer({ min: 0, max: 20 }),
    }),
    fc.record({
      kind: fc.constant("comment" as const),
      id: fc.integer({ min: 1, max: 3 }),
      repo: fc.integer({ min: 0, max: 1 }),
      t: fc.integer({ min: 0, max: 20 }),
    }),
    fc.record({ kind: fc.constant("removeRepo" as const), repo: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ kind: fc.constant("addRepo" as const), repo: fc.integer({ min: 0, max: 1 }) }),
  );
  const REPOS = [repo(), repo({ githubId: 501, name: "gadgets" })];

  test("counters, health and buckets always equal a recount", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        const { t, installationId, apply } = await setup(REPOS);
        for (const o of ops) {
          const repoGithubId = REPOS[o.repo]!.githubId;
          const at = T0 + ("t" in o ? o.t : 0) * HOUR;
          switch (o.kind) {
            case "pr":
              await apply({
                kind: "pullRequest",
                record: pr({
                  repoGithubId,
                  githubId: repoGithubId * 100 + o.n,
                  number: o.n,
                  updatedAt: at,
                  state: o.state,
                  draft: o.draft,
                  mergeable: o.mergeable,
                  headSha: o.sha.repeat(40),
                  requestedReviewers: o.requested,
                  ...(o.size !== null && { additions: o.size, deletions: 1 }),
                  ...(o.state !== "open" && { closedAt: at }),
                  ...(o.state === "merged" && { mergedAt: at }),
                }),
              });
              break;
            case "review":
              await apply({
                kind: "review",
                record: review({
                  repoGithubId,
                  // A review belongs to one pull request for good (GitHub never moves it): its id says which.
                  githubId: repoGithubId * 100 + o.n * 10 + o.id,
                  prNumber: o.n,
                  state: o.state,
                  authorLogin: o.by,
                  ...(o.state === "pending" ? { submittedAt: undefined } : { submittedAt: at }),
                }),
              });
              break;
            case "ci":
              await apply({
                kind: "ci",
                record: ci({ repoGithubId, sha: o.sha.repeat(40), name: o.name, state: o.state, updatedAt: at }),
              });
              break;
            case "issue":
              await apply({
                kind: "issue",
                record: issue({
                  repoGithubId,
                  githubId: repoGithubId * 100 + o.n,
                  number: o.n,
                  updatedAt: at,
                  state: o.open ? "open" : "closed",
                  ...(!o.open && { closedAt: at }),
                }),
              });
              break;
            case "deleteIssue":
              await apply({
                kind: "deletion",
                record: { entity: "issue", repoGithubId, githubId: repoGithubId * 100 + o.n },
              });
              break;
            case "commit":
              await apply({ kind: "commit", record: commit({ repoGithubId, sha: o.sha.repeat(40), committedAt: at }) });
              break;
            case "comment":
              await apply({
                kind: "comment",
                record: comment({ repoGithubId, githubId: repoGithubId * 100 + o.id, updatedAt: at }),
              });
              break;
            case "removeRepo":
              await t.mutation(internal.model.ingest.removeRepositories, { installationId, githubIds: [repoGithubId] });
              break;
            case "addRepo":
              await t.mutation(internal.model.ingest.addRepositories, {
                installationId,
                repositories: [REPOS[o.repo]!],
              });
              break;
          }
        }
        await expectNoAggregateDifferences(t, installationId);
      }),
      { numRuns: propertyRuns(60) },
    );
  });

  test("out-of-order delivery converges to the in-order state", async () => {
    const versions = [0, 1, 2, 3].map((i) =>
      pr({
        updatedAt: T0 + i * HOUR,
        title: `v${i}`,
        state: i === 3 ? "merged" : "open",
        draft: i === 0,
        ...(i === 3 && { mergedAt: T0 + 3 * HOUR, closedAt: T0 + 3 * HOUR }),
      }),
    );
    const finalState = async (order: number[]) => {
      const { t, installationId, apply } = await setup();
      for (const i of order) await apply({ kind: "pullRequest", record: versions[i]! });
      await expectNoAggregateDifferences(t, installationId);
      const { _id, _creationTime, repositoryId, installationId: _i, ...rest } = await onlyPr(t);
      return rest;
    };
    const inOrder = await finalState([0, 1, 2, 3]);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }), async (order) => {
        expect(await finalState(order)).toEqual(inOrder);
      }),
      { numRuns: propertyRuns(10) },
    );
  });
});
