/**
 * What the policy decides on, read in O(1) documents: the installation's status and sync fields, its
 * active job, its repository count (counter shards) and its GitHub budgets (`rateLimits` rows).
 *
 * Usage: `const { state, activeJob } = await loadPolicyState(ctx.db, installation, now)`.
 */
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { loadRateLimits } from "../github/budgets";
import { isActive, isStalled } from "./jobState";
import { effectiveBudget, type PolicyState } from "./policy";

export async function loadPolicyState(
  db: DatabaseReader,
  installation: Doc<"installations">,
  now: number,
): Promise<{ state: PolicyState; activeJob: Doc<"syncJobs"> | null }> {
  const job = installation.sync.activeJobId ? await db.get(installation.sync.activeJobId) : null;
  const activeJob = job && isActive(job) ? job : null;
  const [shards, rateLimits] = await Promise.all([
    db
      .query("installationCounters")
      .withIndex("by_installation_shard", (q) => q.eq("installationId", installation._id))
      .collect(),
    loadRateLimits(db, installation._id),
  ]);
  const lowest = rateLimits.map((s) => effectiveBudget(s, now)!).sort((a, b) => a.remaining - b.remaining)[0];
  const { sync } = installation;
  const state: PolicyState = {
    installationStatus: installation.status,
    repositoryCount: shards.reduce((n, s) => n + s.repos, 0),
    activeJob: activeJob ? { stalled: isStalled(activeJob, now) } : null,
    ...(sync.blockedUntil !== undefined && { blockedUntil: sync.blockedUntil }),
    ...(sync.lastSyncedAt !== undefined && { lastSyncedAt: sync.lastSyncedAt }),
    ...(sync.lastManualSyncAt !== undefined && { lastManualSyncAt: sync.lastManualSyncAt }),
    ...(lowest && { rateLimit: { remaining: lowest.remaining, limit: lowest.limit, resetAt: lowest.resetAt } }),
  };
  return { state, activeJob };
}

/**
 * The instant a status is computed at, taken from data instead of the clock: the latest of the
 * scheduled status ticks (`clock.ts`) and every sync event. A query that used `Date.now()` would be
 * served from cache until some document changed; this one changes exactly when the data does.
 */
export function statusInstant(installation: Doc<"installations">, activeJob: Doc<"syncJobs"> | null): number {
  const { sync } = installation;
  return Math.max(
    sync.statusAsOf ?? 0,
    sync.lastManualSyncAt ?? 0,
    sync.lastSyncStartedAt ?? 0,
    sync.lastSyncedAt ?? 0,
    installation.statusChangedAt ?? 0,
    activeJob?.createdAt ?? 0,
    activeJob?.startedAt ?? 0,
  );
}
