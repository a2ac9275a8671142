/**
 * An uninstalled installation's alerts room, deleted in bounded batches by the model's purge
 * (`convex/model/purge.ts`), which calls this with what is left of its transaction's budget.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { deleteUpTo } from "../model/chunks";

/** Deletes up to `budget` documents; returns how many it deleted. */
export async function purgeAlertsOf(ctx: MutationCtx, installationId: Id<"installations">, budget: number) {
  const { db } = ctx;
  const i = installationId;
  const tables = [
    (n: number) =>
      db
        .query("alerts")
        .withIndex("by_installation_opened", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("alertReads")
        .withIndex("by_installation", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("alertClocks")
        .withIndex("by_installation", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("alertQueue")
        .withIndex("by_installation", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("alertPullRequests")
        .withIndex("by_installation", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("agreementDaily")
        .withIndex("by_installation_day", (q) => q.eq("installationId", i))
        .take(n),
  ];
  return deleteUpTo(tables, budget, (id) => db.delete(id));
}
