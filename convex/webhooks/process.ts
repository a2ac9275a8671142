/**
 * Processing of one stored delivery, claimed by its lane of the webhook queue (queue.ts). The action reads the stored body once
 * (inline, or up to 20 MiB from file storage), parses it once and maps it outside any transaction;
 * the body and its parsed tree are dropped before anything is written. `applyDelivery` then writes
 * the records and the delivery's outcome; a large mapping (a push of up to 2,048 commits, an
 * installation of thousands of repositories) is cut into bounded transactions. A failure is retried
 * with backoff; either way the lane then goes on with its next delivery.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { mapWebhookEvent } from "../github/mapWebhook";
import type { WebhookMapping } from "../github/webhookMapping";
import { chunksOf } from "../model/chunks";

type StoredDelivery = Doc<"webhookDeliveries"> & { payload?: string };

/** The delivery's mapping; its text and parsed payload do not outlive this call. */
async function mapStored(ctx: ActionCtx, delivery: StoredDelivery): Promise<WebhookMapping> {
  const body = delivery.payload ?? (await readStored(ctx, delivery.payloadStorageId));
  if (body === undefined) throw new Error("the stored payload is missing");
  return mapWebhookEvent(delivery.event, JSON.parse(body));
}

/** The stored body as text; the Blob is not kept once decoded. */
async function readStored(ctx: ActionCtx, id: Id<"_storage"> | undefined): Promise<string | undefined> {
  if (!id) return undefined;
  const blob = await ctx.storage.get(id);
  return blob ? await blob.text() : undefined;
}

/** One action works through at most this many of its lane's deliveries, then hands over to a new one. */
const DELIVERIES_PER_ACTION = 50;
const ACTION_BUDGET_MS = 60_000;

/**
 * Processes a claimed delivery, then the deliveries its lane claims after it (queue.ts `next`), until
 * the lane is empty or the action's budget is spent (then a new action goes on).
 */
export const processDelivery = internalAction({
  args: { id: v.id("webhookDeliveries") },
  handler: async (ctx, { id }) => {
    const started = Date.now();
    let current: Id<"webhookDeliveries"> | null = id;
    for (let n = 1; current !== null; n++) {
      const lane = await processOne(ctx, current);
      if (lane === null) return;
      const handOver = n >= DELIVERIES_PER_ACTION || Date.now() - started > ACTION_BUDGET_MS;
      current = await ctx.runMutation(internal.webhooks.queue.next, { lane, ...(handOver && { handOver }) });
    }
  },
});

/** One claimed delivery, applied or failed; its lane, or null when it was not claimed (a duplicate) or failed. */
async function processOne(ctx: ActionCtx, id: Id<"webhookDeliveries">): Promise<number | null> {
  const delivery = await ctx.runQuery(internal.webhooks.deliveries.load, { id });
  if (delivery?.status !== "processing" || delivery.lane === undefined) return null;
  try {
    // Bounded transactions; the last one also records the outcome. Re-running after a failure
    // re-applies idempotent upserts.
    const parts = inTransactions(await mapStored(ctx, delivery));
    for (const [i, mapping] of parts.entries()) {
      const partial = i < parts.length - 1;
      await ctx.runMutation(internal.webhooks.apply.applyDelivery, { id, mapping, ...(partial && { partial }) });
    }
    // The sync health page's webhook lag, counted once the application has committed.
    await ctx.runMutation(internal.sync.health.recordDeliveryApplied, { id });
  } catch (error) {
    // Retried later; the failure hands the lane to its next delivery in a new action (queue.ts).
    await ctx.runMutation(internal.webhooks.deliveries.markFailed, {
      id,
      reason: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
  return delivery.lane;
}

/**
 * A mapping cut into parts that each fit one transaction: a big push (up to 2,048 commits) by its
 * records, an installation or repository change of thousands of repositories by its repositories.
 */
function inTransactions(mapping: WebhookMapping): WebhookMapping[] {
  if (mapping.outcome === "apply") {
    return chunksOf(mapping.records).map((records) => ({ ...mapping, records }));
  }
  if (mapping.outcome === "lifecycle") {
    const { change } = mapping;
    if (change.kind === "installation_created" || change.kind === "repositories_added") {
      return chunksOf(change.repositories).map((repositories) => ({ ...mapping, change: { ...change, repositories } }));
    }
    if (change.kind === "repositories_removed") {
      return chunksOf(change.githubIds).map((githubIds) => ({ ...mapping, change: { ...change, githubIds } }));
    }
  }
  return [mapping];
}
