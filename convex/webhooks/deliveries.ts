/**
 * The delivery log: recorded once per delivery id (a redelivery is acknowledged, not re-applied),
 * processed by work scheduled at receipt, retried with backoff, dead-lettered after
 * `MAX_DELIVERY_ATTEMPTS`, and replayable by an operator.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";

export const MAX_DELIVERY_ATTEMPTS = 5;
const RETRY_BASE_MS = 2_000;
/** A delivery still "received" this long after arrival lost its scheduled processing. */
export const STUCK_AFTER_MS = 5 * 60_000;

export const record = internalMutation({
  args: {
    deliveryId: v.string(),
    event: v.string(),
    action: v.optional(v.string()),
    installationGithubId: v.optional(v.number()),
    bytes: v.number(),
    payload: v.optional(v.string()),
    payloadStorageId: v.optional(v.id("_storage")),
  },
  handler: async (ctx, args) => {
    const existing = await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_delivery_id", (q) => q.eq("deliveryId", args.deliveryId))
      .unique();
    if (existing) return { duplicate: true };
    const id = await ctx.db.insert("webhookDeliveries", {
      ...args,
      receivedAt: Date.now(),
      status: "received",
      attempts: 0,
    });
    await ctx.scheduler.runAfter(0, internal.webhooks.process.processDelivery, {
      id,
    });
    return { duplicate: false };
  },
});

export const load = internalQuery({
  args: { id: v.id("webhookDeliveries") },
  handler: (ctx, { id }) => ctx.db.get(id),
});

/** Processing threw: retry with exponential backoff, or dead-letter with the reason. */
export const markFailed = internalMutation({
  args: { id: v.id("webhookDeliveries"), reason: v.string() },
  handler: async (ctx, { id, reason }) => {
    const d = await ctx.db.get(id);
    if (d && isPending(d)) await failAttempt(ctx, d, reason);
  },
});

async function failAttempt(ctx: MutationCtx, d: Doc<"webhookDeliveries">, reason: string) {
  const id = d._id;
  const attempts = d.attempts + 1;
  if (attempts >= MAX_DELIVERY_ATTEMPTS) {
    await ctx.db.patch(id, {
      status: "dead",
      attempts,
      reason,
      nextAttemptAt: undefined,
    });
    console.log(
      JSON.stringify({
        event: "webhook.dead_letter",
        deliveryId: d.deliveryId,
        reason,
      }),
    );
    return;
  }
  const delay = RETRY_BASE_MS * 2 ** (attempts - 1);
  await ctx.db.patch(id, {
    status: "retrying",
    attempts,
    reason,
    nextAttemptAt: Date.now() + delay,
  });
  await ctx.scheduler.runAfter(delay, internal.webhooks.process.processDelivery, { id });
}

export const isPending = (d: Pick<Doc<"webhookDeliveries">, "status">) =>
  d.status === "received" || d.status === "retrying";

async function requeue(ctx: MutationCtx, d: Doc<"webhookDeliveries">) {
  await ctx.db.patch(d._id, {
    status: "retrying",
    attempts: 0,
    nextAttemptAt: Date.now(),
  });
  await ctx.scheduler.runAfter(0, internal.webhooks.process.processDelivery, {
    id: d._id,
  });
}

/** Operator: process one dead-lettered (or invalid, after a schema fix) delivery again. */
export const replayDelivery = internalMutation({
  args: { deliveryId: v.string() },
  handler: async (ctx, { deliveryId }) => {
    const d = await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_delivery_id", (q) => q.eq("deliveryId", deliveryId))
      .unique();
    if (!d) return { replayed: false, reason: "unknown delivery" };
    if (d.status === "processed" || d.status === "ignored") return { replayed: false, reason: `already ${d.status}` };
    await requeue(ctx, d);
    return { replayed: true };
  },
});

/** Operator: replay every dead-lettered delivery (bounded per call; call again while `more`). */
export const replayFailed = internalMutation({
  args: { limit: v.optional(v.number()) },
  handler: async (ctx, { limit }) => {
    const dead = await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_status", (q) => q.eq("status", "dead"))
      .take(Math.min(limit ?? 100, 500) + 1);
    const batch = dead.slice(0, Math.min(limit ?? 100, 500));
    for (const d of batch) await requeue(ctx, d);
    return { replayed: batch.length, more: dead.length > batch.length };
  },
});

/** Cron sweep: deliveries whose scheduled processing never ran (e.g. a crashed action). */
export const sweepStuck = internalMutation({
  args: {},
  handler: async (ctx) => {
    const cutoff = Date.now() - STUCK_AFTER_MS;
    let swept = 0;
    for (const status of ["received", "retrying"] as const) {
      const stuck = await ctx.db
        .query("webhookDeliveries")
        .withIndex("by_status", (q) => q.eq("status", status).lt("receivedAt", cutoff))
        .take(100);
      for (const d of stuck) {
        if ((d.nextAttemptAt ?? d.receivedAt) > cutoff) continue;
        await failAttempt(ctx, d, "processing was lost; retried by the sweep");
        swept += 1;
      }
    }
    return swept;
  },
});

export type DeliveryId = Id<"webhookDeliveries">;
