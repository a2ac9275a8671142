/**
 * Processing of one stored delivery, scheduled at receipt. The action reads the stored body once
 * (inline, or up to 20 MiB from file storage), parses it once and maps it outside any transaction;
 * the body and its parsed tree are dropped before anything is written. `applyDelivery` then writes
 * the records and the delivery's outcome; a large mapping (a push of up to 2,048 commits) is cut
 * into bounded transactions. A failure is retried with backoff.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { mapWebhookEvent, type WebhookMapping } from "../github/mapWebhook";
import { chunksOf } from "../model/chunks";
import { isPending } from "./deliveries";

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

export const processDelivery = internalAction({
  args: { id: v.id("webhookDeliveries") },
  handler: async (ctx, { id }) => {
    const delivery = await ctx.runQuery(internal.webhooks.deliveries.load, { id });
    if (!delivery || !isPending(delivery)) return; // already applied (a duplicate schedule)
    try {
      const mapping = await mapStored(ctx, delivery);
      if (mapping.outcome !== "apply") {
        await ctx.runMutation(internal.webhooks.apply.applyDelivery, { id, mapping });
        return;
      }
      // Bounded transactions; the last one also records the outcome. Re-running after a failure
      // re-applies idempotent upserts.
      const { records, ...rest } = mapping;
      const chunks = chunksOf(records);
      for (const [i, chunk] of chunks.entries()) {
        const last = i === chunks.length - 1;
        await ctx.runMutation(internal.webhooks.apply.applyDelivery, {
          id,
          mapping: { ...rest, records: chunk },
          ...(!last && { partial: true }),
        });
      }
    } catch (error) {
      await ctx.runMutation(internal.webhooks.deliveries.markFailed, {
        id,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  },
});
