/**
 * The sync's own figures, by UTC hour (seed 000's monitoring): what the sync health page reads
 * instead of scanning jobs and deliveries, so its cost is a week of hours whatever the history.
 *
 * - `syncHourly` (one document per installation and hour): GitHub requests and budget points, added
 *   in the transaction that commits the page they fetched (`transitions.ts`: whenever a job's
 *   `stats` move); jobs that ended that hour (completed, failed, cancelled) with their durations as a
 *   sum and a log2-seconds histogram, added by `endJob`.
 * - `webhookHourly` (the same, apart so webhook applications and sync pages never contend on one
 *   document): deliveries applied that hour with their lag (stored → applied) as a sum, a maximum and
 *   a log2-milliseconds histogram, added once a delivery's application has committed.
 *
 * Only the sync health query (`dashboard/syncHealth.ts`) reads these tables: a page commit writes
 * one of them, so no other dashboard query re-runs for it. Each installation keeps `KEEP_HOURS` of
 * them; older ones are deleted as a new hour starts.
 */
import { fromDense, quantileMs } from "../metrics/histogram";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { deleteUpTo } from "../model/chunks";

export const HOUR_MS = 3_600_000;
/** The page's windows, in hours: a day and a week. */
export const DAY_HOURS = 24;
export const WEEK_HOURS = 7 * 24;
/** Hours kept per installation (a week and a day: the week's window is always whole). */
const KEEP_HOURS = WEEK_HOURS + DAY_HOURS;

/** Sync durations: bin 0 under 1 s, bin i ≥ 1 from 2^(i-1) s to 2^i s (the last one open-ended). */
export const DURATION_UNIT_MS = 1_000;
export const DURATION_BINS = 24;
/** Webhook lag: bin 0 under 1 ms, bin i ≥ 1 from 2^(i-1) ms to 2^i ms (the last one open-ended). */
export const LAG_UNIT_MS = 1;
export const LAG_BINS = 28;

/** The histogram bin of a value: log2 of its `unit`s, bin 0 below one unit, capped at the last bin. */
export function log2Bin(valueMs: number, unitMs: number, bins: number): number {
  const units = valueMs / unitMs;
  if (!(units >= 1)) return 0;
  return Math.min(bins - 1, Math.floor(Math.log2(units)) + 1);
}

/**
 * The `q` quantile of a log2 histogram in ms (bin 0 below one unit, bin i ≥ 1 from 2^(i−1) to 2^i
 * units, the last open), interpolated within its bin as every figure is (convex/metrics/histogram.ts).
 * Null for an empty histogram.
 */
export function histogramQuantile(hist: readonly number[], q: number, unitMs: number): number | null {
  return quantileMs({ unitMs, perOctave: 1, octaves: Math.max(0, hist.length - 2) }, fromDense(hist), q);
}

export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS);
const zeros = (n: number) => Array.from({ length: n }, () => 0);
const bump = (hist: readonly number[], bin: number) => hist.map((c, i) => (i === bin ? c + 1 : c));

type SyncHour = Doc<"syncHourly">;
type WebhookHour = Doc<"webhookHourly">;

/** Add to an installation's sync figures of the hour `at` falls in (the document is created on the hour's first write). */
async function addToSyncHour(
  ctx: MutationCtx,
  installationId: Id<"installations">,
  at: number,
  add: (row: Omit<SyncHour, "_id" | "_creationTime">) => Partial<SyncHour>,
) {
  const hour = hourOf(at);
  const row = await ctx.db
    .query("syncHourly")
    .withIndex("by_installation_hour", (q) => q.eq("installationId", installationId).eq("hour", hour))
    .unique();
  if (row) {
    await ctx.db.patch(row._id, add(row));
    return;
  }
  const empty = {
    installationId,
    hour,
    requests: 0,
    notModified: 0,
    points: 0,
    jobsSucceeded: 0,
    jobsFailed: 0,
    jobsCancelled: 0,
    durationMsSum: 0,
    durationHist: zeros(DURATION_BINS),
  };
  await ctx.db.insert("syncHourly", { ...empty, ...add(empty) });
  // A new hour: the installation's hours past retention go (a handful at a time; one per hour is due).
  const old = await ctx.db
    .query("syncHourly")
    .withIndex("by_installation_hour", (q) => q.eq("installationId", installationId).lt("hour", hour - KEEP_HOURS))
    .take(8);
  for (const r of old) await ctx.db.delete(r._id);
}

type JobStats = Doc<"syncJobs">["stats"];

/**
 * A job's stats moved from `job.stats` to `stats` in this transaction (a page commit, a continuation
 * or the end): the requests and points they add count in the current hour.
 */
export async function countRequests(ctx: MutationCtx, job: Doc<"syncJobs">, stats: JobStats) {
  const requests = stats.requests - job.stats.requests;
  const notModified = stats.notModified - job.stats.notModified;
  const points = stats.primaryBudgetUsed - job.stats.primaryBudgetUsed;
  if (requests === 0 && notModified === 0 && points === 0) return;
  await addToSyncHour(ctx, job.installationId, Date.now(), (row) => ({
    requests: row.requests + requests,
    notModified: row.notModified + notModified,
    points: row.points + points,
  }));
}

/**
 * A job ended at `finishedAt`: counted in that hour, by outcome; a completed or failed one adds its
 * duration (first claim, or creation, to the end — what `sync.job.completed`/`failed` log). Also
 * counts the requests of its last stats, when they moved.
 */
export async function recordJobEnd(
  ctx: MutationCtx,
  job: Doc<"syncJobs">,
  outcome: "completed" | "failed" | "cancelled",
  finishedAt: number,
  stats: JobStats | undefined,
) {
  if (stats) await countRequests(ctx, job, stats);
  const durationMs = finishedAt - (job.startedAt ?? job.createdAt);
  await addToSyncHour(ctx, job.installationId, finishedAt, (row) =>
    outcome === "cancelled"
      ? { jobsCancelled: row.jobsCancelled + 1 }
      : {
          ...(outcome === "completed" ? { jobsSucceeded: row.jobsSucceeded + 1 } : { jobsFailed: row.jobsFailed + 1 }),
          durationMsSum: row.durationMsSum + durationMs,
          durationHist: bump(row.durationHist, log2Bin(durationMs, DURATION_UNIT_MS, DURATION_BINS)),
        },
  );
}

/**
 * A delivery's application committed (`webhooks/process.ts`, after its last transaction): an
 * applied one ("processed") counts in the hour it was applied, with its lag from receipt. GitHub
 * sends no delivery time (neither in the headers nor in the payload), so the lag starts when the
 * delivery was stored, within milliseconds of GitHub sending it (it waits 10 s at most for our answer).
 */
export const recordDeliveryApplied = internalMutation({
  args: { id: v.id("webhookDeliveries") },
  handler: async (ctx, { id }) => {
    const d = await ctx.db.get(id);
    if (!d || d.status !== "processed" || d.processedAt === undefined || d.installationGithubId === undefined) return;
    const installation = await ctx.db
      .query("installations")
      .withIndex("by_github_id", (q) => q.eq("githubInstallationId", d.installationGithubId!))
      .unique();
    if (!installation) return;
    const lagMs = Math.max(0, d.processedAt - d.receivedAt);
    const hour = hourOf(d.processedAt);
    const row: WebhookHour | null = await ctx.db
      .query("webhookHourly")
      .withIndex("by_installation_hour", (q) => q.eq("installationId", installation._id).eq("hour", hour))
      .unique();
    const bin = log2Bin(lagMs, LAG_UNIT_MS, LAG_BINS);
    if (row) {
      await ctx.db.patch(row._id, {
        applied: row.applied + 1,
        lagMsSum: row.lagMsSum + lagMs,
        lagMsMax: Math.max(row.lagMsMax, lagMs),
        lagHist: bump(row.lagHist, bin),
      });
      return;
    }
    await ctx.db.insert("webhookHourly", {
      installationId: installation._id,
      hour,
      applied: 1,
      lagMsSum: lagMs,
      lagMsMax: lagMs,
      lagHist: bump(zeros(LAG_BINS), bin),
    });
    const old = await ctx.db
      .query("webhookHourly")
      .withIndex("by_installation_hour", (q) => q.eq("installationId", installation._id).lt("hour", hour - KEEP_HOURS))
      .take(8);
    for (const r of old) await ctx.db.delete(r._id);
  },
});

/**
 * An uninstalled installation's hourly figures, deleted in bounded batches by the model's purge
 * (`convex/model/purge.ts`) with what is left of its budget; returns how many it deleted.
 */
export async function purgeHourlyOf(ctx: MutationCtx, installationId: Id<"installations">, budget: number) {
  const { db } = ctx;
  const i = installationId;
  const tables = [
    (n: number) =>
      db
        .query("syncHourly")
        .withIndex("by_installation_hour", (q) => q.eq("installationId", i))
        .take(n),
    (n: number) =>
      db
        .query("webhookHourly")
        .withIndex("by_installation_hour", (q) => q.eq("installationId", i))
        .take(n),
  ];
  return deleteUpTo(tables, budget, (id) => db.delete(id));
}

/** Seed 000's failure rate is over this many of the latest finished jobs. */
const RECENT_JOBS = 10;

/** The latest finished jobs (completed or failed; cancelled ones say nothing about health), newest first. */
export async function recentFinishedJobs(
  db: QueryCtx["db"],
  installationId: Id<"installations">,
): Promise<Doc<"syncJobs">[]> {
  const lastOf = (state: "completed" | "failed") =>
    db
      .query("syncJobs")
      .withIndex("by_installation_state", (q) => q.eq("installationId", installationId).eq("state", state))
      .order("desc")
      .take(RECENT_JOBS);
  return [...(await lastOf("completed")), ...(await lastOf("failed"))]
    .sort((a, b) => b._creationTime - a._creationTime)
    .slice(0, RECENT_JOBS);
}
