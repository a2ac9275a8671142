/**
 * Scheduled upkeep, all through the SyncService: the periodic sync and the hourly listing of
 * organisations' people fan out over installations in bounded batches (never one transaction over
 * all of them), recovery hands stalled jobs back to
 * `request` with the `maintenance` trigger, and retention keeps job history bounded (none is kept
 * for an uninstalled installation).
 */
import { forEachActiveInstallation } from "../model/installations";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation } from "../_generated/server";
import { ACTIVE_JOB_STATES, activeJobState, isStalled } from "./jobState";
import { peopleDue } from "./plan";
import { requestSync } from "./service";
import { dropDeprecatedInstallationFields, dropDeprecatedJobFields } from "./transitions";
import { log } from "../log";
import { continuePass } from "../batches";
import { requestWatchlistWhenDue } from "./watchlistDue";

const CRON_BATCH = 25;
export const RECOVERY_SCAN_LIMIT = 200;
/** Seed 001: keep the last 100 completed and 50 failed jobs per installation. */
const KEEP_JOBS: Partial<Record<Doc<"syncJobs">["state"], number>> = {
  completed: 100,
  failed: 50,
  cancelled: 50,
};
const PRUNE_PER_INSTALLATION = 200;

export const syncAllInstallations = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<void> =>
    forEachActiveInstallation(ctx, cursor, internal.sync.maintenance.syncAllInstallations, (installation) =>
      requestSync(ctx, installation._id, "cron").then(() => {}),
    ),
});

/**
 * The organisations' people, listed again where due (plan.ts `peopleDue`: hourly): a people job, or
 * nothing when a job runs (it lists them after its open work when they are due).
 */
export const listPeople = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<void> => {
    const now = Date.now();
    return forEachActiveInstallation(ctx, cursor, internal.sync.maintenance.listPeople, async (installation) => {
      if (peopleDue(installation, now)) await requestSync(ctx, installation._id, "members");
    });
  },
});

/** Watchlist entries due (the daily refresh, a retry whose schedule was missed): a watchlist job where no job runs. */
export const refreshWatchlists = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<void> =>
    forEachActiveInstallation(ctx, cursor, internal.sync.maintenance.refreshWatchlists, (installation) =>
      requestWatchlistWhenDue(ctx, installation._id),
    ),
});

export const recoverStalledJobs = internalMutation({
  /** Without arguments: the oldest jobs of every active state; a continuation resumes one state after a creation time. */
  args: {
    continuation: v.optional(v.object({ state: activeJobState, after: v.number() })),
  },
  handler: async (ctx, { continuation }) => {
    const now = Date.now();
    let recovered = 0;
    for (const state of continuation ? [continuation.state] : ACTIVE_JOB_STATES) {
      const jobs = await ctx.db
        .query("syncJobs")
        .withIndex("by_state", (q) =>
          continuation ? q.eq("state", state).gt("_creationTime", continuation.after) : q.eq("state", state),
        )
        .take(RECOVERY_SCAN_LIMIT);
      for (const job of jobs) {
        if (!isStalled(job, now)) continue;
        const decision = await requestSync(ctx, job.installationId, "maintenance");
        if (decision.action === "start") recovered += 1;
      }
      // More active jobs than one batch: the rest in their own transactions, so none is skipped.
      const last = jobs.at(-1);
      if (jobs.length === RECOVERY_SCAN_LIMIT && last) {
        await ctx.scheduler.runAfter(0, internal.sync.maintenance.recoverStalledJobs, {
          continuation: { state, after: last._creationTime },
        });
      }
    }
    return recovered;
  },
});

export const pruneJobs = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }) => {
    const page = await ctx.db.query("installations").paginate({ numItems: CRON_BATCH, cursor: cursor ?? null });
    for (const installation of page.page) {
      for (const [state, kept] of Object.entries(KEEP_JOBS) as Array<[Doc<"syncJobs">["state"], number]>) {
        // An uninstalled installation's history goes with the rest of its data.
        const keep = installation.status === "deleted" ? 0 : kept;
        const old = await ctx.db
          .query("syncJobs")
          .withIndex("by_installation_state", (q) => q.eq("installationId", installation._id).eq("state", state))
          .order("desc")
          .take(keep + PRUNE_PER_INSTALLATION);
        for (const job of old.slice(keep)) await ctx.db.delete(job._id);
      }
    }
    await continuePass(ctx, page, internal.sync.maintenance.pruneJobs, {});
  },
});

const MIGRATION_BATCH = 100;

/**
 * Migration (run once per deployment from the Convex dashboard: `sync/maintenance:dropDeprecated`,
 * no arguments; it continues itself): installations lose their deprecated `rateLimits` and
 * `repositoriesEtag`, jobs their `repositoryIds` and cursors from before the walk window (rewritten as
 * the walk they resume as). Once it has run everywhere, the next release removes those fields and
 * cursor phases from sync/tables.ts. Returns nothing; logs how many documents it changed.
 */
export const dropDeprecated = internalMutation({
  args: {
    table: v.optional(v.union(v.literal("installations"), v.literal("syncJobs"))),
    cursor: v.optional(v.union(v.string(), v.null())),
    changed: v.optional(v.number()),
  },
  handler: async (ctx, { table = "installations", cursor = null, changed = 0 }) => {
    const page =
      table === "installations"
        ? await ctx.db.query("installations").paginate({ numItems: MIGRATION_BATCH, cursor })
        : await ctx.db.query("syncJobs").paginate({ numItems: MIGRATION_BATCH, cursor });
    for (const doc of page.page) {
      const done =
        table === "installations"
          ? await dropDeprecatedInstallationFields(ctx, doc as Doc<"installations">)
          : await dropDeprecatedJobFields(ctx, doc as Doc<"syncJobs">);
      if (done) changed++;
    }
    await continuePass(ctx, page, internal.sync.maintenance.dropDeprecated, { table, changed });
    if (!page.isDone) return;
    if (table === "installations") {
      await ctx.scheduler.runAfter(0, internal.sync.maintenance.dropDeprecated, { table: "syncJobs", changed });
    } else {
      log.info("sync.migration.dropDeprecated", { changed });
    }
  },
});
