/**
 * Web Push (issue 25): a person opts in per device; each alert that concerns them (the Alerts page's
 * "mine": about them or a team of theirs, their pull request, or about nobody in particular) and that
 * they may read arrives as a notification whose click opens the pull request. A subscription is a
 * destination of kind "push" (notify/tables.ts): the same queue, lanes and retries as Slack
 * (slack.ts, send.ts), its endpoint and keys as secret as a Slack URL — no function returns them; one
 * the push service says expired (404/410) is removed. VAPID keys come from the environment
 * (`SYNCBOARD_VAPID_PUBLIC_KEY`, `SYNCBOARD_VAPID_PRIVATE_KEY`, `SYNCBOARD_VAPID_SUBJECT`).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { viewerOfUser, viewerReviewerKeys } from "../access";
import { installationMutation, installationQuery } from "../builders";
import { concerns, RepositoryVisibility, shownTo } from "../dashboard/visibility";
import { fail } from "../messages";
import { messageText, queueDelivery } from "./slack";

/** Devices per installation that get pushes (each alert reads at most this many subscriptions). */
const MAX_SUBSCRIPTIONS = 200;
const MAX_LABEL = 80;
const BASE64URL = /^[A-Za-z0-9_-]+=*$/;

/** The public VAPID key the browser subscribes with; null when push is not configured. */
const vapidPublicKey = () =>
  process.env.SYNCBOARD_VAPID_PUBLIC_KEY && process.env.SYNCBOARD_VAPID_PRIVATE_KEY
    ? process.env.SYNCBOARD_VAPID_PUBLIC_KEY
    : null;

/** A push service's endpoint: https (a browser's), or a host allowed for local development. */
function validEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail("invalid_push_subscription");
  }
  const allowed = (process.env.SYNCBOARD_PUSH_HOSTS ?? "").split(",").filter(Boolean);
  if (url.protocol !== "https:" && !allowed.includes(url.origin)) fail("invalid_push_subscription");
  return url.toString();
}

/** Whether push is available, and how many of the caller's devices receive it (never their endpoints). */
export const settings = installationQuery({
  args: {},
  hidden: null,
  handler: async (ctx, { installationId }) => {
    const mine = (await subscriptionsOf(ctx, installationId)).filter((d) => d.push?.userId === ctx.viewer.userId);
    return { publicKey: vapidPublicKey(), devices: mine.map((d) => ({ label: d.label, hint: d.hint })) };
  },
});

export const subscribe = installationMutation({
  args: { endpoint: v.string(), p256dh: v.string(), auth: v.string(), label: v.string() },
  handler: async (ctx, { endpoint, p256dh, auth, label }) => {
    const installationId = ctx.installation._id;
    if (!vapidPublicKey()) fail("push_not_configured");
    const url = validEndpoint(endpoint);
    if (!BASE64URL.test(p256dh) || !BASE64URL.test(auth) || p256dh.length > 200 || auth.length > 100) {
      fail("invalid_push_subscription");
    }
    const name = label.trim().slice(0, MAX_LABEL) || "Browser";
    const now = Date.now();
    // One device, one subscription: the same endpoint signed in again (as anyone) replaces it.
    for (const old of await ctx.db
      .query("notificationDestinations")
      .withIndex("by_url", (q) => q.eq("url", url))
      .take(10)) {
      if (old.kind === "push") await ctx.db.delete(old._id);
    }
    if ((await subscriptionsOf(ctx, installationId)).length >= MAX_SUBSCRIPTIONS)
      fail("too_many_push_devices", MAX_SUBSCRIPTIONS);
    await ctx.db.insert("notificationDestinations", {
      installationId,
      kind: "push",
      url,
      push: { userId: ctx.viewer.userId, p256dh, auth },
      hint: `${new URL(url).host} · ${ctx.viewer.login}`,
      label: name,
      enabled: true,
      createdBy: ctx.viewer.login,
      createdAt: now,
      updatedBy: ctx.viewer.login,
      updatedAt: now,
    });
    return { subscribed: true };
  },
});

/** This device stops receiving pushes (the caller's own subscription only). */
export const unsubscribe = installationMutation({
  args: { endpoint: v.string() },
  handler: async (ctx, { endpoint }) => {
    let removed = 0;
    for (const d of await ctx.db
      .query("notificationDestinations")
      .withIndex("by_url", (q) => q.eq("url", endpoint))
      .take(10)) {
      if (d.kind === "push" && d.push?.userId === ctx.viewer.userId) {
        await ctx.db.delete(d._id);
        removed++;
      }
    }
    return { removed };
  },
});

function subscriptionsOf(ctx: Pick<QueryCtx, "db">, installationId: Id<"installations">) {
  return ctx.db
    .query("notificationDestinations")
    .withIndex("by_installation_kind", (q) => q.eq("installationId", installationId).eq("kind", "push"))
    .take(MAX_SUBSCRIPTIONS);
}

/**
 * An alert opened: one push to each subscribed device of each person it concerns who may read it.
 * Called in the alert engine's transaction, like `notifyDestinations`; resolutions are not pushed.
 */
export async function notifyPushSubscribers(ctx: MutationCtx, alert: Doc<"alerts">): Promise<number> {
  const installation = await ctx.db.get(alert.installationId);
  if (!installation || installation.status === "deleted") return 0;
  const devices = await subscriptionsOf(ctx, alert.installationId);
  const verdicts = new Map<Id<"users">, Promise<boolean>>();
  const concerned = (userId: Id<"users">) => {
    if (!verdicts.has(userId)) verdicts.set(userId, concernsUser(ctx, installation, alert, userId));
    return verdicts.get(userId)!;
  };
  let queued = 0;
  for (const device of devices) {
    if (!device.enabled || !device.push || !(await concerned(device.push.userId))) continue;
    await queueDelivery(ctx, device, {
      event: "opened",
      text: messageText(alert, "opened"),
      ...(alert.url !== undefined && { link: alert.url }),
      alertId: alert._id,
    });
    queued++;
  }
  return queued;
}

async function concernsUser(
  ctx: MutationCtx,
  installation: Doc<"installations">,
  alert: Doc<"alerts">,
  userId: Id<"users">,
): Promise<boolean> {
  const viewer = await viewerOfUser(ctx, userId);
  if (!viewer) return false;
  const visibility = await RepositoryVisibility.of(ctx, installation, viewer);
  if (!(await shownTo(visibility, alert))) return false;
  const keys = new Set(await viewerReviewerKeys(ctx, installation, viewer));
  return concerns(alert, alert.reviewer ?? null, keys, viewer.login);
}
