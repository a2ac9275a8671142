/**
 * An installation's settings: what its team agreed on (today the stale threshold). One small document
 * per installation, written only when an administrator changes it, so the queries that read it (the
 * inbox) are not re-run by sync traffic.
 */
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

export const DEFAULT_STALE_AFTER_DAYS = 7;
const MAX_STALE_AFTER_DAYS = 365;

export type Settings = { staleAfterDays: number; updatedAt: number | null; updatedByLogin: string | null };

function settingsDoc(ctx: Pick<QueryCtx, "db">, installationId: Id<"installations">) {
  return ctx.db
    .query("installationSettings")
    .withIndex("by_installation", (q) => q.eq("installationId", installationId))
    .unique();
}

export async function installationSettings(
  ctx: Pick<QueryCtx, "db">,
  installationId: Id<"installations">,
): Promise<Settings> {
  const doc = await settingsDoc(ctx, installationId);
  return {
    staleAfterDays: doc?.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS,
    updatedAt: doc?.updatedAt ?? null,
    updatedByLogin: doc?.updatedByLogin ?? null,
  };
}

/** `days` as given when it is a whole number of days in 1..365; a ConvexError otherwise. */
function validStaleAfterDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_STALE_AFTER_DAYS)
    throw new ConvexError(`The stale threshold must be a whole number of days from 1 to ${MAX_STALE_AFTER_DAYS}.`);
  return days;
}

export async function updateSettings(
  ctx: MutationCtx,
  installation: Doc<"installations">,
  change: { staleAfterDays: number },
  by: { login: string },
): Promise<void> {
  const fields = {
    staleAfterDays: validStaleAfterDays(change.staleAfterDays),
    updatedAt: Date.now(),
    updatedByLogin: by.login,
  };
  const doc = await settingsDoc(ctx, installation._id);
  if (doc) await ctx.db.patch(doc._id, fields);
  else await ctx.db.insert("installationSettings", { installationId: installation._id, ...fields });
}
