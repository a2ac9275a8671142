/**
 * An uninstalled installation's notification destinations, their change log and deliveries, deleted in
 * bounded batches by the model's purge (`convex/model/purge.ts`) with what is left of its budget; and
 * the delivery log's retention. The destinations' change log is an audit log: it is kept.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { deleteUpTo } from "../model/chunks";

const KEEP_DELIVERIES_MS = 30 * 86_400_000;
const PRUNE_BATCH = 200;

/** Daily: deletes delivery rows older than 30 days (retries end within hours), a batch per transaction. */
export const pruneDeliveries = internalMutation({
  args: {},
  handler: async (ctx) => {
    const old = await ctx.db
      .query("notificationDeliveries")
      .withIndex("by_created", (q) => q.lt("createdAt", Date.now() - KEEP_DELIVERIES_MS))
      .take(PRUNE_BATCH);
    for (const d of old) await ctx.db.delete(d._id);
    if (old.length === PRUNE_BATCH) await ctx.scheduler.runAfter(0, internal.notify.purge.pruneDeliveries, {});
  },
});

/** Deletes up to `budget` documents; returns how many it deleted. */
export async function purgeNotificationsOf(ctx: MutationCtx, installationId: Id<"installations">, budget: number) {
  const { db } = ctx;
  const i = installationId;
  const tables = [
    (n: number) =>
      db
        .query("notificationDeliveries")
        .withIndex("by_installation_created", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("destinationChanges")
        .withIndex("by_installation_at", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("notificationDestinations")
        .withIndex("by_installation", (q) => q.eq("installationId", i))
        .take(n),
  ];
  return deleteUpTo(tables, budget, (id) => db.delete(id));
}
