/**
 * The worker's transactions. Every one first checks the caller still holds the job's lease
 * (same generation, claimed), so a superseded or duplicate slice can never write. Writes of
 * records, the cursor and progress happen in one transaction: the cursor only moves past data
 * that is stored.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { saveRateLimits } from "../github/connection";
import { anyRecord, repositoryRecord } from "../model/records";
import { WritePath } from "../model/writePath";
import { rateLimitSnapshot, syncCursor } from "../schema";
import { isActive, LEASE_MS } from "./jobState";
import { logEvent } from "./log";
import { requestSync } from "./service";

const lease = { jobId: v.id("syncJobs"), generation: v.number() };
const statsDelta = v.object({ requests: v.number(), notModified: v.number() });

async function heldJob(ctx: MutationCtx, jobId: Id<"syncJobs">, generation: number) {
  const job = await ctx.db.get(jobId);
  if (!job || !isActive(job) || job.lease.generation !== generation || !job.lease.claimed) return null;
  return job;
}

function addStats(job: Doc<"syncJobs">, delta: { requests: number; notModified: number }, items: number) {
  return {
    requests: job.stats.requests + delta.requests,
    notModified: job.stats.notModified + delta.notModified,
    // Every answered request except a 304 costs one point (GraphQL pages here cost 1 point each).
    primaryBudgetUsed: job.stats.primaryBudgetUsed + delta.requests - delta.notModified,
    itemsWritten: job.stats.itemsWritten + items,
    mutations: job.stats.mutations + 1,
  };
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
      await endJob(ctx, job, "cancelled", undefined);
      return null;
    }
    await ctx.db.patch(jobId, {
      state: "running",
      lease: { generation, claimed: true, expiresAt: now + LEASE_MS },
      nextRunAt: undefined,
      blockedUntil: undefined,
      ...(job.startedAt === undefined && { startedAt: now }),
    });
    if (installation.sync.state !== "syncing" || installation.sync.blockedUntil !== undefined) {
      await ctx.db.patch(installation._id, {
        sync: { ...installation.sync, state: "syncing", blockedUntil: undefined },
      });
    }
    if (job.startedAt === undefined)
      logEvent("sync.job.started", { jobId, installationId: job.installationId, repoCount: job.progress.total });
    return {
      installationId: installation._id,
      githubInstallationId: installation.githubInstallationId,
      repositoriesEtag: installation.repositoriesEtag,
      hasRateLimit: Object.keys(installation.rateLimits ?? {}).length > 0,
      startedAt: job.startedAt ?? now,
      cursor: job.cursor,
      attempt: job.attempt,
      repositoryIds: job.repositoryIds,
    };
  },
});

export const jobRepository = internalQuery({
  args: { repositoryId: v.id("repositories") },
  handler: async (ctx, { repositoryId }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return null;
    return {
      githubId: repo.githubId,
      owner: repo.ownerLogin,
      name: repo.name,
      fullName: repo.fullName,
      defaultBranch: repo.defaultBranch,
      removed: repo.removed,
      pushedAt: repo.pushedAt,
      syncCursor: repo.syncCursor ?? {},
    };
  },
});

/**
 * One page of work: records through the write path, the new cursor, progress, stats, the
 * rate-limit snapshot and (at a repository boundary) that repository's status, atomically;
 * renews the lease (heartbeat). Returns false if the lease was lost: the caller must stop.
 */
export const commitPage = internalMutation({
  args: {
    ...lease,
    records: v.array(anyRecord),
    /** Absent for all but the last chunk of a page, so the cursor never passes unwritten data. */
    cursor: v.optional(syncCursor),
    repositoryDone: v.optional(v.boolean()),
    repositoryUpdate: v.optional(
      v.object({
        repositoryId: v.id("repositories"),
        syncStatus: v.union(v.literal("processing"), v.literal("ready"), v.literal("failed")),
        syncError: v.optional(v.string()),
        syncCursor: v.optional(
          v.object({
            since: v.optional(v.number()),
            changeProbeEtag: v.optional(v.string()),
            pushedAt: v.optional(v.number()),
          }),
        ),
      }),
    ),
    currentRepository: v.optional(v.string()),
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, args) => {
    const job = await heldJob(ctx, args.jobId, args.generation);
    if (!job) return false;
    if (args.records.length > 0) {
      const w = await WritePath.open(ctx, job.installationId);
      await w.applyAll(args.records);
      await w.flush();
    }
    if (args.repositoryUpdate) {
      const { repositoryId, ...update } = args.repositoryUpdate;
      await ctx.db.patch(repositoryId, { syncError: undefined, ...update });
    }
    await saveRateLimits(ctx.db, job.installationId, args.rateLimits);
    const current = job.progress.current + (args.repositoryDone ? 1 : 0);
    await ctx.db.patch(job._id, {
      ...(args.cursor && { cursor: args.cursor, attempt: 0 }),
      lease: { ...job.lease, expiresAt: Date.now() + LEASE_MS },
      progress: {
        ...job.progress,
        current,
        itemsFetched: job.progress.itemsFetched + args.records.length,
        ...(args.currentRepository !== undefined && { currentRepository: args.currentRepository }),
      },
      stats: addStats(job, args.stats, args.records.length),
    });
    if (args.repositoryDone) logEvent("sync.job.progress", { jobId: job._id, current, total: job.progress.total });
    return true;
  },
});

/**
 * A page of GET /installation/repositories: records the repositories; once the listing is
 * complete, repositories no longer listed leave the installation and the job's work list is set.
 */
export const commitListing = internalMutation({
  args: {
    ...lease,
    repositories: v.array(repositoryRecord),
    complete: v.boolean(),
    /** Nothing changed since the stored ETag: keep the current repository set. */
    notModified: v.boolean(),
    etag: v.optional(v.string()),
    cursor: syncCursor,
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, args) => {
    const job = await heldJob(ctx, args.jobId, args.generation);
    if (!job) return false;
    const w = await WritePath.open(ctx, job.installationId);
    await w.addRepositories(args.repositories);
    let cursor = args.cursor;
    let patch: Partial<Doc<"syncJobs">> = {};
    if (args.complete) {
      const visible = await ctx.db
        .query("repositories")
        .withIndex("by_installation", (q) => q.eq("installationId", job.installationId).eq("removed", false))
        .collect();
      const listed = new Set(cursor.listed ?? []);
      if (!args.notModified)
        await w.removeRepositories(visible.filter((r) => !listed.has(r.githubId)).map((r) => r.githubId));
      const repositoryIds = visible.filter((r) => args.notModified || listed.has(r.githubId)).map((r) => r._id);
      cursor = { ...cursor, listed: undefined };
      patch = { repositoryIds, progress: { ...job.progress, total: repositoryIds.length } };
      if (args.etag) await ctx.db.patch(job.installationId, { repositoriesEtag: args.etag });
    }
    await w.flush();
    await saveRateLimits(ctx.db, job.installationId, args.rateLimits);
    await ctx.db.patch(job._id, {
      ...patch,
      cursor,
      attempt: 0,
      lease: { ...job.lease, expiresAt: Date.now() + LEASE_MS },
      stats: addStats(job, args.stats, args.repositories.length),
    });
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
    reason: v.optional(v.string()),
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, args) => {
    const job = await heldJob(ctx, args.jobId, args.generation);
    if (!job) return false;
    const generation = job.lease.generation + 1;
    const blocked = args.state === "blocked";
    await saveRateLimits(ctx.db, job.installationId, args.rateLimits);
    await ctx.db.patch(job._id, {
      state: args.state,
      lease: { generation, claimed: false, expiresAt: 0 },
      nextRunAt: args.runAt,
      blockedUntil: blocked ? args.runAt : undefined,
      ...(args.attempt !== undefined && { attempt: args.attempt }),
      ...(args.cursor && { cursor: args.cursor }),
      stats: addStats(job, args.stats, 0),
    });
    const installation = (await ctx.db.get(job.installationId))!;
    await ctx.db.patch(installation._id, {
      sync: {
        ...installation.sync,
        state: blocked ? "blocked" : "syncing",
        blockedUntil: blocked ? args.runAt : undefined,
      },
    });
    await ctx.scheduler.runAt(args.runAt, internal.sync.worker.processSyncJob, { jobId: job._id, generation });
    if (blocked) logEvent("sync.job.blocked", { jobId: job._id, blockedUntil: args.runAt, reason: args.reason });
    else if (args.state === "retrying")
      logEvent("sync.job.retrying", { jobId: job._id, attempt: args.attempt, runAt: args.runAt, reason: args.reason });
    return true;
  },
});

export const finishJob = internalMutation({
  args: {
    ...lease,
    outcome: v.union(v.literal("completed"), v.literal("failed")),
    error: v.optional(v.object({ kind: v.string(), message: v.string(), detail: v.string() })),
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, args) => {
    const job = await heldJob(ctx, args.jobId, args.generation);
    if (!job) return false;
    await saveRateLimits(ctx.db, job.installationId, args.rateLimits);
    await ctx.db.patch(job._id, { stats: addStats(job, args.stats, 0) });
    await endJob(ctx, (await ctx.db.get(job._id))!, args.outcome, args.error);
    // Repositories added while this job ran (webhook backfills coalesced into it) still wait.
    const waiting = await ctx.db
      .query("repositories")
      .withIndex("by_installation_sync_status", (q) =>
        q.eq("installationId", job.installationId).eq("removed", false).eq("syncStatus", "processing"),
      )
      .first();
    if (waiting && args.outcome === "completed") await requestSync(ctx, job.installationId, "webhook");
    return true;
  },
});

/** Terminal transition of a job and its installation's sync state. */
export async function endJob(
  ctx: MutationCtx,
  job: Doc<"syncJobs">,
  outcome: "completed" | "failed" | "cancelled",
  error: { kind: string; message: string; detail: string } | undefined,
) {
  const now = Date.now();
  await ctx.db.patch(job._id, {
    state: outcome,
    finishedAt: now,
    lease: { ...job.lease, claimed: false },
    nextRunAt: undefined,
    // The work list is only needed while the job runs; kept jobs stay small for retention scans.
    repositoryIds: [],
    ...(error && { error }),
  });
  const installation = await ctx.db.get(job.installationId);
  if (installation && installation.sync.activeJobId === job._id) {
    const { activeJobId: _, ...sync } = installation.sync;
    await ctx.db.patch(installation._id, {
      sync:
        outcome === "completed"
          ? { ...sync, state: "idle", lastSyncedAt: now, lastSyncError: undefined, blockedUntil: undefined }
          : outcome === "failed"
            ? { ...sync, state: "error", lastSyncError: error?.message ?? "The sync failed." }
            : { ...sync, state: "idle" },
    });
  }
  const durationMs = now - (job.startedAt ?? job.createdAt);
  if (outcome === "completed") {
    logEvent("sync.job.completed", {
      jobId: job._id,
      items: job.stats.itemsWritten,
      requests: job.stats.requests,
      notModified: job.stats.notModified,
      durationMs,
    });
  } else if (outcome === "failed") {
    logEvent("sync.job.failed", { jobId: job._id, error: error?.detail, durationMs });
  } else {
    logEvent("sync.job.cancelled", { jobId: job._id });
  }
}

export const jobRepositoryIds = internalQuery({
  args: { jobId: v.id("syncJobs") },
  handler: async (ctx, { jobId }) => (await ctx.db.get(jobId))?.repositoryIds ?? [],
});
