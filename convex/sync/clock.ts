/**
 * Time boundaries of the sync status, carried by data. `getStatus` must change when a manual
 * cooldown ends or a rate-limit block lifts, but a subscribed query re-runs only when data it read
 * changes. So whenever the status has a future boundary, a mutation is scheduled for that instant;
 * it stamps `sync.statusAsOf`, every open status re-runs, and the next boundary is scheduled.
 *
 * Usage: `await scheduleStatusBoundary(ctx, installationId)` after any change of sync state.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { evaluate } from "./policy";
import { loadPolicyState } from "./policyState";

/** The next instant at which what "Sync Now" would do changes by itself, if any. */
export async function scheduleStatusBoundary(ctx: MutationCtx, installationId: Id<"installations">): Promise<void> {
  const installation = await ctx.db.get(installationId);
  if (!installation || installation.status === "deleted") return;
  const now = Date.now();
  const { state } = await loadPolicyState(ctx.db, installation, now);
  const decision = evaluate(state, "manual", now);
  const boundary =
    decision.reason === "manual_cooldown"
      ? now + (decision.metadata?.cooldownMs ?? 0)
      : decision.action === "block"
        ? decision.metadata?.blockedUntil
        : undefined;
  if (boundary === undefined || boundary <= now || installation.sync.statusTickAt === boundary) return;
  await ctx.db.patch(installationId, { sync: { ...installation.sync, statusTickAt: boundary } });
  await ctx.scheduler.runAt(boundary, internal.sync.clock.statusTick, { installationId, at: boundary });
}

/** A boundary was reached: stamp the status instant (every open status re-runs), then find the next one. */
export const statusTick = internalMutation({
  args: { installationId: v.id("installations"), at: v.number() },
  handler: async (ctx, { installationId, at }) => {
    const installation = await ctx.db.get(installationId);
    if (!installation) return;
    const statusAsOf = Math.max(Date.now(), at);
    await ctx.db.patch(installationId, { sync: { ...installation.sync, statusAsOf, statusTickAt: undefined } });
    await scheduleStatusBoundary(ctx, installationId);
  },
});
