/**
 * The visibility groups' daily figures: `scopedDailyActivity` and `reviewerDaily` per scope ("public",
 * a repository's own; `reviewerDaily` also "all") and `reviewerOpenRequests`. Written by
 * `DerivedDeltas.flush` only (and the scope move below), in the write path's transaction.
 *
 * A repository's own day documents carry `inPublic`: whether the "public" document of that day counts
 * them. When the repository's `private` flag flips, its documents move into or out of "public" newest
 * first — in the same transaction up to a budget shared equally by the four kinds of documents (so
 * the newest days of each move at once), the rest by `continueScopeMove`, a chunk per transaction.
 * Each document says where it is counted, so writes landing in between, and a flip back before the
 * move ends, stay exact.
 *
 * Removing a repository from the installation moves its open counts and open requests out of "all"
 * and "public" (as `installationCounters`), not its day buckets: history stays counted, as in
 * `dailyActivity`, so a restricted caller's trends stay a part of the installation's.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { addCounts, HIST_BINS, PUBLIC_SCOPE, ZERO_DAILY, type DailyCounts } from "./contribution";
import { moveCycleBuckets } from "./cycle";
import { moveDeploymentDays } from "./deployments";
import { pickDaily } from "./derived";

type Db = MutationCtx["db"];
export type DayDelta = { counts: DailyCounts; firstReviewHist: number[]; mergeHist: number[] };
type ReviewerEntry = { reviewer: string; reviews: number; pickupHist: number[] };
/** Reviewer → change of one day's reviews given and pickup histogram. */
export type ReviewerDelta = Map<string, { reviews: number; pickupHist: number[] }>;

export const zeroHist = () => new Array<number>(HIST_BINS).fill(0);
export const zeroDay = (): DayDelta => ({
  counts: { ...ZERO_DAILY },
  firstReviewHist: zeroHist(),
  mergeHist: zeroHist(),
});
export const addHist = (a: number[], b: number[], sign = 1) =>
  Array.from({ length: Math.max(a.length, b.length, HIST_BINS) }, (_, i) => (a[i] ?? 0) + sign * (b[i] ?? 0));
/** Stored without trailing zero bins (most reviewers' samples fall in the first few). */
const trim = (hist: number[]) => {
  let n = hist.length;
  while (n > 0 && hist[n - 1] === 0) n--;
  return hist.slice(0, n);
};

/**
 * Add `sign × delta` to a scope's day document. A repository's scope passes `inPublic` (where a new
 * document is counted); returns where the document is counted (the stored marker wins).
 */
export async function addScopedDay(
  db: Db,
  installationId: Id<"installations">,
  scope: string,
  day: number,
  delta: DayDelta,
  sign: 1 | -1,
  inPublic?: boolean,
): Promise<boolean | undefined> {
  const doc = await db
    .query("scopedDailyActivity")
    .withIndex("by_installation_scope_day", (q) =>
      q.eq("installationId", installationId).eq("scope", scope).eq("day", day),
    )
    .unique();
  if (doc) {
    await db.patch(doc._id, {
      ...addCounts(pickDaily(doc), delta.counts, sign),
      firstReviewHist: addHist(doc.firstReviewHist, delta.firstReviewHist, sign),
      mergeHist: addHist(doc.mergeHist, delta.mergeHist, sign),
    });
    return doc.inPublic;
  }
  await db.insert("scopedDailyActivity", {
    installationId,
    scope,
    day,
    ...addCounts(ZERO_DAILY, delta.counts, sign),
    firstReviewHist: addHist(zeroHist(), delta.firstReviewHist, sign),
    mergeHist: addHist(zeroHist(), delta.mergeHist, sign),
    ...(inPublic !== undefined && { inPublic }),
  });
  return inPublic;
}

/** Merge reviewer entries (`sign × delta`) into a list, dropping those back at zero. */
function mergeReviewers(entries: ReviewerEntry[], delta: ReviewerDelta, sign: 1 | -1): ReviewerEntry[] {
  const byReviewer = new Map(entries.map((e) => [e.reviewer, e]));
  for (const [reviewer, d] of delta) {
    const e = byReviewer.get(reviewer) ?? { reviewer, reviews: 0, pickupHist: [] };
    byReviewer.set(reviewer, {
      reviewer,
      reviews: e.reviews + sign * d.reviews,
      pickupHist: trim(addHist(e.pickupHist, d.pickupHist, sign)),
    });
  }
  return [...byReviewer.values()]
    .filter((e) => e.reviews !== 0 || e.pickupHist.length > 0)
    .sort((a, b) => (a.reviewer < b.reviewer ? -1 : a.reviewer > b.reviewer ? 1 : 0));
}

/** Add `sign × delta` to a scope's reviewer day document; returns where it is counted (as `addScopedDay`). */
export async function addReviewerDay(
  db: Db,
  installationId: Id<"installations">,
  scope: string,
  day: number,
  delta: ReviewerDelta,
  sign: 1 | -1,
  inPublic?: boolean,
): Promise<boolean | undefined> {
  const doc = await db
    .query("reviewerDaily")
    .withIndex("by_installation_scope_day", (q) =>
      q.eq("installationId", installationId).eq("scope", scope).eq("day", day),
    )
    .unique();
  if (doc) {
    await db.patch(doc._id, { reviewers: mergeReviewers(doc.reviewers, delta, sign) });
    return doc.inPublic;
  }
  await db.insert("reviewerDaily", {
    installationId,
    scope,
    day,
    reviewers: mergeReviewers([], delta, sign),
    ...(inPublic !== undefined && { inPublic }),
  });
  return inPublic;
}

/** Change one reviewer's open-request count in a scope (the row is deleted at 0). */
export async function addOpenRequests(
  db: Db,
  installationId: Id<"installations">,
  scope: string,
  reviewer: string,
  delta: number,
): Promise<void> {
  if (delta === 0) return;
  const row = await db
    .query("reviewerOpenRequests")
    .withIndex("by_installation_scope_reviewer", (q) =>
      q.eq("installationId", installationId).eq("scope", scope).eq("reviewer", reviewer),
    )
    .unique();
  const open = (row?.open ?? 0) + delta;
  if (row && open === 0) await db.delete(row._id);
  else if (row) await db.patch(row._id, { open });
  else await db.insert("reviewerOpenRequests", { installationId, scope, reviewer, open });
}

/** Documents moved per `continueScopeMove` transaction (each: two reads, two writes). */
const MOVE_CHUNK = 200;

/**
 * Move up to `budget` of a repository's day documents counted on the wrong side of "public" to
 * `toPublic`: each kind (activity, reviewers, cycle time, deployments) its equal share, newest first,
 * so every page's recent figures move first. `done`: none is left.
 */
export async function moveRepositoryBuckets(
  db: Db,
  installationId: Id<"installations">,
  repositoryId: Id<"repositories">,
  toPublic: boolean,
  budget: number,
): Promise<{ moved: number; done: boolean }> {
  const sign = toPublic ? 1 : -1;
  const kinds: Array<(n: number) => Promise<number>> = [
    async (n) => {
      const days = await db
        .query("scopedDailyActivity")
        .withIndex("by_installation_scope_public_day", (q) =>
          q.eq("installationId", installationId).eq("scope", repositoryId).eq("inPublic", !toPublic),
        )
        .order("desc")
        .take(n);
      for (const doc of days) {
        const delta = { counts: pickDaily(doc), firstReviewHist: doc.firstReviewHist, mergeHist: doc.mergeHist };
        await addScopedDay(db, installationId, PUBLIC_SCOPE, doc.day, delta, sign);
        await db.patch(doc._id, { inPublic: toPublic });
      }
      return days.length;
    },
    async (n) => {
      const days = await db
        .query("reviewerDaily")
        .withIndex("by_installation_scope_public_day", (q) =>
          q.eq("installationId", installationId).eq("scope", repositoryId).eq("inPublic", !toPublic),
        )
        .order("desc")
        .take(n);
      for (const doc of days) {
        const delta: ReviewerDelta = new Map(doc.reviewers.map((e) => [e.reviewer, e]));
        await addReviewerDay(db, installationId, PUBLIC_SCOPE, doc.day, delta, sign);
        await db.patch(doc._id, { inPublic: toPublic });
      }
      return days.length;
    },
    (n) => moveCycleBuckets(db, installationId, repositoryId, toPublic, n),
    (n) => moveDeploymentDays(db, installationId, repositoryId, toPublic, n),
  ];
  const share = Math.max(1, Math.floor(budget / kinds.length));
  let moved = 0;
  let done = true;
  for (const move of kinds) {
    const n = await move(share);
    moved += n;
    if (n >= share) done = false;
  }
  return { moved, done };
}

/** Schedule the rest of a repository's scope move (after a flip whose first chunk did not finish it). */
export async function scheduleScopeMove(ctx: MutationCtx, repositoryId: Id<"repositories">) {
  await ctx.scheduler.runAfter(0, internal.model.scopes.continueScopeMove, { repositoryId });
}

/** One chunk of a repository's scope move, towards what its `private` flag says now; reschedules itself. */
export const continueScopeMove = internalMutation({
  args: { repositoryId: v.id("repositories") },
  handler: async (ctx, { repositoryId }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    const { done } = await moveRepositoryBuckets(ctx.db, repo.installationId, repo._id, !repo.private, MOVE_CHUNK);
    if (!done) await scheduleScopeMove(ctx, repositoryId);
  },
});
