/**
 * The SyncService: the single entry point for every sync trigger. `request` is one mutation, so
 * the decision and the enqueue are one transaction: two concurrent requests cannot both start.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type DatabaseReader, type MutationCtx } from "../_generated/server";
import { syncTrigger } from "../schema";
import { isStalled } from "./jobState";
import { logEvent } from "./log";
import { effectiveBudget, evaluate, type PolicyState, type SyncDecision, type Trigger } from "./policy";
import { PULL_REQUEST_PAGE_SIZE } from "../github/queries";

export const request = internalMutation({
  args: { installationId: v.id("installations"), trigger: syncTrigger },
  handler: (ctx, { installationId, trigger }) => requestSync(ctx, installationId, trigger),
});

export type RequestResult = SyncDecision & { jobId?: Id<"syncJobs"> };

export async function requestSync(
  ctx: MutationCtx,
  installationId: Id<"installations">,
  trigger: Trigger,
): Promise<RequestResult> {
  const now = Date.now();
  const installation = await ctx.db.get(installationId);
  if (!installation) throw new Error(`installation ${installationId} not found`);
  const { state, activeJob } = await loadPolicyState(ctx.db, installation, now);
  const decision = evaluate(state, trigger, now);
  logEvent("sync.request", { installationId, trigger, action: decision.action, reason: decision.reason });
  if (decision.action !== "start") return decision;

  if (decision.reason === "recover_stalled_job" && activeJob) {
    // Take the job over from its dead slice: a new generation makes any late copy of the old one exit.
    const generation = activeJob.lease.generation + 1;
    await ctx.db.patch(activeJob._id, {
      state: "queued",
      lease: { generation, claimed: false, expiresAt: 0 },
      nextRunAt: now,
      blockedUntil: undefined,
    });
    await ctx.db.patch(installationId, { sync: { ...installation.sync, state: "syncing", blockedUntil: undefined } });
    await ctx.scheduler.runAfter(0, internal.sync.worker.processSyncJob, { jobId: activeJob._id, generation });
    logEvent("sync.job.recovered", { jobId: activeJob._id, installationId, generation });
    return { ...decision, jobId: activeJob._id };
  }

  const jobId = await ctx.db.insert("syncJobs", {
    installationId,
    trigger,
    state: "queued",
    createdAt: now,
    lease: { generation: 1, claimed: false, expiresAt: 0 },
    nextRunAt: now,
    attempt: 0,
    cursor: { phase: "list", repoIndex: 0, pageSize: PULL_REQUEST_PAGE_SIZE },
    repositoryIds: [],
    progress: { current: 0, total: state.repositoryCount, itemsFetched: 0 },
    stats: { requests: 0, notModified: 0, primaryBudgetUsed: 0, itemsWritten: 0, mutations: 0 },
  });
  await ctx.db.patch(installationId, {
    sync: {
      ...installation.sync,
      state: "syncing",
      activeJobId: jobId,
      lastSyncStartedAt: now,
      blockedUntil: undefined,
      ...(trigger === "manual" && { lastManualSyncAt: now }),
    },
  });
  await ctx.scheduler.runAfter(0, internal.sync.worker.processSyncJob, { jobId, generation: 1 });
  return { ...decision, jobId };
}

/** Everything the policy needs, read in O(1) documents. */
export async function loadPolicyState(
  db: DatabaseReader,
  installation: Doc<"installations">,
  now: number,
): Promise<{ state: PolicyState; activeJob: Doc<"syncJobs"> | null }> {
  const job = installation.sync.activeJobId ? await db.get(installation.sync.activeJobId) : null;
  const activeJob = job && ["queued", "running", "retrying", "blocked"].includes(job.state) ? job : null;
  const shards = await db
    .query("installationCounters")
    .withIndex("by_installation_shard", (q) => q.eq("installationId", installation._id))
    .collect();
  const budgets = Object.values(installation.rateLimits ?? {})
    .map((s) => effectiveBudget(s, now)!)
    .sort((a, b) => a.remaining - b.remaining);
  const lowest = budgets[0];
  const state: PolicyState = {
    installationStatus: installation.status,
    repositoryCount: shards.reduce((n, s) => n + s.repos, 0),
    activeJob: activeJob ? { stalled: isStalled(activeJob, now) } : null,
    ...(installation.sync.blockedUntil !== undefined && { blockedUntil: installation.sync.blockedUntil }),
    ...(installation.sync.lastSyncedAt !== undefined && { lastSyncedAt: installation.sync.lastSyncedAt }),
    ...(installation.sync.lastManualSyncAt !== undefined && { lastManualSyncAt: installation.sync.lastManualSyncAt }),
    ...(lowest && { rateLimit: { remaining: lowest.remaining, limit: lowest.limit, resetAt: lowest.resetAt } }),
  };
  return { state, activeJob };
}
