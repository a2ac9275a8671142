/**
 * Every transition of a sync job, and nothing else: each arrow of the state machine in
 * `convex/sync/README.md` is one function here, and each moves the job row and its installation's
 * `sync` field together, so the two can never disagree. Only this module writes `syncJobs` rows
 * (besides retention) and the installation's `sync` field (`clock.ts` stamps `sync.statusAsOf`).
 *
 * Usage: from the service (`startJob`, `resumeStalledJob`, `cancelJob`) and the worker's
 * transactions (`claimJob`, `recordPage`, `continueJob`, `endJob`).
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { PULL_REQUEST_PAGE_SIZE } from "../github/queries";
import { log } from "../log";
import { scheduleStatusBoundary } from "./clock";
import { countRequests, recordJobEnd } from "./health";
import { LEASE_MS, type JobError } from "./jobState";
import type { Trigger } from "./policy";

type Job = Doc<"syncJobs">;
type Installation = Doc<"installations">;

async function patchSync(ctx: MutationCtx, installation: Installation, sync: Partial<Installation["sync"]>) {
  await ctx.db.patch(installation._id, { sync: { ...installation.sync, ...sync } });
}

/** request(start) ──► queued: a new job, its first slice scheduled now. */
export async function startJob(
  ctx: MutationCtx,
  installation: Installation,
  trigger: Trigger,
  now: number,
  repositoryCount: number,
): Promise<Id<"syncJobs">> {
  // The organisation's people alone, the watchlist alone, or the whole installation (plan.ts).
  const people = trigger === "members";
  const watchlist = trigger === "watchlist";
  const jobId = await ctx.db.insert("syncJobs", {
    installationId: installation._id,
    ...(people && { kind: "people" as const }),
    ...(watchlist && { kind: "watchlist" as const }),
    trigger,
    state: "queued",
    createdAt: now,
    lease: { generation: 1, claimed: false, expiresAt: 0 },
    nextRunAt: now,
    attempt: 0,
    cursor: people
      ? { phase: "people", people: { seenAt: now, step: "members" }, pageSize: PULL_REQUEST_PAGE_SIZE }
      : watchlist
        ? { phase: "watchlist", pageSize: PULL_REQUEST_PAGE_SIZE }
        : { phase: "list", pageSize: PULL_REQUEST_PAGE_SIZE },
    progress: { current: 0, total: people || watchlist ? 0 : repositoryCount, itemsFetched: 0 },
    stats: {
      requests: 0,
      notModified: 0,
      primaryBudgetUsed: 0,
      itemsWritten: 0,
      mutations: 0,
      repositoriesSynced: 0,
      repositoriesFailed: 0,
    },
  });
  await patchSync(ctx, installation, {
    state: "syncing",
    activeJobId: jobId,
    lastSyncStartedAt: now,
    blockedUntil: undefined,
    ...(trigger === "manual" && { lastManualSyncAt: now }),
  });
  await ctx.scheduler.runAfter(0, internal.sync.worker.processSyncJob, { jobId, generation: 1 });
  return jobId;
}

/** stalled ──request(maintenance)──► queued: a new generation takes over from the dead slice. */
export async function resumeStalledJob(ctx: MutationCtx, installation: Installation, job: Job, now: number) {
  const generation = job.lease.generation + 1;
  await ctx.db.patch(job._id, {
    state: "queued",
    lease: { generation, claimed: false, expiresAt: 0 },
    nextRunAt: now,
    blockedUntil: undefined,
  });
  await patchSync(ctx, installation, { state: "syncing", blockedUntil: undefined });
  await ctx.scheduler.runAfter(0, internal.sync.worker.processSyncJob, { jobId: job._id, generation });
  log.info("sync.job.recovered", { jobId: job._id, installationId: installation._id, generation });
}

/** queued | retrying | blocked ──claimSlice──► running: this slice holds the lease. */
export async function claimJob(ctx: MutationCtx, installation: Installation, job: Job, now: number) {
  await ctx.db.patch(job._id, {
    state: "running",
    lease: { generation: job.lease.generation, claimed: true, expiresAt: now + LEASE_MS },
    nextRunAt: undefined,
    blockedUntil: undefined,
    ...(job.startedAt === undefined && { startedAt: now }),
  });
  if (installation.sync.state !== "syncing" || installation.sync.blockedUntil !== undefined) {
    await patchSync(ctx, installation, { state: "syncing", blockedUntil: undefined });
  }
  if (job.startedAt === undefined) {
    log.info("sync.job.started", { jobId: job._id, installationId: job.installationId, repoCount: job.progress.total });
  }
}

/** running ──commitPage──► running: the page's cursor, progress and stats; renews the lease (heartbeat). */
export async function recordPage(
  ctx: MutationCtx,
  job: Job,
  patch: Partial<Pick<Job, "cursor" | "attempt" | "progress" | "stats" | "people">>,
) {
  await ctx.db.patch(job._id, { ...patch, lease: { ...job.lease, expiresAt: Date.now() + LEASE_MS } });
  if (patch.stats) await countRequests(ctx, job, patch.stats);
}

/**
 * The listing's ETag, kept on the job (the next sync's conditional listing reads it from the last
 * completed job), never on the installation row every dashboard query reads.
 */
export async function recordListingEtag(ctx: MutationCtx, job: Job, etag: string) {
  if (job.listingEtag !== etag) await ctx.db.patch(job._id, { listingEtag: etag });
}

/**
 * The organisation's people were asked for (a new permission, a repository made private): the next
 * people stage is due whatever the last listing's age (plan.ts `peopleDue`).
 */
export async function recordPeopleRequested(ctx: MutationCtx, installation: Installation, now: number) {
  await patchSync(ctx, installation, { peopleRequestedAt: now });
}

/**
 * running ──scheduleContinuation──► queued (slice budget) | retrying (transient, backoff) | blocked
 * (rate limit, until the reset): this slice ends, the next is scheduled under a new generation.
 */
export async function continueJob(
  ctx: MutationCtx,
  job: Job,
  next: { state: "queued" | "retrying" | "blocked"; runAt: number; reason?: string } & Partial<
    Pick<Job, "attempt" | "cursor" | "stats">
  >,
) {
  const generation = job.lease.generation + 1;
  const blocked = next.state === "blocked";
  await ctx.db.patch(job._id, {
    state: next.state,
    lease: { generation, claimed: false, expiresAt: 0 },
    nextRunAt: next.runAt,
    blockedUntil: blocked ? next.runAt : undefined,
    ...(next.attempt !== undefined && { attempt: next.attempt }),
    ...(next.cursor && { cursor: next.cursor }),
    ...(next.stats && { stats: next.stats }),
  });
  if (next.stats) await countRequests(ctx, job, next.stats);
  const installation = (await ctx.db.get(job.installationId))!;
  const sync = {
    state: blocked ? ("blocked" as const) : ("syncing" as const),
    blockedUntil: blocked ? next.runAt : undefined,
  };
  if (installation.sync.state !== sync.state || installation.sync.blockedUntil !== sync.blockedUntil) {
    await patchSync(ctx, installation, sync);
  }
  await ctx.scheduler.runAt(next.runAt, internal.sync.worker.processSyncJob, { jobId: job._id, generation });
  if (blocked) log.warn("sync.job.blocked", { jobId: job._id, blockedUntil: next.runAt, reason: next.reason });
  else if (next.state === "retrying") {
    log.warn("sync.job.retrying", { jobId: job._id, attempt: next.attempt, runAt: next.runAt, reason: next.reason });
  }
}

/**
 * running ──finishJob──► completed | failed; any active state ──cancel──► cancelled. A failed job keeps
 * its error; only a completed one moves `lastSyncedAt`.
 */
export async function endJob(
  ctx: MutationCtx,
  job: Job,
  outcome: "completed" | "failed" | "cancelled",
  error?: JobError,
  stats?: Job["stats"],
) {
  const now = Date.now();
  await ctx.db.patch(job._id, {
    ...(stats && { stats }),
    state: outcome,
    finishedAt: now,
    lease: { ...job.lease, claimed: false },
    nextRunAt: undefined,
    blockedUntil: undefined,
    ...(error && { error }),
  });
  await recordJobEnd(ctx, job, outcome, now, stats);
  const installation = await ctx.db.get(job.installationId);
  // A people or watchlist job's success says nothing of the repositories' data.
  const synced = outcome === "completed" && job.kind !== "people" && job.kind !== "watchlist";
  if (installation && installation.sync.activeJobId === job._id) {
    const { activeJobId: _, peopleError: __, ...rest } = installation.sync;
    // The people stage's end (listed, or refused and why) whatever became of the job after it.
    const sync = job.people
      ? { ...rest, peopleListedAt: job.people.listedAt, ...(job.people.error && { peopleError: job.people.error }) }
      : { ...rest, ...(installation.sync.peopleError && { peopleError: installation.sync.peopleError }) };
    const next = synced
      ? { ...sync, state: "idle" as const, lastSyncedAt: now, lastSyncError: undefined, blockedUntil: undefined }
      : outcome === "failed"
        ? {
            ...sync,
            state: "error" as const,
            lastSyncError: error?.message ?? "The sync failed.",
            blockedUntil: undefined,
          }
        : outcome === "completed"
          ? { ...sync, state: "idle" as const, lastSyncError: undefined, blockedUntil: undefined }
          : { ...sync, state: "idle" as const, blockedUntil: undefined };
    await ctx.db.patch(installation._id, { sync: next });
    await scheduleStatusBoundary(ctx, installation._id);
  }
  const durationMs = now - (job.startedAt ?? job.createdAt);
  const final = stats ?? job.stats;
  if (outcome === "completed") {
    // Fresh data: re-score the installation's repositories now rather than at the next hourly cron.
    if (synced) {
      await ctx.scheduler.runAfter(0, internal.metrics.repositoryHealth.refreshInstallation, {
        installationId: job.installationId,
      });
    }
    log.info("sync.job.completed", {
      jobId: job._id,
      items: final.itemsWritten,
      requests: final.requests,
      notModified: final.notModified,
      durationMs,
    });
  } else if (outcome === "failed") {
    log.error("sync.job.failed", { jobId: job._id, kind: error?.kind, error: error?.detail, durationMs });
  } else {
    log.info("sync.job.cancelled", { jobId: job._id });
  }
}

/**
 * A cursor from before the walk window (on one repository's phase) as the walk it resumes as: a "full"
 * walk from that repository (from its start: the upserts are idempotent), then the rest after it.
 */
export function currentCursor(cursor: Job["cursor"]): Job["cursor"] {
  const { repositoryId, repositoryName, repoEtag: _, repoIndex: __, listed: ___, ...rest } = cursor;
  if (["list", "prune", "walk", "people", "watchlist"].includes(rest.phase)) return rest;
  const { page: ____, ...walk } = rest;
  return {
    ...walk,
    phase: "walk",
    stage: "full",
    window: repositoryId ? [repositoryId] : [],
    ...(repositoryName !== undefined && { after: repositoryName }),
  };
}

/**
 * The migration `maintenance:dropDeprecated`: a job's and an installation's fields from before the walk
 * window and the `rateLimits` table, rewritten as today's or removed. Returns whether it changed anything.
 */
export async function dropDeprecatedJobFields(ctx: MutationCtx, job: Job): Promise<boolean> {
  const cursor = currentCursor(job.cursor);
  if (job.repositoryIds === undefined && JSON.stringify(cursor) === JSON.stringify(job.cursor)) return false;
  await ctx.db.patch(job._id, { cursor, repositoryIds: undefined });
  return true;
}
export async function dropDeprecatedInstallationFields(ctx: MutationCtx, installation: Installation) {
  if (installation.rateLimits === undefined && installation.repositoriesEtag === undefined) return false;
  await ctx.db.patch(installation._id, { rateLimits: undefined, repositoriesEtag: undefined });
  return true;
}
