/**
 * An uninstalled installation's notification destinations, their change log and deliveries, deleted in
 * bounded batches by the model's purge (`convex/model/purge.ts`) with what is left of its budget.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { deleteUpTo } from "../model/chunks";

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
