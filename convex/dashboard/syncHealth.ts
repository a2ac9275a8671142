/**
 * The sync health page (seed 000's monitoring). Its installation-wide figures are its operators' (who
 * read every repository: they move with private repositories' traffic); every member sees the failed
 * repositories and dead deliveries they may read. Its cost does not grow with history: the week's hourly figures (`syncHourly`, `webhookHourly`: at most 168 rows
 * each, kept by convex/sync/health.ts), the last 10 finished jobs, the budgets, the failed
 * repositories (at most `FAILED_REPOSITORIES_LISTED`), and dead-lettered deliveries a page at a time.
 *
 * Time comes from the caller: `hour` is the client's current UTC hour (hours since the epoch), so the
 * answer depends on data and arguments only (a query is not re-run as time passes; the page sends
 * a new hour when one starts).
 */
import { installationMutation, installationPaginatedQuery, installationQuery } from "../builders";
import type { PaginationResult } from "convex/server";
import { v } from "convex/values";
import { stream } from "convex-helpers/server/stream";
import type { Doc, Id } from "../_generated/dataModel";
import { type QueryCtx } from "../_generated/server";

import { fail, jobErrorMessage } from "../messages";
import schema from "../schema";
import {
  DAY_HOURS,
  DURATION_BINS,
  DURATION_UNIT_MS,
  histogramQuantile,
  HOUR_MS,
  LAG_BINS,
  LAG_UNIT_MS,
  recentFinishedJobs,
  WEEK_HOURS,
} from "../sync/health";
import { POLICY, watchlistFloor } from "../sync/policy";
import { requeue } from "../webhooks/deliveries";
import { RepositoryVisibility } from "./visibility";

/** Seed 000's alert thresholds, shown as warnings on the page. */
export const HEALTH_THRESHOLDS = {
  /** Failure rate over the last `RECENT_JOBS` finished jobs. */
  failureRate: 0.1,
  /** Share of a GitHub budget left. */
  budgetLeft: 0.1,
  /** Webhook lag (stored → applied), ms. */
  webhookLagMs: 60_000,
};
/** Jobs read for the watchlist's share of a day (every kind; a day has far fewer), and entries counted. */
const MAX_WATCHLIST_JOBS = 500;
const MAX_WATCHLIST_ENTRIES = 200;
/** Failed repositories listed by name (the rest are counted as "more"). */
const FAILED_REPOSITORIES_LISTED = 50;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const addHists = (hists: ReadonlyArray<readonly number[]>, bins: number) => {
  const out = Array.from({ length: bins }, () => 0);
  for (const h of hists) h.forEach((c, i) => (out[Math.min(i, bins - 1)]! += c));
  return out;
};

/** A window's figures from its hourly rows. */
function windowTotals(sync: Doc<"syncHourly">[], hooks: Doc<"webhookHourly">[]) {
  const succeeded = sum(sync.map((r) => r.jobsSucceeded));
  const failed = sum(sync.map((r) => r.jobsFailed));
  const finished = succeeded + failed;
  const durationHist = addHists(
    sync.map((r) => r.durationHist),
    DURATION_BINS,
  );
  const applied = sum(hooks.map((r) => r.applied));
  const lagHist = addHists(
    hooks.map((r) => r.lagHist),
    LAG_BINS,
  );
  return {
    jobs: {
      succeeded,
      failed,
      cancelled: sum(sync.map((r) => r.jobsCancelled)),
      failureRate: finished === 0 ? null : failed / finished,
    },
    github: {
      requests: sum(sync.map((r) => r.requests)),
      notModified: sum(sync.map((r) => r.notModified)),
      points: sum(sync.map((r) => r.points)),
      peakHourRequests: Math.max(0, ...sync.map((r) => r.requests)),
      peakHourPoints: Math.max(0, ...sync.map((r) => r.points)),
    },
    duration: {
      jobs: finished,
      averageMs: finished === 0 ? null : sum(sync.map((r) => r.durationMsSum)) / finished,
      p95Ms: histogramQuantile(durationHist, 0.95, DURATION_UNIT_MS),
    },
    webhooks: {
      applied,
      averageLagMs: applied === 0 ? null : sum(hooks.map((r) => r.lagMsSum)) / applied,
      p95LagMs: histogramQuantile(lagHist, 0.95, LAG_UNIT_MS),
      maxLagMs: applied === 0 ? null : Math.max(...hooks.map((r) => r.lagMsMax)),
    },
  };
}

export const syncHealth = installationQuery({
  hidden: null,
  args: {
    /** The client's current UTC hour: `Math.floor(Date.now() / 3_600_000)`. */
    hour: v.number(),
  },
  handler: async (ctx, { installationId, hour }) => {
    if (!Number.isSafeInteger(hour) || hour < 0) fail("invalid_hour");
    const { visibility } = ctx;
    const failed = await stream(ctx.db, schema)
      .query("repositories")
      .withIndex("by_installation_sync_status", (q) =>
        q.eq("installationId", installationId).eq("removed", false).eq("syncStatus", "failed"),
      )
      .filterWith(async (r) => visibility.visibleRepository(r))
      .take(FAILED_REPOSITORIES_LISTED + 1);
    const failedRepositories = {
      repositories: failed.slice(0, FAILED_REPOSITORIES_LISTED).map((r) => ({
        id: r._id,
        fullName: r.fullName,
        reason: r.syncError ?? "Sync failed.",
        kind: r.syncErrorKind ?? null,
      })),
      more: failed.length > FAILED_REPOSITORIES_LISTED,
    };
    // The installation-wide figures (jobs, GitHub's budget, webhook traffic) move with every repository,
    // private ones included: they are the operators' (who read every repository), not other members'.
    if (visibility.access.kind !== "all")
      return {
        hour,
        thresholds: HEALTH_THRESHOLDS,
        operator: false as const,
        day: null,
        week: null,
        hourly: null,
        recentJobs: null,
        budgets: null,
        people: null,
        failedRepositories,
      };
    return {
      hour,
      thresholds: HEALTH_THRESHOLDS,
      operator: true as const,
      ...(await installationWide(ctx, installationId, hour)),
      people: peopleListing(ctx.installation),
      failedRepositories,
    };
  },
});

/**
 * An organisation's people listing (the SyncService's people stage): when it last ran, and why GitHub
 * refused it if it did (in words: the App lacks the Members permission). Null for a personal account.
 */
function peopleListing(installation: Doc<"installations">) {
  if (installation.accountType !== "Organization") return null;
  const { peopleListedAt, peopleError } = installation.sync;
  return {
    listedAt: peopleListedAt ?? null,
    error: peopleError ? jobErrorMessage(peopleError) : null,
  };
}

/**
 * How the watchlist shares the installation's GitHub budget: its jobs' requests in the last 24 hours (of
 * them, the 304s that cost nothing), its entries, and the floor below which it sends nothing
 * (sync/policy.ts `watchlistFloor`: a fifth of each budget's limit).
 */
async function watchlistShare(
  ctx: QueryCtx,
  installationId: Id<"installations">,
  hour: number,
  budgets: Array<Doc<"rateLimits">>,
) {
  const since = (hour - DAY_HOURS + 1) * HOUR_MS;
  const jobs = (
    await ctx.db
      .query("syncJobs")
      .withIndex("by_installation_created", (q) => q.eq("installationId", installationId).gte("createdAt", since))
      .take(MAX_WATCHLIST_JOBS)
  ).filter((j) => j.kind === "watchlist");
  const entries = await ctx.db
    .query("watchEntries")
    .withIndex("by_installation_key", (q) => q.eq("installationId", installationId))
    .take(MAX_WATCHLIST_ENTRIES);
  return {
    entries: entries.length,
    processing: entries.filter((e) => e.status === "processing").length,
    failed: entries.filter((e) => e.status === "failed").length,
    jobs: jobs.length,
    requests: jobs.reduce((n, j) => n + j.stats.requests, 0),
    notModified: jobs.reduce((n, j) => n + j.stats.notModified, 0),
    floorShare: POLICY.WATCHLIST_FLOOR_SHARE,
    floors: budgets.map((b) => ({ resource: b.resource, floor: watchlistFloor(b.limit) })),
  };
}

/** The operators' figures: the week's and day's totals, the last 24 hours, the last jobs, the budgets. */
async function installationWide(ctx: QueryCtx, installationId: Id<"installations">, hour: number) {
  const syncWeek = await ctx.db
    .query("syncHourly")
    .withIndex("by_installation_hour", (q) =>
      q
        .eq("installationId", installationId)
        .gt("hour", hour - WEEK_HOURS)
        .lte("hour", hour),
    )
    .collect();
  const hooksWeek = await ctx.db
    .query("webhookHourly")
    .withIndex("by_installation_hour", (q) =>
      q
        .eq("installationId", installationId)
        .gt("hour", hour - WEEK_HOURS)
        .lte("hour", hour),
    )
    .collect();
  const inDay = <R extends { hour: number }>(rows: R[]) => rows.filter((r) => r.hour > hour - DAY_HOURS);

  const recent = await recentFinishedJobs(ctx.db, installationId);
  const recentFailed = recent.filter((j) => j.state === "failed").length;

  const budgets = await ctx.db
    .query("rateLimits")
    .withIndex("by_installation_resource", (q) => q.eq("installationId", installationId))
    .collect();

  const syncDay = inDay(syncWeek);
  const hooksDay = inDay(hooksWeek);
  const byHour = new Map(syncDay.map((r) => [r.hour, r]));
  const hooksByHour = new Map(hooksDay.map((r) => [r.hour, r]));
  return {
    day: windowTotals(syncDay, hooksDay),
    week: windowTotals(syncWeek, hooksWeek),
    /** The last 24 hours, oldest first, one entry per hour (zero when nothing happened). */
    hourly: Array.from({ length: DAY_HOURS }, (_, i) => {
      const h = hour - DAY_HOURS + 1 + i;
      const s = byHour.get(h);
      return {
        hour: h,
        requests: s?.requests ?? 0,
        points: s?.points ?? 0,
        jobsSucceeded: s?.jobsSucceeded ?? 0,
        jobsFailed: s?.jobsFailed ?? 0,
        webhooksApplied: hooksByHour.get(h)?.applied ?? 0,
      };
    }),
    recentJobs: {
      count: recent.length,
      failed: recentFailed,
      failureRate: recent.length === 0 ? null : recentFailed / recent.length,
      jobs: recent.map((j) => ({
        id: j._id,
        state: j.state as "completed" | "failed",
        kind: j.kind ?? "installation",
        trigger: j.trigger,
        createdAt: j.createdAt,
        finishedAt: j.finishedAt ?? null,
        durationMs: j.finishedAt === undefined ? null : j.finishedAt - (j.startedAt ?? j.createdAt),
        requests: j.stats.requests,
        error: j.error?.message ?? null,
      })),
    },
    watchlist: await watchlistShare(ctx, installationId, hour, budgets),
    /** GitHub's budgets as last reported (the page judges a past `resetAt` as refilled). */
    budgets: budgets
      .map((b) => ({ resource: b.resource, limit: b.limit, remaining: b.remaining, resetAt: b.resetAt }))
      .sort((a, b) => a.resource.localeCompare(b.resource)),
  };
}

type DeadDelivery = {
  id: Doc<"webhookDeliveries">["_id"];
  deliveryId: string;
  event: string;
  action: string | null;
  receivedAt: number;
  attempts: number;
  reason: string | null;
};

/**
 * Dead-lettered deliveries of the installation, newest first, a page at a time: to its operators all of
 * them, to other members those about a repository they may read (the payload's repository, recorded at
 * receipt), chosen while the index is read.
 */
export const deadDeliveries = installationPaginatedQuery({
  args: {},
  handler: async (ctx, { paginationOpts }): Promise<PaginationResult<DeadDelivery>> => {
    const { installation } = ctx;
    const readable = deliveryReaders(ctx, installation, ctx.visibility);
    const result = await stream(ctx.db, schema)
      .query("webhookDeliveries")
      .withIndex("by_installation_status_received", (q) =>
        q.eq("installationGithubId", installation.githubInstallationId).eq("status", "dead"),
      )
      .order("desc")
      .filterWith(readable)
      .paginate({ ...paginationOpts, maximumRowsRead: MAX_DELIVERIES_READ });
    return {
      ...result,
      page: result.page.map((d) => ({
        id: d._id,
        deliveryId: d.deliveryId,
        event: d.event,
        action: d.action ?? null,
        receivedAt: d.receivedAt,
        attempts: d.attempts,
        reason: d.reason ?? null,
      })),
    };
  },
});

/** A page of dead deliveries reads at most this many, however many it skips. */
const MAX_DELIVERIES_READ = 2_000;

/**
 * Whether the caller may see a delivery of the installation: an operator (who reads every repository)
 * any; another member one whose repository they may read — not one about no repository, or about one
 * we do not know (an installation-wide event may name private repositories in its body or its reason).
 */
function deliveryReaders(ctx: QueryCtx, installation: Doc<"installations">, visibility: RepositoryVisibility) {
  return async (d: Doc<"webhookDeliveries">): Promise<boolean> => {
    if (visibility.access.kind === "all") return true;
    const githubId = d.repositoryGithubId;
    if (githubId === undefined) return false;
    const repo = await ctx.db
      .query("repositories")
      .withIndex("by_installation_github_id", (q) => q.eq("installationId", installation._id).eq("githubId", githubId))
      .first();
    return repo !== null && visibility.visibleRepository(repo);
  };
}

/**
 * The replay button: an operator's action (the account, the installer, the organisation's owners) on a
 * dead-lettered delivery of their installation, processed again from its first attempt (the delivery
 * log's own requeue). A delivery the caller may not see answers exactly like a missing one.
 */
export const replayDelivery = installationMutation({
  args: { id: v.id("webhookDeliveries") },
  admin: true,
  notFound: "delivery_not_found",
  installationOf: async (ctx, { id }) => {
    const githubInstallationId = (await ctx.db.get(id))?.installationGithubId;
    if (githubInstallationId === undefined) return null;
    const installation = await ctx.db
      .query("installations")
      .withIndex("by_github_id", (q) => q.eq("githubInstallationId", githubInstallationId))
      .unique();
    return installation?._id ?? null;
  },
  readable: async (ctx, { id }) => deliveryReaders(ctx, ctx.installation, ctx.visibility)((await ctx.db.get(id))!),
  handler: async (ctx, { id }) => {
    const delivery = (await ctx.db.get(id))!;
    if (delivery.status !== "dead") return { replayed: false, status: delivery.status };
    await requeue(ctx, delivery);
    return { replayed: true, status: "retrying" as const };
  },
});
