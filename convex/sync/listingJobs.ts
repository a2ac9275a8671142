/**
 * The listing stage's transactions (the action's side is listing.ts): a page of the installation's
 * repositories recorded with this job's listing stamp, then the pruning of those it did not see.
 * Each checks the lease first.
 */
import { v } from "convex/values";
import { internalMutation } from "../functions";
import { saveRateLimits } from "../github/budgets";
import { rateLimitSnapshot } from "../github/tables";
import { repositoryRecord } from "../model/records";
import { withWritePath } from "../model/writePath";
import { addStats, heldJob, lease, statsDelta } from "./held";
import { syncCursor } from "./tables";
import { recordListingEtag, recordPage } from "./transitions";

/** Repositories pruned per transaction once a listing completes (two index ranges each, far below 4,096). */
const PRUNE_BATCH = 200;

/**
 * A page of GET /installation/repositories: records the repositories, stamped with this job's listing.
 * `total` (GitHub's count) sizes the progress bar.
 */
export const commitListing = internalMutation({
  args: {
    ...lease,
    repositories: v.array(repositoryRecord),
    total: v.optional(v.number()),
    /** The listing's first page ETag, kept once the listing completes. */
    etag: v.optional(v.string()),
    cursor: syncCursor,
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, args) => {
    const job = await heldJob(ctx, args.jobId, args.generation);
    if (!job) return false;
    const listing = args.cursor.listing;
    if (args.repositories.length > 0) {
      await withWritePath(ctx, job.installationId, (w) => w.repositories.add(args.repositories, listing));
    }
    if (args.etag) await recordListingEtag(ctx, job, args.etag);
    await saveRateLimits(ctx.db, job.installationId, args.rateLimits);
    await recordPage(ctx, job, {
      cursor: args.cursor,
      attempt: 0,
      ...(args.total !== undefined && { progress: { ...job.progress, total: args.total } }),
      stats: addStats(job, args.stats, args.repositories.length),
    });
    return true;
  },
});

/**
 * Once a listing completes: repositories it did not see leave the installation, a bounded batch per
 * transaction. Returns whether more remain (the worker calls again), or null if the lease was lost.
 */
export const pruneUnlisted = internalMutation({
  args: { ...lease, listing: v.number() },
  handler: async (ctx, { jobId, generation, listing }) => {
    const job = await heldJob(ctx, jobId, generation);
    if (!job) return null;
    const unlisted = [
      ...(await ctx.db
        .query("repositories")
        .withIndex("by_installation_listing", (q) =>
          q.eq("installationId", job.installationId).eq("removed", false).lt("listing", listing),
        )
        .take(PRUNE_BATCH)),
    ];
    if (unlisted.length < PRUNE_BATCH) {
      unlisted.push(
        ...(await ctx.db
          .query("repositories")
          .withIndex("by_installation_listing", (q) =>
            q.eq("installationId", job.installationId).eq("removed", false).gt("listing", listing),
          )
          .take(PRUNE_BATCH - unlisted.length)),
      );
    }
    if (unlisted.length > 0) {
      await withWritePath(ctx, job.installationId, (w) => w.repositories.remove(unlisted.map((r) => r.githubId)));
    }
    await recordPage(ctx, job, {});
    return unlisted.length === PRUNE_BATCH;
  },
});
