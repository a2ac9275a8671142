/**
 * The daily digest: a destination whose cadence is "daily" gets no message per alert but one message a
 * day (the `send daily digests` cron) saying what broke, what waits longest and what was fixed in the
 * last 24 hours, one line per pull request (or person), so an agreement gives a short list, not a flood.
 * Nothing is sent when there is nothing open and nothing changed. A team's destination hears only of
 * its repositories, as in real time. It goes through the same lanes and retries as every Slack message.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { continuePass } from "../batches";
import { DAY_MS } from "../model/contribution";
import { plural } from "../messages";
import { MAX_TEXT, queueDelivery, teamReads } from "./slack";

/** Destinations per transaction of the pass, lines per section, alerts read per section. */
const PAGE = 10;
const LINES = 5;
const READ = 500;

type Line = { key: string; text: string; breaches: number; since: number };

/** Alerts grouped by their PR (or subject), in the order first met; a team's only for its repositories. */
async function grouped(
  ctx: MutationCtx,
  alerts: Doc<"alerts">[],
  reads: (repositoryId: Id<"repositories"> | undefined) => Promise<boolean>,
): Promise<Line[]> {
  const lines = new Map<string, Line>();
  for (const a of alerts) {
    if (a.scope === "public" || !(await reads(a.repositoryId))) continue;
    const key = a.pullRequestId ?? a.subject;
    const line = lines.get(key);
    if (line) {
      line.breaches++;
      line.since = Math.min(line.since, a.openedAt);
    } else lines.set(key, { key, text: a.message, breaches: 1, since: a.openedAt });
  }
  return [...lines.values()];
}

const days = (ms: number) => (ms < DAY_MS ? "under a day" : plural(Math.floor(ms / DAY_MS), "day"));

/** The digest's text, or null when there is nothing to say. */
async function digestText(
  ctx: MutationCtx,
  installation: Doc<"installations">,
  destination: Doc<"notificationDestinations">,
  now: number,
): Promise<string | null> {
  const since = now - DAY_MS;
  const reads = async (repositoryId: Id<"repositories"> | undefined) =>
    destination.teamSlug === undefined ||
    (repositoryId !== undefined && (await teamReads(ctx, installation, destination.teamSlug, repositoryId)));
  const byOpened = (from: "new" | "old") =>
    ctx.db
      .query("alerts")
      .withIndex("by_installation_resolved_opened", (q) =>
        from === "new"
          ? q.eq("installationId", installation._id).eq("resolvedAt", undefined).gt("openedAt", since)
          : q.eq("installationId", installation._id).eq("resolvedAt", undefined),
      )
      .order(from === "new" ? "desc" : "asc")
      .take(READ);
  const [broke, waiting, fixed] = await Promise.all([
    byOpened("new").then((a) => grouped(ctx, a, reads)),
    byOpened("old").then((a) => grouped(ctx, a, reads)),
    ctx.db
      .query("alerts")
      .withIndex("by_installation_resolved_opened", (q) =>
        q.eq("installationId", installation._id).gt("resolvedAt", since),
      )
      .take(READ)
      .then((a) => grouped(ctx, a, reads)),
  ]);
  const brokeKeys = new Set(broke.map((l) => l.key));
  const longest = waiting.filter((l) => !brokeKeys.has(l.key));
  if (broke.length === 0 && longest.length === 0 && fixed.length === 0) return null;
  const section = (title: string, lines: Line[], detail: (l: Line) => string) =>
    lines.length === 0
      ? []
      : [
          `*${title}*`,
          ...lines.slice(0, LINES).map((l) => `• ${l.text}${detail(l)}`),
          ...(lines.length > LINES ? [`…and ${lines.length - LINES} more`] : []),
        ];
  const breaches = (l: Line) => (l.breaches > 1 ? ` (${plural(l.breaches, "breach", "breaches")})` : "");
  return [
    `Daily digest for ${installation.accountLogin}${destination.teamSlug ? ` (team ${destination.teamSlug})` : ""}`,
    ...section(`New in the last 24 h: ${broke.length}`, broke, breaches),
    ...section(`Waiting longest`, longest, (l) => ` — open ${days(now - l.since)}${breaches(l)}`),
    ...section(`Fixed in the last 24 h: ${fixed.length}`, fixed, () => ""),
  ]
    .join("\n")
    .slice(0, MAX_TEXT);
}

/** The daily pass over digest destinations: one message per destination and UTC day. */
export const sendDigests = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }) => {
    const now = Date.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const page = await ctx.db
      .query("notificationDestinations")
      .withIndex("by_cadence", (q) => q.eq("cadence", "daily"))
      .paginate({ numItems: PAGE, cursor: cursor ?? null });
    for (const destination of page.page) {
      if (!destination.enabled || destination.digestDay === today) continue;
      const installation = await ctx.db.get(destination.installationId);
      if (!installation || installation.status === "deleted") continue;
      await ctx.db.patch(destination._id, { digestDay: today });
      const text = await digestText(ctx, installation, destination, now);
      if (text === null) continue;
      const site = process.env.SITE_URL;
      await queueDelivery(ctx, destination, {
        event: "digest",
        text,
        ...(site && { link: `${site.replace(/\/$/, "")}/${encodeURIComponent(installation.accountLogin)}/alerts` }),
      });
    }
    await continuePass(ctx, page, internal.notify.digest.sendDigests, {});
  },
});
