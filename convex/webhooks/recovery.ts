/**
 * Missed deliveries. GitHub does not retry a failed delivery by itself; it lists the app's recent
 * deliveries and redelivers on request. This cron asks, once per delivery, for each one GitHub
 * reports as failed and that we never stored — bounded per run.
 * https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, internalMutation, internalQuery } from "../_generated/server";
import { listHookDeliveries, requestRedelivery } from "../github/api";
import { githubAppForAction } from "../github/connection";
import { log } from "../log";

const MAX_REDELIVERIES_PER_RUN = 25;
const MAX_DELIVERY_PAGES_PER_RUN = 5;

/** Which of these GitHub delivery GUIDs we neither stored nor already asked to redeliver. */
export const unknownGuids = internalQuery({
  args: { guids: v.array(v.string()) },
  handler: async (ctx, { guids }) => {
    const unknown: string[] = [];
    for (const guid of guids) {
      const stored = await ctx.db
        .query("webhookDeliveries")
        .withIndex("by_delivery_id", (q) => q.eq("deliveryId", guid))
        .first();
      const asked = await ctx.db
        .query("redeliveryRequests")
        .withIndex("by_guid", (q) => q.eq("deliveryGuid", guid))
        .first();
      if (!stored && !asked) unknown.push(guid);
    }
    return unknown;
  },
});

export const rememberRedelivery = internalMutation({
  args: { deliveryGuid: v.string(), githubDeliveryId: v.number() },
  handler: async (ctx, args) => {
    await ctx.db.insert("redeliveryRequests", { ...args, requestedAt: Date.now() });
  },
});

export const recoverMissedDeliveries = internalAction({
  args: {},
  handler: async (ctx) => {
    const client = githubAppForAction(ctx).appClient();
    let requested = 0;
    let next: string | undefined;
    for (let page = 0; page < MAX_DELIVERY_PAGES_PER_RUN && requested < MAX_REDELIVERIES_PER_RUN; page++) {
      const res = await listHookDeliveries(client, next);
      // A delivery GitHub marks anything but "OK" never reached us intact; one it redelivered since is a new attempt with the same GUID.
      const failed = res.deliveries.filter((d) => d.status !== "OK" && !d.redelivery);
      const unknown = new Set(
        await ctx.runQuery(internal.webhooks.recovery.unknownGuids, { guids: [...new Set(failed.map((d) => d.guid))] }),
      );
      for (const d of failed) {
        if (!unknown.has(d.guid) || requested >= MAX_REDELIVERIES_PER_RUN) continue;
        unknown.delete(d.guid);
        // Remembered before asking: if the request fails we do not loop on it every run.
        await ctx.runMutation(internal.webhooks.recovery.rememberRedelivery, {
          deliveryGuid: d.guid,
          githubDeliveryId: d.id,
        });
        await requestRedelivery(client, d.id);
        requested += 1;
      }
      if (!res.next) break;
      next = res.next;
    }
    log.info("webhook.recovery", { requested });
    return requested;
  },
});
