/**
 * The worker's transactions. Every one first checks the caller still holds the job's lease (same
 * generation, claimed), so a superseded or duplicate slice can never write. Records, the cursor and
 * progress are written in one transaction: the cursor only moves past data that is stored. Job
 * transitions go through `transitions.ts`; read-model writes through the model's write path.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type MutationCtx } from "../_generated/server";
import { internalMutation } from "../functions";
import { saveRateLimits } from "../github/budgets";
import { log } from "../log";
import { anyRecord } from "../model/records";
import { recordRepositorySync } from "../model/repositories";
import { withWritePath } from "../model/writePath";
import { rateLimitSnapshot } from "../github/tables";
import { repoSyncProgress, repoSyncStatus, repositorySyncFields, syncCursor } from "./tables";
import { addStats, heldJob, lease, statsDelta } from "./held";
import { isActive, jobError } from "./jobState";
import { peopleDue } from "./plan";
import { requestWatchlistWhenDue } from "./watchlistDue";
import { requestSync } from "./service";
import { claimJob, continueJob, currentCursor, endJob, recordPage } from "./transitions";

/** Repositories in flight at once: the most the job's `cursor.window` holds (well under Convex's 8,192). */
export const WINDOW = 16;
/** What the worker tunes as it goes (page size, concurrency, pacing), merged into the job's cursor. */
const tuning = v.object({
  pageSize: v.optional(v.number()),
  concurrency: v.optional(v.number()),
  concurrencyCeiling: v.optional(v.number()),
  pacing: syncCursor.fields.pacing,
});
type Tuning = {
  pageSize?: number;
  concurrency?: number;
  concurrencyCeiling?: number;
  pacing?: Doc<"syncJobs">["cursor"]["pacing"];
};
const tuned = (cursor: Doc<"syncJobs">["cursor"], t: Tuning | undefined) =>
  t ? { ...cursor, ...definedOnly(t) } : cursor;
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}

/** Start a slice: only the scheduled generation may, and only once (a second copy sees the claim). */
export const claimSlice = internalMutation({
  args: lease,
  handler: async (ctx, { jobId, generation }) => {
    const now = Date.now();
    const job = await ctx.db.get(jobId);
    if (!job || !isActive(job) || job.lease.generation !== generation) return null;
    if (job.lease.claimed && job.lease.expiresAt > now) return null;
    const installation = (await ctx.db.get(job.installationId))!;
    if (installation.status !== "active") {
      await endJob(ctx, job, "cancelled");
      return null;
    }
    await claimJob(ctx, installation, job, now);
    const cursor = currentCursor(job.cursor);
    if (cursor !== job.cursor) await recordPage(ctx, (await ctx.db.get(jobId))!, { cursor });
    const budgets = await ctx.db
      .query("rateLimits")
      .withIndex("by_installation_resource", (q) => q.eq("installationId", installation._id))
      .first();
    return {
      installationId: installation._id,
      githubInstallationId: installation.githubInstallationId,
      account: { login: installation.accountLogin, id: installation.accountId },
      repositoriesEtag: await lastListingEtag(ctx, installation._id),
      hasRateLimit: budgets !== null,
      startedAt: job.startedAt ?? now,
      cursor,
      attempt: job.attempt,
    };
  },
});

/** The ETag of the last completed listing (a 304 then costs nothing and keeps the repository set). */
async function lastListingEtag(ctx: MutationCtx, installationId: Id<"installations">) {
  const last = await ctx.db
    .query("syncJobs")
    .withIndex("by_installation_state", (q) => q.eq("installationId", installationId).eq("state", "completed"))
    .order("desc")
    .first();
  return last?.listingEtag;
}

/** What the worker needs of one repository. */
function repositoryForJob(repo: Doc<"repositories">) {
  return {
    id: repo._id,
    githubId: repo.githubId,
    owner: repo.ownerLogin,
    name: repo.name,
    fullName: repo.fullName,
    defaultBranch: repo.defaultBranch,
    removed: repo.removed,
    pushedAt: repo.pushedAt,
    syncCursor: repo.syncCursor ?? {},
    syncProgress: repo.syncProgress,
  };
}
export type JobRepository = ReturnType<typeof repositoryForJob>;

export const jobRepository = internalQuery({
  args: { repositoryId: v.id("repositories") },
  handler: async (ctx, { repositoryId }) => {
    const repo = await ctx.db.get(repositoryId);
    return repo && repositoryForJob(repo);
  },
});

/**
 * Admit the next repository of the walk (by full name, after the last one admitted) into the job's
 * window: visible, and seen by this job's listing when it has one. Walking an index keeps the job
 * document the same size at any number of repositories. `end` when the walk has no more; `full`
 * when `WINDOW` repositories are in flight; null if the lease was lost.
 */
export const admitRepository = internalMutation({
  args: { ...lease },
  handler: async (ctx, { jobId, generation }) => {
    const job = await heldJob(ctx, jobId, generation);
    if (!job) return null;
    const { after, listing, window = [] } = job.cursor;
    if (window.length >= WINDOW) return { kind: "full" as const };
    const candidates = ctx.db.query("repositories").withIndex("by_installation", (q) => {
      const visible = q.eq("installationId", job.installationId).eq("removed", false);
      return after === undefined ? visible : visible.gt("fullName", after);
    });
    for await (const repo of candidates) {
      // Unlisted repositories are about to be pruned; stop scanning after a bounded number of them.
      if (listing !== undefined && repo.listing !== listing) continue;
      await recordPage(ctx, job, {
        cursor: { ...job.cursor, after: repo.fullName, window: [...window, repo._id] },
        progress: { ...job.progress, currentRepository: repo.fullName },
      });
      return { kind: "repository" as const, repository: repositoryForJob(repo) };
    }
    return { kind: "end" as const };
  },
});

/**
 * A stage of the job's plan ended (plan.ts): the next one's cursor, "end" when the plan is done, null
 * if the lease was lost. After open work, the people stage when it is due (an organisation's people
 * listed over an hour ago, never, or asked for since), then history; a people job ends with its stage.
 */
export const advanceStage = internalMutation({
  args: {
    ...lease,
    from: v.union(v.literal("open_work"), v.literal("history"), v.literal("full"), v.literal("people")),
  },
  handler: async (ctx, { jobId, generation, from }) => {
    const job = await heldJob(ctx, jobId, generation);
    if (!job) return null;
    const { after: _, window: __, people: ___, page: ____, ...base } = job.cursor;
    const installation = (await ctx.db.get(job.installationId))!;
    const now = Date.now();
    let cursor: Doc<"syncJobs">["cursor"];
    if (from === "open_work" && peopleDue(installation, now)) {
      cursor = { ...base, phase: "people", people: { seenAt: now, step: "members" } };
    } else if (from === "open_work" || (from === "people" && job.kind !== "people")) {
      cursor = { ...base, phase: "walk", stage: "history", window: [] };
    } else return "end" as const;
    await recordPage(ctx, job, { cursor, progress: { ...job.progress, current: 0 } });
    const stage = cursor.phase === "people" ? "people" : cursor.stage;
    log.info("sync.job.progress", { jobId: job._id, current: 0, total: job.progress.total, stage });
    return cursor;
  },
});

/**
 * One page of work: records through the write path, the new cursor, progress, stats, the rate-limit
 * snapshot and (at a repository boundary) that repository's status, atomically; renews the lease
 * (heartbeat). Returns false if the lease was lost: the caller must stop.
 */
export const commitPage = internalMutation({
  args: {
    ...lease,
    records: v.array(anyRecord),
    /** The listing's cursor. Absent for all but the last chunk of a page, so no cursor passes unwritten data. */
    cursor: v.optional(syncCursor),
    /** The repository is done with this stage: it leaves the window. */
    repositoryDone: v.optional(v.boolean()),
    repositoryUpdate: v.optional(
      v.object({
        repositoryId: v.id("repositories"),
        syncStatus: v.optional(repoSyncStatus),
        /** The repository's own resume point after this page; null clears it (the repository completed). */
        syncProgress: v.optional(v.union(repoSyncProgress, v.null())),
        syncError: repositorySyncFields.syncError,
        syncErrorKind: repositorySyncFields.syncErrorKind,
        syncCursor: repositorySyncFields.syncCursor,
      }),
    ),
    currentRepository: v.optional(v.string()),
    /** Set on a page's last chunk: progress was made (the transient-failure count restarts). */
    progressed: v.optional(v.boolean()),
    tuning: v.optional(tuning),
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, args) => {
    const job = await heldJob(ctx, args.jobId, args.generation);
    if (!job) return false;
    if (args.records.length > 0) await withWritePath(ctx, job.installationId, (w) => w.applyAll(args.records));
    const repositoryId = args.repositoryUpdate?.repositoryId;
    if (args.repositoryUpdate) {
      const { repositoryId, ...update } = args.repositoryUpdate;
      await recordRepositorySync(ctx, repositoryId, update);
    }
    await saveRateLimits(ctx.db, job.installationId, args.rateLimits);
    const current = job.progress.current + (args.repositoryDone ? 1 : 0);
    const outcome = args.repositoryDone ? args.repositoryUpdate?.syncStatus : undefined;
    let cursor = tuned(args.cursor ?? job.cursor, args.tuning);
    if (args.repositoryDone && repositoryId && cursor.window) {
      cursor = { ...cursor, window: cursor.window.filter((id) => id !== repositoryId) };
    }
    await recordPage(ctx, job, {
      cursor,
      ...((args.cursor || args.progressed) && { attempt: 0 }),
      progress: {
        ...job.progress,
        current,
        itemsFetched: job.progress.itemsFetched + args.records.length,
        ...(args.currentRepository !== undefined && { currentRepository: args.currentRepository }),
      },
      stats: addStats(job, args.stats, args.records.length, outcome),
    });
    if (args.repositoryDone) log.info("sync.job.progress", { jobId: job._id, current, total: job.progress.total });
    return true;
  },
});

/**
 * End this slice and schedule the next one at `runAt` under a new generation: a time/page budget
 * continuation, a transient-error backoff (`retrying`), or a rate-limit wait (`blocked`).
 */
export const scheduleContinuation = internalMutation({
  args: {
    ...lease,
    state: v.union(v.literal("queued"), v.literal("retrying"), v.literal("blocked")),
    runAt: v.number(),
    attempt: v.optional(v.number()),
    cursor: v.optional(syncCursor),
    tuning: v.optional(tuning),
    reason: v.optional(v.string()),
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, { jobId, generation, stats, rateLimits, tuning: t, cursor, ...next }) => {
    const job = await heldJob(ctx, jobId, generation);
    if (!job) return false;
    await saveRateLimits(ctx.db, job.installationId, rateLimits);
    await continueJob(ctx, job, {
      ...next,
      ...((cursor || t) && { cursor: tuned(cursor ?? job.cursor, t) }),
      stats: addStats(job, stats, 0),
    });
    return true;
  },
});

/**
 * The walk reached its end (or hit a permanent error). A job whose every repository failed has failed,
 * whatever the worker saw: it keeps the error and does not move `lastSyncedAt`.
 */
export const finishJob = internalMutation({
  args: {
    ...lease,
    outcome: v.union(v.literal("completed"), v.literal("failed")),
    error: v.optional(jobError),
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, args) => {
    const job = await heldJob(ctx, args.jobId, args.generation);
    if (!job) return false;
    await saveRateLimits(ctx.db, job.installationId, args.rateLimits);
    const stats = addStats(job, args.stats, 0);
    const everyRepositoryFailed = (stats.repositoriesFailed ?? 0) > 0 && (stats.repositoriesSynced ?? 0) === 0;
    const error =
      args.error ?? (everyRepositoryFailed ? await lastRepositoryError(ctx, job.installationId) : undefined);
    const outcome = args.outcome === "completed" && everyRepositoryFailed ? "failed" : args.outcome;
    await endJob(ctx, job, outcome, error, stats);
    // Repositories added while this job ran (webhook backfills coalesced into it) still wait.
    const waiting = await ctx.db
      .query("repositories")
      .withIndex("by_installation_sync_status", (q) =>
        q.eq("installationId", job.installationId).eq("removed", false).eq("syncStatus", "processing"),
      )
      .first();
    if (waiting && outcome === "completed") await requestSync(ctx, job.installationId, "webhook");
    // People asked for after this job's people stage began (or while it had none): list them now.
    const { sync } = (await ctx.db.get(job.installationId))!;
    const asked = sync.peopleRequestedAt;
    if (!waiting && outcome === "completed" && asked !== undefined && asked > (sync.peopleListedAt ?? -Infinity)) {
      await requestSync(ctx, job.installationId, "members");
    }
    // Watchlist entries that came due while this job ran (added, retried), or will shortly (a retry's backoff).
    if (!waiting) await requestWatchlistWhenDue(ctx, job.installationId);
    return true;
  },
});

/** The error of a job in which no repository could be synced: the reason shown on a failed repository. */
async function lastRepositoryError(ctx: MutationCtx, installationId: Id<"installations">) {
  const failed = await ctx.db
    .query("repositories")
    .withIndex("by_installation_sync_status", (q) =>
      q.eq("installationId", installationId).eq("removed", false).eq("syncStatus", "failed"),
    )
    .first();
  const message = failed?.syncError ?? "No repository could be synced.";
  return {
    kind: failed?.syncErrorKind ?? ("internal" as const),
    message,
    detail: `every repository failed: ${message}`,
  };
}
