/**
 * The settings page's Slack destinations. Every member who sees the installation reads them (label,
 * team, a hint of the URL, whether they are enabled and why not, and the audit log); only its
 * administrators (`canAdminister`) add, replace, remove, re-enable or test one, and read the delivery
 * log. The URL is write-only: no function here returns it, and every change is logged with who and when.
 */
import { installationMutation, installationPaginatedQuery, installationQuery } from "../builders";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { type MutationCtx } from "../_generated/server";

import { canAdminister } from "../access";
import { MAX_DESTINATIONS, messageText, queueDelivery } from "./slack";
import { checkWebhookUrl, urlHint, withoutUrls } from "./webhookUrl";
import { fail } from "../messages";

/** The audit lines the settings show (the newest). */
const CHANGES_SHOWN = 20;
const MAX_LABEL = 80;

type Action = Doc<"destinationChanges">["action"];

/**
 * What the mutations about one destination share: its installation's administrators only, found through
 * the destination (one the caller may not see fails exactly like a missing one).
 */
const aboutDestination = {
  admin: true,
  notFound: "destination_not_found" as const,
  // A person's push subscription is theirs (notify/push.ts), not a destination administrators manage.
  installationOf: async (ctx: MutationCtx, { destinationId }: { destinationId: Id<"notificationDestinations"> }) => {
    const destination = await ctx.db.get(destinationId);
    return destination?.kind === "slack" ? destination.installationId : null;
  },
};
const destinationArg = { destinationId: v.id("notificationDestinations") };

function validUrl(raw: string): string {
  const checked = checkWebhookUrl(raw, process.env.SYNCBOARD_SLACK_WEBHOOK_HOSTS);
  if ("error" in checked) fail("invalid_webhook_url", checked.error);
  return checked.url;
}

function validLabel(raw: string): string {
  const label = raw.trim();
  if (label.length === 0 || label.length > MAX_LABEL) fail("invalid_label", MAX_LABEL);
  return label;
}

async function logChange(
  ctx: MutationCtx,
  destination: Pick<Doc<"notificationDestinations">, "_id" | "installationId" | "label" | "hint">,
  action: Action,
  by: string,
  reason?: string,
) {
  await ctx.db.insert("destinationChanges", {
    installationId: destination.installationId,
    destinationId: destination._id,
    action,
    label: destination.label,
    hint: destination.hint,
    by,
    at: Date.now(),
    ...(reason !== undefined && { reason }),
  });
}

export const list = installationQuery({
  hidden: null,
  args: {},
  handler: async (ctx, { installationId }) => {
    const { installation } = ctx;
    const [canEdit, destinations, changes] = await Promise.all([
      canAdminister(ctx, installation, ctx.viewer),
      ctx.db
        .query("notificationDestinations")
        .withIndex("by_installation_kind", (q) => q.eq("installationId", installationId).eq("kind", "slack"))
        .take(MAX_DESTINATIONS),
      ctx.db
        .query("destinationChanges")
        .withIndex("by_installation_at", (q) => q.eq("installationId", installationId))
        .order("desc")
        .take(CHANGES_SHOWN),
    ]);
    return {
      canEdit,
      // Field by field: never the stored `url`.
      destinations: destinations.map((d) => ({
        id: d._id,
        kind: d.kind,
        label: d.label,
        hint: d.hint,
        teamSlug: d.teamSlug ?? null,
        enabled: d.enabled,
        disabledReason: d.disabledReason ?? null,
        cadence: d.cadence ?? "realtime",
        createdBy: d.createdBy,
        createdAt: d.createdAt,
        updatedBy: d.updatedBy,
        updatedAt: d.updatedAt,
      })),
      changes: changes.map((c) => ({
        id: c._id,
        destinationId: c.destinationId,
        action: c.action,
        label: c.label,
        hint: c.hint,
        by: c.by,
        at: c.at,
        reason: c.reason ?? null,
      })),
    };
  },
});

export const add = installationMutation({
  admin: true,
  args: {
    url: v.string(),
    label: v.string(),
    teamSlug: v.optional(v.string()),
  },
  handler: async (ctx, { url: rawUrl, label: rawLabel, teamSlug }) => {
    const { viewer, installation } = ctx;
    const installationId = installation._id;
    const url = validUrl(rawUrl);
    const label = validLabel(rawLabel);
    const existing = await ctx.db
      .query("notificationDestinations")
      .withIndex("by_installation_kind", (q) => q.eq("installationId", installationId).eq("kind", "slack"))
      .take(MAX_DESTINATIONS);
    if (existing.length >= MAX_DESTINATIONS) fail("too_many_destinations", MAX_DESTINATIONS);
    if (existing.some((d) => d.url === url)) fail("duplicate_destination");
    if (teamSlug !== undefined) {
      const team = await ctx.db
        .query("teams")
        .withIndex("by_account_slug", (q) => q.eq("accountId", installation.accountId).eq("slug", teamSlug))
        .unique();
      if (!team) fail("unknown_team", teamSlug, installation.accountLogin);
    }
    const now = Date.now();
    const fields = {
      installationId,
      kind: "slack" as const,
      url,
      hint: urlHint(url),
      label,
      ...(teamSlug !== undefined && { teamSlug }),
      enabled: true,
      createdBy: viewer.login,
      createdAt: now,
      updatedBy: viewer.login,
      updatedAt: now,
    };
    const id = await ctx.db.insert("notificationDestinations", fields);
    await logChange(ctx, { _id: id, ...fields }, "added", viewer.login);
    return id;
  },
});

/** A new URL for a destination (Slack shows a new one when a webhook is re-created); re-enables it. */
export const replaceUrl = installationMutation({
  ...aboutDestination,
  args: { ...destinationArg, url: v.string() },
  handler: async (ctx, { destinationId, url: rawUrl }) => {
    const { viewer } = ctx;
    const destination = (await ctx.db.get(destinationId))!;
    const url = validUrl(rawUrl);
    const fields = {
      url,
      hint: urlHint(url),
      enabled: true,
      disabledReason: undefined,
      updatedBy: viewer.login,
      updatedAt: Date.now(),
    };
    await ctx.db.patch(destinationId, fields);
    await logChange(ctx, { ...destination, ...fields }, "replaced", viewer.login);
  },
});

export const remove = installationMutation({
  ...aboutDestination,
  args: destinationArg,
  handler: async (ctx, { destinationId }) => {
    const { viewer } = ctx;
    const destination = (await ctx.db.get(destinationId))!;
    // Its pending deliveries find it gone and fail ("removed"); the delivery log keeps its label.
    await ctx.db.delete(destinationId);
    await logChange(ctx, destination, "removed", viewer.login);
  },
});

/** A message per alert ("realtime") or one digest a day ("daily", notify/digest.ts). */
export const setCadence = installationMutation({
  ...aboutDestination,
  args: { ...destinationArg, cadence: v.union(v.literal("realtime"), v.literal("daily")) },
  handler: async (ctx, { destinationId, cadence }) => {
    const { viewer } = ctx;
    await ctx.db.patch(destinationId, { cadence, updatedBy: viewer.login, updatedAt: Date.now() });
  },
});

/** Turn a disabled destination back on (e.g. after the channel was un-archived). */
export const enable = installationMutation({
  ...aboutDestination,
  args: destinationArg,
  handler: async (ctx, { destinationId }) => {
    const { viewer } = ctx;
    const destination = (await ctx.db.get(destinationId))!;
    if (destination.enabled) return;
    await ctx.db.patch(destinationId, {
      enabled: true,
      disabledReason: undefined,
      updatedBy: viewer.login,
      updatedAt: Date.now(),
    });
    await logChange(ctx, destination, "enabled", viewer.login);
  },
});

/** Queue a test message to one destination; its outcome shows in the delivery log (and a revoked URL disables it). */
export const sendTest = installationMutation({
  ...aboutDestination,
  args: destinationArg,
  handler: async (ctx, { destinationId }) => {
    const { viewer, installation } = ctx;
    const destination = (await ctx.db.get(destinationId))!;
    if (!destination.enabled) fail("destination_disabled");
    const text = messageText(
      { message: `Test message from Syncboard for ${installation.accountLogin}, sent by ${viewer.login}.` },
      "test",
    );
    return queueDelivery(ctx, destination, { event: "test", text });
  },
});

/** The delivery log, newest first: administrators only (messages name private repositories). */
export const deliveries = installationPaginatedQuery({
  args: {},
  handler: async (ctx, { installationId, paginationOpts }) => {
    if (!(await canAdminister(ctx, ctx.installation, ctx.viewer)))
      return { page: [], isDone: true, continueCursor: "" };
    const result = await ctx.db
      .query("notificationDeliveries")
      .withIndex("by_installation_created", (q) => q.eq("installationId", installationId))
      .order("desc")
      .paginate(paginationOpts);
    return {
      ...result,
      page: result.page.map((d) => ({
        id: d._id,
        destinationId: d.destinationId,
        destinationLabel: d.destinationLabel,
        alertId: d.alertId ?? null,
        event: d.event,
        text: d.text,
        status: d.status,
        attempts: d.attempts,
        nextAttemptAt: d.nextAttemptAt ?? null,
        // Stored without URLs since they are scrubbed at recordOutcome; rows from before are scrubbed here.
        lastError: d.lastError === undefined ? null : withoutUrls(d.lastError),
        createdAt: d.createdAt,
        sentAt: d.sentAt ?? null,
      })),
    };
  },
});
