/** An uninstalled installation's saved reports are deleted with the rest of its data (convex/functions.ts). */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

export async function purgeReportsOf(ctx: MutationCtx, installationId: Id<"installations">, budget: number) {
  const reports = await ctx.db
    .query("savedReports")
    .withIndex("by_installation_shared", (q) => q.eq("installationId", installationId))
    .take(budget);
  for (const report of reports) await ctx.db.delete(report._id);
  return reports.length;
}
