/**
 * The installation's GitHub budgets as last observed, one document per resource in `rateLimits`.
 * Sync pages write them on every commit, so they live apart from the installation row that every
 * dashboard query reads; the sync policy and `getStatus` read them.
 *
 * Usage: `await saveRateLimits(ctx.db, installationId, snapshots)`; `await loadRateLimits(ctx.db, installationId)`.
 */
import type { Id } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import type { RateLimitSnapshot } from "./rateLimit";

/** Keep the newest snapshot per resource (responses of parallel requests may land out of order). */
export async function saveRateLimits(
  db: DatabaseWriter,
  installationId: Id<"installations">,
  snapshots: RateLimitSnapshot[],
): Promise<void> {
  for (const s of snapshots) {
    const stored = await db
      .query("rateLimits")
      .withIndex("by_installation_resource", (q) => q.eq("installationId", installationId).eq("resource", s.resource))
      .unique();
    if (!stored) await db.insert("rateLimits", { installationId, ...s });
    else if (stored.observedAt <= s.observedAt) await db.patch(stored._id, s);
  }
}

export async function loadRateLimits(
  db: DatabaseReader,
  installationId: Id<"installations">,
): Promise<RateLimitSnapshot[]> {
  const rows = await db
    .query("rateLimits")
    .withIndex("by_installation_resource", (q) => q.eq("installationId", installationId))
    .take(10);
  return rows.map(({ resource, limit, remaining, used, resetAt, observedAt }) => ({
    resource,
    limit,
    remaining,
    used,
    resetAt,
    observedAt,
  }));
}
