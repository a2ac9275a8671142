/**
 * The delivery log: recorded once per delivery id (a redelivery is acknowledged, not re-applied),
 * processed through the webhook queue (queue.ts: at most `LANES` at once, retried with jittered
 * backoff, dead-lettered after `MAX_DELIVERY_ATTEMPTS`), and replayable by an operator.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type DatabaseReader, type MutationCtx } from "../_generated/server";
import { enqueue, failAttempt, laneOf, startNext } from "./queue";

/** A delivery waiting or processing this long lost its lane's scheduled work (an action died). */
const STUCK_AFTER_MS = 5 * 60_000;

export const record = internalMutation({
  args: {
    deliveryId: v.string(),
    event: v.string(),
    action: v.optional(v.string()),
    installationGithubId: v.optional(v.number()),
    repositoryGithubId: v.optional(v.number()),
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
    const { payload, ...fields } = args;
    const lane = laneOf(args);
    const id = await ctx.db.insert("webhookDeliveries", {
      ...fields,
      receivedAt: Date.now(),
      status: "received",
      lane,
      attempts: 0,
    });
    if (payload !== undefined) await ctx.db.insert("webhookPayloads", { deliveryId: id, body: payload });
    await startNext(ctx, lane);
    return { duplicate: false };
  },
});

const inlinePayload = (db: DatabaseReader, deliveryId: Id<"webhookDeliveries">) =>
  db
    .query("webhookPayloads")
    .withIndex("by_delivery", (q) => q.eq("deliveryId", deliveryId))
    .unique();

/** A delivery with its body when it is kept in the database (else `payloadStorageId` points to it). */
export const load = internalQuery({
  args: { id: v.id("webhookDeliveries") },
  handler: async (ctx, { id }) => {
    const delivery = await ctx.db.get(id);
    if (!delivery) return null;
    return { ...delivery, payload: (await inlinePayload(ctx.db, id))?.body };
  },
});

/** Processing threw: retry after a jittered backoff, or dead-letter with the reason (queue.ts). */
export const markFailed = internalMutation({
  args: { id: v.id("webhookDeliveries"), reason: v.string() },
  handler: async (ctx, { id, reason }) => {
    const d = await ctx.db.get(id);
    if (d && isPending(d)) await failAttempt(ctx, d, reason);
  },
});

export const isPending = (d: Pick<Doc<"webhookDeliveries">, "status">) =>
  d.status === "received" || d.status === "processing" || d.status === "retrying";

/** Process a delivery again from its first attempt (operators, and the sync health page's replay button). */
export async function requeue(ctx: MutationCtx, d: Doc<"webhookDeliveries">) {
  await ctx.db.patch(d._id, { status: "retrying", attempts: 0, nextAttemptAt: Date.now() });
  await ctx.scheduler.runAfter(0, internal.webhooks.queue.wake, { id: d._id });
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

/**
 * Cron sweep: work the queue lost (scheduled actions are never retried). A delivery processing for
 * `STUCK_AFTER_MS` lost its action: the attempt failed. One received that long ago, or a retry
 * overdue that long, lost its lane's hand-over or its wake: it (re)enters its lane.
 */
export const sweepStuck = internalMutation({
  args: {},
  handler: async (ctx) => {
    const cutoff = Date.now() - STUCK_AFTER_MS;
    let swept = 0;
    for (const status of ["processing", "received", "retrying"] as const) {
      const stuck = await ctx.db
        .query("webhookDeliveries")
        .withIndex("by_status", (q) => q.eq("status", status).lt("receivedAt", cutoff))
        .take(100);
      for (const d of stuck) {
        if ((d.claimedAt ?? d.nextAttemptAt ?? d.receivedAt) > cutoff) continue;
        if (status === "processing") await failAttempt(ctx, d, "processing was lost; retried by the sweep");
        else await enqueue(ctx, d, {});
        swept += 1;
      }
    }
    return swept;
  },
});

/** Applied and ignored deliveries are kept this long (GitHub's own delivery log keeps 3 days). */
const KEEP_DELIVERIES_MS = 7 * 24 * 3_600_000;
const PRUNE_BATCH = 100;

/**
 * Daily retention: deletes applied and ignored deliveries older than `KEEP_DELIVERIES_MS` with
 * their bodies, a batch per transaction. Invalid and dead-lettered ones stay for an operator.
 */
export const pruneDeliveries = internalMutation({
  args: {},
  handler: async (ctx) => {
    const cutoff = Date.now() - KEEP_DELIVERIES_MS;
    let more = false;
    for (const status of ["processed", "ignored"] as const) {
      const old = await ctx.db
        .query("webhookDeliveries")
        .withIndex("by_status", (q) => q.eq("status", status).lt("receivedAt", cutoff))
        .take(PRUNE_BATCH);
      more ||= old.length === PRUNE_BATCH;
      for (const d of old) {
        const inline = await inlinePayload(ctx.db, d._id);
        if (inline) await ctx.db.delete(inline._id);
        if (d.payloadStorageId) await ctx.storage.delete(d.payloadStorageId);
        await ctx.db.delete(d._id);
      }
    }
    if (more) await ctx.scheduler.runAfter(0, internal.webhooks.deliveries.pruneDeliveries, {});
  },
});
