/**
 * The webhook deliveries' queue, in lanes (convex/lanes.ts): each delivery belongs to one of `LANES`
 * lanes (its repository's), so a burst of any size runs at most `LANES` deliveries at once —
 * on a deployment, deliveries for one installation write the same buckets, and concurrent writers of a
 * document conflict and retry.
 *
 * A failed attempt leaves its lane (`retrying`, backoff 2 s·2ⁿ ±50 %), re-enters it when due (`wake`)
 * and is dead-lettered after `MAX_DELIVERY_ATTEMPTS`. Scheduled actions are never retried: a lane whose
 * action died is restarted by the `sweepStuck` cron (deliveries.ts).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { jittered, startNext as startNextInLane } from "../lanes";
import { log } from "../log";

/** Deliveries processed at once, at most. */
export const LANES = 8;
export const MAX_DELIVERY_ATTEMPTS = 5;
const RETRY_BASE_MS = 2_000;

/**
 * A delivery's lane: its repository's (FNV-1a of installation and repository), so one repository's
 * deliveries are applied in the order GitHub sent them — two events of one pull request in the same
 * second cannot overtake each other — while different repositories' run side by side.
 */
export function laneOf(d: Pick<Doc<"webhookDeliveries">, "installationGithubId" | "repositoryGithubId">): number {
  const key = `${d.installationGithubId ?? ""}/${d.repositoryGithubId ?? ""}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % LANES;
}

const laneQuery = (ctx: MutationCtx, lane: number, status: "processing" | "received") =>
  ctx.db
    .query("webhookDeliveries")
    .withIndex("by_lane_status_received", (q) => q.eq("lane", lane).eq("status", status))
    .first();

/**
 * Unless the lane is processing a delivery, claim its oldest received one and schedule its processing.
 * Called by every receipt, at the end of every attempt, when a retry is due and by the sweep.
 */
export async function startNext(ctx: MutationCtx, lane: number) {
  const id = await claimNext(ctx, lane);
  if (id) await ctx.scheduler.runAfter(0, internal.webhooks.process.processDelivery, { id });
}

/** Unless the lane is processing a delivery, claim its oldest received one (its processing is the caller's). */
async function claimNext(ctx: MutationCtx, lane: number): Promise<Id<"webhookDeliveries"> | null> {
  let claimed: Id<"webhookDeliveries"> | null = null;
  await startNextInLane<Doc<"webhookDeliveries">>({
    busy: async () => (await laneQuery(ctx, lane, "processing")) !== null,
    oldest: () => laneQuery(ctx, lane, "received"),
    claim: async (next) => {
      await ctx.db.patch(next._id, { status: "processing", claimedAt: Date.now() });
      claimed = next._id;
    },
  });
  return claimed;
}

/**
 * The end of an attempt: the lane's next delivery, claimed for the running action to go on with (one
 * action works through a lane's burst), or, with `handOver`, claimed and scheduled in a new action.
 */
export const next = internalMutation({
  args: { lane: v.number(), handOver: v.optional(v.boolean()) },
  handler: async (ctx, { lane, handOver }): Promise<Id<"webhookDeliveries"> | null> => {
    if (!handOver) return claimNext(ctx, lane);
    await startNext(ctx, lane);
    return null;
  },
});

/** Put a stored delivery in its lane's queue (at receipt, on replay) and start the lane if idle. */
export async function enqueue(
  ctx: MutationCtx,
  d: Doc<"webhookDeliveries">,
  fields: Partial<Doc<"webhookDeliveries">>,
) {
  const lane = d.lane ?? laneOf(d);
  await ctx.db.patch(d._id, { ...fields, status: "received", lane, nextAttemptAt: undefined, claimedAt: undefined });
  await startNext(ctx, lane);
}

/** An attempt failed: leave the lane until a jittered backoff passes, or dead-letter the delivery. */
export async function failAttempt(ctx: MutationCtx, d: Doc<"webhookDeliveries">, reason: string) {
  const attempts = d.attempts + 1;
  if (attempts >= MAX_DELIVERY_ATTEMPTS) {
    await ctx.db.patch(d._id, { status: "dead", attempts, reason, nextAttemptAt: undefined, claimedAt: undefined });
    log.warn("webhook.dead_letter", { deliveryId: d.deliveryId, reason });
  } else {
    const delay = jittered(RETRY_BASE_MS * 2 ** (attempts - 1));
    await ctx.db.patch(d._id, {
      status: "retrying",
      attempts,
      reason,
      nextAttemptAt: Date.now() + delay,
      claimedAt: undefined,
    });
    await ctx.scheduler.runAfter(delay, internal.webhooks.queue.wake, { id: d._id });
  }
  if (d.lane !== undefined) await startNext(ctx, d.lane);
}

/** A retry is due: the delivery re-enters its lane. */
export const wake = internalMutation({
  args: { id: v.id("webhookDeliveries") },
  handler: async (ctx, { id }) => {
    const d = await ctx.db.get(id);
    if (d?.status === "retrying") await enqueue(ctx, d, {});
  },
});
