/**
 * Webhook deliveries as received and processed (assembled by convex/schema.ts).
 *
 * - `webhookDeliveries` — written by `webhooks/` (receipt, processing, sweeps, replay); read by `webhooks/`, `dashboard/` (dead deliveries), `sync/` (health).
 * - `webhookPayloads` — written by `webhooks/`; read by `webhooks/`.
 * - `redeliveryRequests` — written by `webhooks/`; read by `webhooks/`.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

const deliveryStatus = v.union(
  v.literal("received"),
  /** Claimed by its lane (webhooks/queue.ts): being processed now. */
  v.literal("processing"),
  v.literal("processed"),
  v.literal("ignored"),
  v.literal("invalid"),
  v.literal("retrying"),
  v.literal("dead"),
);

export const webhookTables = {
  /**
   * Every signed webhook delivery, stored before it is processed (GitHub does not retry). The body
   * lives apart (`webhookPayloads`, or file storage when large: a push can reach 25 MB), so sweeps,
   * replays and the status query read small rows.
   */
  webhookDeliveries: defineTable({
    deliveryId: v.string(),
    event: v.string(),
    action: v.optional(v.string()),
    installationGithubId: v.optional(v.number()),
    /** The payload's `repository.id`, when it has one: who may see the delivery in the log. */
    repositoryGithubId: v.optional(v.number()),
    receivedAt: v.number(),
    bytes: v.number(),
    payloadStorageId: v.optional(v.id("_storage")),
    status: deliveryStatus,
    /** Its lane in the webhook queue (webhooks/queue.ts), and when the lane last claimed it. */
    lane: v.optional(v.number()),
    claimedAt: v.optional(v.number()),
    attempts: v.number(),
    nextAttemptAt: v.optional(v.number()),
    processedAt: v.optional(v.number()),
    /** Why it was ignored, failed or dead-lettered (for invalid payloads, the zod path that failed). */
    reason: v.optional(v.string()),
    invalidPath: v.optional(v.string()),
  })
    .index("by_delivery_id", ["deliveryId"])
    .index("by_status", ["status", "receivedAt"])
    .index("by_lane_status_received", ["lane", "status", "receivedAt"])
    .index("by_installation_received", ["installationGithubId", "receivedAt"])
    .index("by_installation_status_received", ["installationGithubId", "status", "receivedAt"]),

  /** The body of a delivery small enough to keep in the database. */
  webhookPayloads: defineTable({
    deliveryId: v.id("webhookDeliveries"),
    body: v.string(),
  }).index("by_delivery", ["deliveryId"]),

  /** Deliveries GitHub reported as failed that we asked it to redeliver (asked once each). */
  redeliveryRequests: defineTable({
    deliveryGuid: v.string(),
    githubDeliveryId: v.number(),
    requestedAt: v.number(),
  }).index("by_guid", ["deliveryGuid"]),
};
