/**
 * Notifications to Slack and to browsers (Web Push), assembled by convex/schema.ts. Destinations' URLs
 * (a Slack webhook, a push service endpoint) and push keys are secrets: only `notify/send.ts` reads them.
 *
 * - `notificationDestinations` — written by `notify/` (administrators' settings, a delivery disabling a revoked URL, the digest marking its day); read by `notify/`.
 * - `destinationChanges` — written by `notify/`; read by `notify/` (the settings' audit log).
 * - `notificationDeliveries` — written by `notify/` (queue, send, retries, purge); read by `notify/`.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const notifyTables = {
  /**
   * Where alerts are sent besides the app: a Slack incoming webhook per installation, or per team
   * (alerts about the repositories granted to that team). `url` is a secret: only convex/notify/send.ts
   * reads it to send; no public function returns it (`hint` is what the settings show). Owned by
   * convex/notify/.
   */
  notificationDestinations: defineTable({
    installationId: v.id("installations"),
    /**
     * "slack": an administrator's incoming webhook; "push": one person's browser on one device (notify/push.ts),
     * sent their own alerts through the same queue, removed when the push service says it expired (404/410).
     */
    kind: v.union(v.literal("slack"), v.literal("push")),
    url: v.string(),
    /** A push subscription's owner and keys (secrets, like the endpoint in `url`). */
    push: v.optional(v.object({ userId: v.id("users"), p256dh: v.string(), auth: v.string() })),
    /** "hooks.slack.com/…/abcd": the host and at most the URL's last 4 characters. */
    hint: v.string(),
    label: v.string(),
    teamSlug: v.optional(v.string()),
    enabled: v.boolean(),
    disabledReason: v.optional(v.string()),
    /** "realtime" (absent): a message per alert opened or resolved; "daily": one digest a day (notify/digest.ts). */
    cadence: v.optional(v.union(v.literal("realtime"), v.literal("daily"))),
    /** The UTC day (ms at 00:00) of the last digest queued, so a day gets at most one. */
    digestDay: v.optional(v.number()),
    createdBy: v.string(),
    createdAt: v.number(),
    updatedBy: v.string(),
    updatedAt: v.number(),
  })
    .index("by_installation", ["installationId"])
    .index("by_installation_kind", ["installationId", "kind"])
    .index("by_url", ["url"])
    .index("by_cadence", ["cadence"]),

  /** The destinations' audit log: who added, replaced, removed, re-enabled, or what disabled one, and when. */
  destinationChanges: defineTable({
    installationId: v.id("installations"),
    destinationId: v.id("notificationDestinations"),
    action: v.union(
      v.literal("added"),
      v.literal("replaced"),
      v.literal("removed"),
      v.literal("disabled"),
      v.literal("enabled"),
    ),
    label: v.string(),
    hint: v.string(),
    /** The administrator's login, or "Syncboard" when a delivery disabled the destination. */
    by: v.string(),
    at: v.number(),
    reason: v.optional(v.string()),
  }).index("by_installation_at", ["installationId", "at"]),

  /** One message to one destination: the Slack delivery log (retries with backoff, dead when revoked). */
  notificationDeliveries: defineTable({
    installationId: v.id("installations"),
    destinationId: v.id("notificationDestinations"),
    destinationLabel: v.string(),
    alertId: v.optional(v.string()),
    /** "report": a saved report's weekly summary (convex/reports/weekly.ts). */
    event: v.union(
      v.literal("opened"),
      v.literal("resolved"),
      v.literal("test"),
      v.literal("digest"),
      v.literal("report"),
    ),
    /** The message (Slack's `text`, the notification's fallback) and the alert's page, linked in a block. */
    text: v.string(),
    link: v.optional(v.string()),
    status: v.union(
      v.literal("queued"),
      /** Claimed by its destination's lane (notify/slack.ts): its first attempt is being sent. */
      v.literal("sending"),
      v.literal("sent"),
      v.literal("retrying"),
      v.literal("failed"),
      v.literal("dead"),
    ),
    attempts: v.number(),
    nextAttemptAt: v.optional(v.number()),
    lastError: v.optional(v.string()),
    createdAt: v.number(),
    sentAt: v.optional(v.number()),
    /** Retrying after a 429: it keeps its destination's lane until Slack's Retry-After has passed. */
    holdingLane: v.optional(v.boolean()),
  })
    .index("by_installation_created", ["installationId", "createdAt"])
    .index("by_status_next", ["status", "nextAttemptAt"])
    .index("by_destination", ["destinationId"])
    /** The destination's lane (notify/slack.ts): the oldest queued first, one being sent at a time. */
    .index("by_destination_status_created", ["destinationId", "status", "createdAt"])
    .index("by_destination_holding", ["destinationId", "holdingLane"])
    /** Retention (notify/purge.ts): the delivery log keeps 30 days. */
    .index("by_created", ["createdAt"]),
};
