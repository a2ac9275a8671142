/**
 * The metrics engine's backfill (convex/metrics/backfill.ts): figures counted from the base tables, in
 * chunks, while webhooks and syncs keep writing, end equal to a recount; an installation met with data
 * and no state is recounted by the cron; documents of figure versions no longer declared are deleted.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { CYCLE, figureId } from "../convex/metrics/figures";
import type { AnyRecord } from "../convex/model/records";
import { expectNoAggregateDifferences, makeConvex, type TestConvex } from "./helpers/convex";
import { bucketTotal } from "./helpers/metrics";
import { createInstallation } from "./helpers/convex";
import { ci, HOUR, pr, repo, review, T0 } from "./helpers/records";

beforeEach(() => vi.useFakeTimers({ now: T0 + 40 * 24 * HOUR }));
afterEach(() => vi.useRealTimers());

/** PR `n` of the repository, merged after `n` hours, with a review and a check. */
function work(n: number, repoGithubId = 500): AnyRecord[] {
  const head = String(n % 10).repeat(40);
  return [
    {
      kind: "pullRequest",
      record: pr({
        repoGithubId,
        number: n,
        githubId: repoGithubId * 1_000 + n,
        headSha: head,
        url: `https://github.com/acme/r${repoGithubId}/pull/${n}`,
        createdAt: T0 + n * HOUR,
        updatedAt: T0 + 2 * n * HOUR,
        requestedReviewers: 1,
        reviewRequests: [{ reviewer: "bob", requestedAt: T0 + n * HOUR }],
        ...(n % 2 === 0 && { state: "merged" as const, mergedAt: T0 + 2 * n * HOUR, closedAt: T0 + 2 * n * HOUR }),
      }),
    },
    {
      kind: "review",
      record: review({
        repoGithubId,
        githubId: repoGithubId * 1_000 + 500 + n,
        prNumber: n,
        authorLogin: "bob",
        submittedAt: T0 + (n + 1) * HOUR,
      }),
    },
    { kind: "ci", record: ci({ repoGithubId, sha: head, name: `check-${n}`, updatedAt: T0 + n * HOUR }) },
  ];
}

async function installation(t: TestConvex) {
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [repo(), repo({ githubId: 600, name: "vault", private: true })],
  });
  const apply = (records: AnyRecord[]) => t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  return { installationId, apply };
}

/** Run the scheduled backfill one step at a time, calling `between` after each. */
async function stepThrough(
  t: TestConvex,
  installationId: Id<"installations">,
  between: (step: number) => Promise<void>,
) {
  for (let step = 0; step < 200; step++) {
    const state = await t.run((ctx) =>
      ctx.db
        .query("metricState")
        .withIndex("by_installation", (q) => q.eq("installationId", installationId))
        .unique(),
    );
    if (!state?.backfill) return step;
    vi.runOnlyPendingTimers();
    await t.finishInProgressScheduledFunctions();
    await between(step);
  }
  throw new Error("the backfill did not end");
}

test("a backfill recounts every figure from the base tables while writes keep landing", async () => {
  const t = makeConvex();
  const { installationId, apply } = await installation(t);
  for (let n = 1; n <= 160; n += 40) {
    await apply(Array.from({ length: 40 }, (_, i) => work(n + i, (n + i) % 3 === 0 ? 600 : 500)).flat());
  }
  await expectNoAggregateDifferences(t, installationId);
  const merged = async () => (await bucketTotal(t, installationId, CYCLE, "all")).n.merged ?? 0;
  expect(await merged()).toBe(80);

  // A drifted bucket, then a recount of everything from the base tables, interleaved with new and
  // changed documents (before and after the walk's position).
  await t.run(async (ctx) => {
    const doc = await ctx.db.query("metricBuckets").first();
    await ctx.db.patch(doc!._id, { entries: [{ k: "", n: { merged: 1_000 }, h: {} }] });
  });
  await t.mutation(internal.metrics.backfill.restart, { installationId });
  let next = 161;
  const steps = await stepThrough(t, installationId, async (step) => {
    if (step % 2 === 0) await apply([...work(next++), ...work(step + 1), ...work(next++, 600)]);
  });
  expect(steps).toBeGreaterThan(4);
  await expectNoAggregateDifferences(t, installationId);
  expect(await merged()).toBe(Math.floor((next - 1) / 2));
});

test("an installation met with data and no state is counted by the cron; undeclared versions go", async () => {
  const t = makeConvex();
  const { installationId, apply } = await installation(t);
  await apply(Array.from({ length: 30 }, (_, i) => work(i + 1)).flat());
  // As after deploying the engine: data, no buckets, no state; and a document of a retired version.
  await t.run(async (ctx) => {
    for (const d of await ctx.db.query("metricBuckets").collect()) await ctx.db.delete(d._id);
    for (const s of await ctx.db.query("metricState").collect()) await ctx.db.delete(s._id);
    await ctx.db.insert("metricBuckets", {
      installationId,
      figure: "cycle@0",
      scope: "all",
      key: "",
      day: 1,
      entries: [{ k: "", n: { merged: 9 }, h: {} }],
    });
  });
  // Writes before the cron comes are counted as they come, then recounted.
  await apply(work(31));
  await t.mutation(internal.metrics.backfill.ensureAll, {});
  await stepThrough(t, installationId, async () => {
    await apply(work(32));
  });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  await expectNoAggregateDifferences(t, installationId);
  const figures = await t.run(async (ctx) => [
    ...new Set((await ctx.db.query("metricBuckets").collect()).map((d) => d.figure)),
  ]);
  expect(figures).not.toContain("cycle@0");
  expect(figures).toContain(figureId(CYCLE));
  // A new installation is counted as its data comes; the cron's first pass counts it again, quickly.
  const fresh = await createInstallation(t, { githubInstallationId: 2002, accountId: 9002, accountLogin: "fresh" });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId: fresh,
    repositories: [repo({ githubId: 700 })],
  });
  await t.mutation(internal.model.ingest.applyRecords, { installationId: fresh, records: work(1, 700) });
  await expectNoAggregateDifferences(t, fresh);
  await t.mutation(internal.metrics.backfill.ensureAll, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const state = await t.run((ctx) =>
    ctx.db
      .query("metricState")
      .withIndex("by_installation", (q) => q.eq("installationId", fresh))
      .unique(),
  );
  expect(state).toMatchObject({ figures: expect.arrayContaining([figureId(CYCLE)]) });
  expect(state!.backfill).toBeUndefined();
  expect((await t.run((ctx) => ctx.db.get(fresh)))!.metricsBackfilling).toBeUndefined();
  await expectNoAggregateDifferences(t, fresh);
});

test("the legacy tables are emptied in batches", async () => {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.run(async (ctx) => {
    for (let day = 0; day < 700; day++) await ctx.db.insert("dailyActivity", { installationId, day, commits: 1 });
    await ctx.db.insert("ciDaily", { installationId, day: 1 });
  });
  await t.mutation(internal.metrics.backfill.dropLegacy, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(await t.run(async (ctx) => (await ctx.db.query("dailyActivity").collect()).length)).toBe(0);
  expect(await t.run(async (ctx) => (await ctx.db.query("ciDaily").collect()).length)).toBe(0);
});
