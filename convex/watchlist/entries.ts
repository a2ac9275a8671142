/**
 * The watchlist's public mutations (seed 001). Any member of an installation adds a repository by URL
 * or `owner/name` (one entry per repository: adding it again answers with the same entry) and gets the
 * entry at once in `processing`; a SyncService job of kind "watchlist" does the work. Any member may
 * retry a failed entry, refresh one (OpenSSF's result too), choose its alerts and write notes; the one who
 * added it, or an administrator, removes it.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { canAdminister } from "../access";
import { installationMutation } from "../builders";
import { watchListeners } from "../functions";
import { fail } from "../messages";
import { requestSync } from "../sync/service";
import { parseRepositoryRef } from "./parse";
import { deleteEntry } from "./purge";
import { patchEntry } from "./record";
import { alertChoices } from "./tables";

const MAX_WATCH_ENTRIES = 200;
const MAX_NOTE = 2_000;
/** Documents deleted with an entry in the removing transaction (the rest by a scheduled pass). */
const REMOVE_BUDGET = 1_500;

const ALL_ALERTS = { scoreDrop: true, checkFell: true, archived: true, securityPolicyRemoved: true, newRelease: true };

/** The mutations about one entry: found through it; one of another installation fails like a missing one. */
const aboutEntry = {
  notFound: "watch_entry_not_found" as const,
  installationOf: async (ctx: MutationCtx, { entryId }: { entryId: Id<"watchEntries"> }) =>
    (await ctx.db.get(entryId))?.installationId ?? null,
};
const entryArg = { entryId: v.id("watchEntries") };
const entryOf = async (ctx: MutationCtx, id: Id<"watchEntries">) => (await ctx.db.get(id))!;
const withListeners = (ctx: MutationCtx) => ({ ...ctx, watchListeners });

export const add = installationMutation({
  args: { repository: v.string() },
  handler: async (ctx, { repository }) => {
    const parsed = parseRepositoryRef(repository);
    if (!parsed.ok) fail("invalid_repository_ref", parsed.error);
    const fullName = `${parsed.owner}/${parsed.name}`;
    const key = fullName.toLowerCase();
    const installationId = ctx.installation._id;
    const existing = await ctx.db
      .query("watchEntries")
      .withIndex("by_installation_key", (q) => q.eq("installationId", installationId).eq("key", key))
      .first();
    if (existing) return { entryId: existing._id, status: existing.status, created: false };
    const count = await ctx.db
      .query("watchEntries")
      .withIndex("by_installation_key", (q) => q.eq("installationId", installationId))
      .take(MAX_WATCH_ENTRIES);
    if (count.length >= MAX_WATCH_ENTRIES) fail("too_many_watch_entries", MAX_WATCH_ENTRIES);
    const now = Date.now();
    const entryId = await ctx.db.insert("watchEntries", {
      installationId,
      fullName,
      key,
      addedBy: { userId: ctx.viewer.userId, login: ctx.viewer.login },
      addedAt: now,
      status: "processing",
      attempts: 0,
      dueAt: now,
      etags: {},
      scoreHistory: [],
      alertOn: ALL_ALERTS,
      notes: 0,
    });
    await requestSync(ctx, installationId, "watchlist");
    return { entryId, status: "processing" as const, created: true };
  },
});

/** Process a failed entry again from the start: three attempts more. */
export const retry = installationMutation({
  ...aboutEntry,
  args: entryArg,
  handler: async (ctx, { entryId }) => {
    const entry = await entryOf(ctx, entryId);
    await patchEntry(withListeners(ctx), entry, {
      status: "processing",
      attempts: 0,
      error: undefined,
      dueAt: Date.now(),
      scorecardDue: true,
    });
    const decision = await requestSync(ctx, entry.installationId, "watchlist");
    return { action: decision.action, reason: decision.reason };
  },
});

/** Refresh an entry now (conditional requests; OpenSSF's result asked for again). */
export const refresh = installationMutation({
  ...aboutEntry,
  args: entryArg,
  handler: async (ctx, { entryId }) => {
    const entry = await entryOf(ctx, entryId);
    await patchEntry(withListeners(ctx), entry, { dueAt: Date.now(), scorecardDue: true });
    const decision = await requestSync(ctx, entry.installationId, "watchlist");
    return { action: decision.action, reason: decision.reason };
  },
});

export const setAlerts = installationMutation({
  ...aboutEntry,
  args: { ...entryArg, alertOn: alertChoices },
  handler: async (ctx, { entryId, alertOn }) => {
    await patchEntry(withListeners(ctx), await entryOf(ctx, entryId), { alertOn });
  },
});

export const addNote = installationMutation({
  ...aboutEntry,
  args: { ...entryArg, body: v.string() },
  handler: async (ctx, { entryId, body }) => {
    const text = body.trim();
    if (text.length === 0 || text.length > MAX_NOTE) fail("invalid_note", MAX_NOTE);
    const entry = await entryOf(ctx, entryId);
    const noteId = await ctx.db.insert("watchNotes", {
      entryId,
      author: { userId: ctx.viewer.userId, login: ctx.viewer.login },
      at: Date.now(),
      body: text,
    });
    await ctx.db.patch(entryId, { notes: entry.notes + 1 });
    return noteId;
  },
});

export const remove = installationMutation({
  ...aboutEntry,
  args: entryArg,
  handler: async (ctx, { entryId }) => {
    const entry = await entryOf(ctx, entryId);
    const mine = entry.addedBy.userId === ctx.viewer.userId;
    if (!mine && !(await canAdminister(ctx, ctx.installation, ctx.viewer))) fail("not_entry_owner");
    await resolveAlertsOf(ctx, entry);
    await deleteEntry(ctx, entryId, REMOVE_BUDGET);
  },
});

/** The entry's open alerts resolve with it (the listeners see it go). */
async function resolveAlertsOf(ctx: MutationCtx, entry: Doc<"watchEntries">) {
  for (const listen of watchListeners) await listen(ctx, entry, null);
}
