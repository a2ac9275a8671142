/**
 * Slack notifications: `notifyDestinations` queues one delivery per enabled destination in the
 * caller's transaction (the alert engine's), and `send.ts`'s scheduled action sends it.
 *
 * First attempts go through a lane per destination (convex/lanes.ts): one message at a time to a Slack
 * webhook, oldest first (Slack takes about one per second per webhook); the send action works through
 * its lane, each outcome's transaction claiming the next. An outcome is recorded by `recordOutcome`,
 * which schedules a retry (30 s, 2 min, 10 min, 1 h; 5 attempts) in the same transaction, outside the
 * lane; a 429 keeps the lane until its Retry-After, holding the rest back in order; a revoked URL
 * disables the destination, and the deliveries behind it end unsent. A cron (`sweepLost`) sends again
 * an attempt whose action was lost. A delivery's `attempts` is its lease: an action whose attempt
 * number is stale does nothing, so an attempt is sent at most once per number.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { startNext as startNextInLane } from "../lanes";
import { log } from "../log";
import { errorText, MAX_ATTEMPTS, retryDelay, withoutUrls } from "./webhookUrl";

/** What an alert tells its destinations (the alert engine's alert, or a test message). */
interface AlertNotice {
  installationId: Id<"installations">;
  repositoryId?: Id<"repositories">;
  message: string;
  /** A page of the app about the alert, linked from the message. */
  url?: string;
  kind: string;
  /** The alert's id, kept in the delivery log (an `alerts` document can be passed as it is). */
  alertId?: string;
  _id?: string;
}

/** Slack's `text` is capped at 40,000 characters; a notification needs far less. */
export const MAX_TEXT = 3_000;
/** Destinations per installation (installation-wide and per team). */
export const MAX_DESTINATIONS = 20;

/** Slack mrkdwn needs `&`, `<` and `>` escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
const escapeMrkdwn = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function messageText(alert: Pick<AlertNotice, "message">, event: "opened" | "resolved" | "test"): string {
  const prefix = event === "opened" ? "Alert: " : event === "resolved" ? "Resolved: " : "";
  return `${prefix}${alert.message}`.slice(0, MAX_TEXT);
}

/** Slack's incoming-webhook body: `text` (the notification's fallback) and a block with the link. */
export function slackBody(d: Pick<Doc<"notificationDeliveries">, "text" | "link">): {
  text: string;
  blocks: unknown[];
} {
  const link = d.link && /^https?:\/\//.test(d.link) ? ` <${d.link.replace(/[<>|]/g, encodeURIComponent)}|Open>` : "";
  return {
    // Escaped in both: a title such as "<!channel>" must not ping anyone or forge a link.
    text: escapeMrkdwn(d.text),
    // Verbatim: Slack parses no plain "@here", "@channel" or user name in it as a mention (only the
    // link we build is markup), so no title or login we send can ping anyone.
    blocks: [{ type: "section", text: { type: "mrkdwn", text: `${escapeMrkdwn(d.text)}${link}`, verbatim: true } }],
  };
}

/** Whether a team's destination gets an alert: its repository is granted to the team or a parent team. */
export async function teamReads(
  ctx: MutationCtx,
  installation: Doc<"installations">,
  teamSlug: string,
  repositoryId: Id<"repositories">,
): Promise<boolean> {
  let team = await ctx.db
    .query("teams")
    .withIndex("by_account_slug", (q) => q.eq("accountId", installation.accountId).eq("slug", teamSlug))
    .unique();
  for (let depth = 0; team && depth < 10; depth++) {
    const teamGithubId = team.githubId;
    const grant = await ctx.db
      .query("repositoryGrants")
      .withIndex("by_installation_team", (q) =>
        q.eq("installationId", installation._id).eq("teamGithubId", teamGithubId).eq("repositoryId", repositoryId),
      )
      .first();
    if (grant) return true;
    const parent = team.parentGithubId;
    if (parent === undefined) return false;
    team = await ctx.db
      .query("teams")
      .withIndex("by_account_github_id", (q) => q.eq("accountId", installation.accountId).eq("githubId", parent))
      .unique();
  }
  return false;
}

type Attempt = { deliveryId: Id<"notificationDeliveries">; attempt: number };

const laneQuery = (ctx: MutationCtx, destinationId: Id<"notificationDestinations">, status: "sending" | "queued") =>
  ctx.db
    .query("notificationDeliveries")
    .withIndex("by_destination_status_created", (q) => q.eq("destinationId", destinationId).eq("status", status))
    .first();

/** Unless the destination's lane is busy, claim its oldest queued delivery (the caller sends it). */
async function claimNext(ctx: MutationCtx, destinationId: Id<"notificationDestinations">): Promise<Attempt | null> {
  let claimed: Attempt | null = null;
  await startNextInLane<Doc<"notificationDeliveries">>({
    busy: async () =>
      (await laneQuery(ctx, destinationId, "sending")) !== null ||
      (await ctx.db
        .query("notificationDeliveries")
        .withIndex("by_destination_holding", (q) => q.eq("destinationId", destinationId).eq("holdingLane", true))
        .first()) !== null,
    oldest: () => laneQuery(ctx, destinationId, "queued"),
    claim: async (next) => {
      await ctx.db.patch(next._id, { status: "sending", nextAttemptAt: Date.now() });
      claimed = { deliveryId: next._id, attempt: next.attempts + 1 };
    },
  });
  return claimed;
}

async function startNext(ctx: MutationCtx, destinationId: Id<"notificationDestinations">) {
  const next = await claimNext(ctx, destinationId);
  if (next) await ctx.scheduler.runAfter(0, internal.notify.send.sendDelivery, next);
}

/** Attempting: its first attempt claimed by its lane, a retry, or a 429 waiting out its Retry-After. */
const attempting = (d: Doc<"notificationDeliveries">) => d.status === "sending" || d.status === "retrying";

/** Insert a delivery and start its destination's lane if idle. */
export async function queueDelivery(
  ctx: MutationCtx,
  destination: Doc<"notificationDestinations">,
  fields: Pick<Doc<"notificationDeliveries">, "event" | "text" | "link" | "alertId">,
): Promise<Id<"notificationDeliveries">> {
  const now = Date.now();
  const id = await ctx.db.insert("notificationDeliveries", {
    installationId: destination.installationId,
    destinationId: destination._id,
    destinationLabel: destination.label,
    ...fields,
    status: "queued",
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  });
  await startNext(ctx, destination._id);
  return id;
}

/**
 * Queue the alert for every enabled destination of its installation (a team's only for its
 * repositories' alerts). Called in the alert engine's transaction: a destination's problem is logged
 * and skipped, never thrown, so the in-app notification is written whatever happens here.
 * Returns the number of deliveries queued.
 */
export async function notifyDestinations(
  ctx: MutationCtx,
  alert: AlertNotice,
  event: "opened" | "resolved",
): Promise<number> {
  let queued = 0;
  try {
    const installation = await ctx.db.get(alert.installationId);
    if (!installation || installation.status === "deleted") return 0;
    const destinations = await ctx.db
      .query("notificationDestinations")
      .withIndex("by_installation_kind", (q) => q.eq("installationId", alert.installationId).eq("kind", "slack"))
      .take(MAX_DESTINATIONS);
    const text = messageText(alert, event);
    for (const destination of destinations) {
      // A daily destination gets the day's digest instead (notify/digest.ts).
      if (!destination.enabled || destination.cadence === "daily") continue;
      try {
        if (destination.teamSlug !== undefined) {
          if (!alert.repositoryId || !(await teamReads(ctx, installation, destination.teamSlug, alert.repositoryId)))
            continue;
        }
        await queueDelivery(ctx, destination, {
          event,
          text,
          ...(alert.url !== undefined && { link: alert.url }),
          ...((alert.alertId ?? alert._id) !== undefined && { alertId: alert.alertId ?? alert._id }),
        });
        queued++;
      } catch (error) {
        log.error("notify.queue_failed", { destinationId: destination._id, error: errorText(error) });
      }
    }
  } catch (error) {
    log.error("notify.queue_failed", { installationId: alert.installationId, error: errorText(error) });
  }
  return queued;
}

/** The send action's view of a delivery: its body and URL, if attempt `attempt` is still due. */
export const claim = internalQuery({
  args: { deliveryId: v.id("notificationDeliveries"), attempt: v.number() },
  handler: async (ctx, { deliveryId, attempt }) => {
    const delivery = await ctx.db.get(deliveryId);
    if (!delivery || !attempting(delivery)) return null;
    if (delivery.attempts !== attempt - 1) return null; // another attempt ran or is running
    const destination = await ctx.db.get(delivery.destinationId);
    if (destination?.kind === "push" && destination.push) {
      // A browser's notification: what the service worker shows (src/pwa/sw.ts), encrypted by send.ts.
      const { p256dh, auth } = destination.push;
      const body = {
        title: "Syncboard",
        body: delivery.text,
        url: delivery.link ?? "/",
        tag: delivery.alertId ?? delivery._id,
      };
      return { url: destination.enabled ? destination.url : null, push: { p256dh, auth }, body };
    }
    return {
      url: destination?.enabled ? destination.url : null,
      body: slackBody(delivery),
    };
  },
});

const outcome = v.union(
  v.object({ kind: v.literal("sent") }),
  v.object({ kind: v.literal("retry"), error: v.string(), afterMs: v.optional(v.number()) }),
  v.object({ kind: v.literal("revoked"), reason: v.string() }),
  v.object({ kind: v.literal("rejected"), error: v.string() }),
  /** The destination was removed or disabled before the attempt. */
  v.object({ kind: v.literal("skipped"), error: v.string() }),
);

type Outcome = Infer<typeof outcome>;
const scrubbedOutcome = (o: Outcome): Outcome =>
  "error" in o ? { ...o, error: withoutUrls(o.error) } : "reason" in o ? { ...o, reason: withoutUrls(o.reason) } : o;

/**
 * Attempt `attempt` ended: sent, retried with backoff, failed, or dead (and the destination disabled).
 * Returns the lane's next delivery, claimed for the same action to send, when this one held the lane.
 */
export const recordOutcome = internalMutation({
  args: { deliveryId: v.id("notificationDeliveries"), attempt: v.number(), outcome },
  handler: async (ctx, { deliveryId, attempt, outcome: reported }): Promise<Attempt | null> => {
    const delivery = await ctx.db.get(deliveryId);
    if (!delivery || delivery.attempts !== attempt - 1 || !attempting(delivery)) return null;
    await recordAttempt(ctx, delivery, attempt, reported);
    const heldLane = delivery.status === "sending" || delivery.holdingLane === true;
    const holdsLane = (await ctx.db.get(deliveryId))?.holdingLane === true;
    return heldLane && !holdsLane ? claimNext(ctx, delivery.destinationId) : null;
  },
});

async function recordAttempt(
  ctx: MutationCtx,
  delivery: Doc<"notificationDeliveries">,
  attempt: number,
  reported: Outcome,
) {
  const deliveryId = delivery._id;
  const now = Date.now();
  // The one place an outcome becomes stored and logged text: never with a URL in it.
  const outcome = scrubbedOutcome(reported);
  switch (outcome.kind) {
    case "sent":
      await ctx.db.patch(deliveryId, {
        status: "sent",
        attempts: attempt,
        holdingLane: undefined,
        sentAt: now,
        nextAttemptAt: undefined,
        lastError: undefined,
      });
      return;
    case "skipped":
    case "rejected":
      await ctx.db.patch(deliveryId, {
        status: "failed",
        attempts: attempt,
        holdingLane: undefined,
        lastError: outcome.error,
        nextAttemptAt: undefined,
      });
      return;
    case "revoked": {
      await ctx.db.patch(deliveryId, {
        status: "dead",
        attempts: attempt,
        holdingLane: undefined,
        lastError: outcome.reason,
        nextAttemptAt: undefined,
      });
      const destination = await ctx.db.get(delivery.destinationId);
      // An expired push subscription is removed (the browser subscribes again when its owner opts in).
      if (destination?.kind === "push") {
        await ctx.db.delete(destination._id);
        log.info("notify.push_expired", { destinationId: destination._id });
        return;
      }
      if (destination?.enabled) {
        await ctx.db.patch(destination._id, { enabled: false, disabledReason: outcome.reason });
        await ctx.db.insert("destinationChanges", {
          installationId: destination.installationId,
          destinationId: destination._id,
          action: "disabled",
          label: destination.label,
          hint: destination.hint,
          by: "Syncboard",
          at: now,
          reason: outcome.reason,
        });
        log.warn("notify.destination_disabled", { destinationId: destination._id, reason: outcome.reason });
      }
      return;
    }
    case "retry": {
      const delay = retryDelay(attempt, outcome.afterMs);
      if (delay === null) {
        await ctx.db.patch(deliveryId, {
          status: "failed",
          attempts: attempt,
          holdingLane: undefined,
          lastError: `${outcome.error} (gave up after ${MAX_ATTEMPTS} attempts)`,
          nextAttemptAt: undefined,
        });
        log.warn("notify.delivery_failed", { deliveryId, error: outcome.error });
        return;
      }
      await ctx.db.patch(deliveryId, {
        status: "retrying",
        attempts: attempt,
        lastError: outcome.error,
        nextAttemptAt: now + delay,
        // Slack asked this destination to wait: the rest of its lane waits too. Other failures retry outside it.
        holdingLane: outcome.afterMs !== undefined || undefined,
      });
      await ctx.scheduler.runAfter(delay, internal.notify.send.sendDelivery, { deliveryId, attempt: attempt + 1 });
      return;
    }
  }
}

/** An attempt this overdue lost its scheduled action (a crash before it recorded its outcome). */
const LOST_AFTER_MS = 10 * 60_000;

/** Cron: reschedule attempts whose action was lost (at most 100 per run). */
export const sweepLost = internalMutation({
  args: {},
  handler: async (ctx) => {
    const cutoff = Date.now() - LOST_AFTER_MS;
    let swept = 0;
    for (const status of ["sending", "queued", "retrying"] as const) {
      const lost = await ctx.db
        .query("notificationDeliveries")
        .withIndex("by_status_next", (q) => q.eq("status", status).lt("nextAttemptAt", cutoff))
        .take(50);
      for (const d of lost) {
        if (d.status === "queued") await startNext(ctx, d.destinationId);
        else {
          await ctx.db.patch(d._id, { nextAttemptAt: Date.now() });
          await ctx.scheduler.runAfter(0, internal.notify.send.sendDelivery, {
            deliveryId: d._id,
            attempt: d.attempts + 1,
          });
        }
        swept++;
      }
    }
    return swept;
  },
});
