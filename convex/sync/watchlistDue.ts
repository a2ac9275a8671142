/**
 * When the watchlist needs a job: now if an entry is due (added, retried by hand, refreshed, a day
 * old), or at a retry's backoff (seconds away) — the SyncService starts it then, if no job runs.
 * Daily refreshes further away are found by the `refresh watchlists` cron (maintenance.ts).
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { earliestDue } from "../watchlist/record";
import { requestSync } from "./service";

/** Retries closer than this are scheduled precisely; later ones wait for the cron. */
const SCHEDULE_WITHIN_MS = 15 * 60_000;

export async function requestWatchlistWhenDue(ctx: MutationCtx, installationId: Id<"installations">) {
  const due = await earliestDue(ctx.db, installationId);
  if (due === undefined) return;
  const now = Date.now();
  if (due <= now) await requestSync(ctx, installationId, "watchlist");
  else if (due - now <= SCHEDULE_WITHIN_MS) {
    await ctx.scheduler.runAfter(due - now, internal.sync.service.request, { installationId, trigger: "watchlist" });
  }
}
