/**
 * Processing of one stored delivery, scheduled at receipt. The action parses and maps the payload
 * (which may be 25 MB, from file storage) outside any transaction; `applyDelivery` then writes the
 * records and the delivery's outcome in one transaction. A failure is retried with backoff.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction } from "../_generated/server";
import { mapWebhookEvent } from "../github/mapWebhook";
import { RECORDS_PER_MUTATION } from "../sync/worker";
import { isPending } from "./deliveries";

export const processDelivery = internalAction({
  args: { id: v.id("webhookDeliveries") },
  handler: async (ctx, { id }) => {
    const delivery = await ctx.runQuery(internal.webhooks.deliveries.load, { id });
    if (!delivery || !isPending(delivery)) return; // already applied (a duplicate schedule)
    try {
      const text =
        delivery.payload ??
        (delivery.payloadStorageId ? await (await ctx.storage.get(delivery.payloadStorageId))?.text() : undefined);
      if (text === undefined) throw new Error("the stored payload is missing");
      const mapping = mapWebhookEvent(delivery.event, JSON.parse(text));
      if (mapping.outcome === "apply" && mapping.records.length > RECORDS_PER_MUTATION) {
        // A big push (up to 2,048 commits) is written in bounded transactions; the last one also
        // records the outcome. Re-running after a failure re-applies idempotent upserts.
        const { records, ...rest } = mapping;
        for (let i = 0; i < records.length - RECORDS_PER_MUTATION; i += RECORDS_PER_MUTATION) {
          await ctx.runMutation(internal.webhooks.apply.applyDelivery, {
            id,
            mapping: { ...rest, records: records.slice(i, i + RECORDS_PER_MUTATION) },
            partial: true,
          });
        }
        const last = records.slice(Math.floor((records.length - 1) / RECORDS_PER_MUTATION) * RECORDS_PER_MUTATION);
        await ctx.runMutation(internal.webhooks.apply.applyDelivery, { id, mapping: { ...rest, records: last } });
      } else {
        await ctx.runMutation(internal.webhooks.apply.applyDelivery, { id, mapping });
      }
    } catch (error) {
      await ctx.runMutation(internal.webhooks.deliveries.markFailed, {
        id,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  },
});
