/**
 * Processing of one stored delivery, scheduled at receipt. The action parses and maps the payload
 * (which may be 20 MiB, from file storage) outside any transaction; `applyDelivery` then writes it in
 * bounded transactions, the last of which records the delivery's outcome. A failure is retried with
 * backoff; re-running after a failure re-applies idempotent upserts.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction } from "../_generated/server";
import { mapWebhookEvent, type WebhookMapping } from "../github/mapWebhook";
import { chunksOf } from "../model/chunks";
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
      const parts = inTransactions(mapWebhookEvent(delivery.event, JSON.parse(text)));
      for (const [i, mapping] of parts.entries()) {
        const partial = i < parts.length - 1;
        await ctx.runMutation(internal.webhooks.apply.applyDelivery, { id, mapping, ...(partial && { partial }) });
      }
    } catch (error) {
      await ctx.runMutation(internal.webhooks.deliveries.markFailed, {
        id,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  },
});

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
