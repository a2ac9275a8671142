/**
 * DORA's four keys from GitHub alone (issue 14), read from `deploymentDaily` and `cycleDaily` (≤ one
 * document per day per series): deployment frequency, lead time for changes, change failure rate and
 * time to restore, each with the DORA report's band (2023 Accelerate State of DevOps, as Apache DevLake
 * uses). How each is derived: README "How DORA is derived".
 *
 * A restricted member reads the "public" scope plus the scope of each private repository they can
 * read; everyone else "all"; a repository filter reads that repository's scope only.
 */
import { ConvexError, v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { query, type QueryCtx } from "../_generated/server";
import { viewableInstallation, type RepositoryAccess } from "../access";
import { ALL_SCOPE, DAY_MS, HIST_BINS, PUBLIC_SCOPE, repositoryScope } from "../model/contribution";
import { RepositoryVisibility } from "./visibility";

export type Band = "elite" | "high" | "medium" | "low";

export type DoraMetrics = {
  deploymentFrequency: { deployments: number; perWeek: number; band: Band | null };
  leadTime: { changes: number; p50Hours: number | null; band: Band | null };
  changeFailureRate: { deployments: number; failures: number; rate: number | null; band: Band | null };
  timeToRestore: { restores: number; p50Hours: number | null; band: Band | null };
  periods: Array<{
    start: number;
    end: number;
    label: string;
    deployments: number;
    successes: number;
    failures: number;
  }>;
  /** Whether any repository in view has deployments at all (else the page explains how to get them). */
  hasDeployments: boolean;
};

/** The longest range: a year (and a leap day), ≤ 367 documents per series. */
const MAX_RANGE_DAYS = 366;
const MIN_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
const MAX_DAY = Date.UTC(2200, 0, 1) / DAY_MS - 1;
/** Period granularity: days up to a month, weeks up to half a year, months beyond. */
const DAILY_UP_TO_DAYS = 31;
const WEEKLY_UP_TO_DAYS = 180;

function validateRange(from: number, to: number) {
  for (const [name, day] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (!Number.isInteger(day) || day < MIN_DAY || day > MAX_DAY) {
      throw new ConvexError(
        `${name} must be a UTC day number (whole days since 1970-01-01) from ${MIN_DAY} to ${MAX_DAY}; got ${String(day)}.`,
      );
    }
  }
  if (to < from) throw new ConvexError(`to (${to}) must not be before from (${from}).`);
  if (to - from > MAX_RANGE_DAYS) {
    throw new ConvexError(`from and to must be at most ${MAX_RANGE_DAYS} days apart; got ${to - from}.`);
  }
}

/** "all", or "public" plus the scope of each private repository the caller may read. */
async function callerScopes(ctx: QueryCtx, installationId: Id<"installations">, access: RepositoryAccess) {
  if (access.kind === "all") return [ALL_SCOPE];
  const repos = await Promise.all([...access.privateRepositoryIds].map((id) => ctx.db.get(id)));
  // A granted repository made public since is counted in "public" already.
  const readable = repos.filter((r) => r !== null && r.installationId === installationId && r.private);
  return [PUBLIC_SCOPE, ...readable.map((r) => repositoryScope(r!._id))];
}

// ------------------------------------------------------------------ bands (2023 State of DevOps)

const HOURS = { day: 24, week: 24 * 7, month: 24 * 30 } as const;

/** Production deployments per day: on demand (≥ 1/day), ≥ 1/week, ≥ 1/month, less. */
const frequencyBand = (perDay: number): Band =>
  perDay >= 1 ? "elite" : perDay >= 1 / 7 ? "high" : perDay >= 1 / 30 ? "medium" : "low";
/** Lead time and time to restore: under each bound (hours). */
const durationBand = (hours: number, bounds: [number, number, number]): Band =>
  hours < bounds[0] ? "elite" : hours < bounds[1] ? "high" : hours < bounds[2] ? "medium" : "low";
const failureBand = (rate: number): Band =>
  rate <= 0.05 ? "elite" : rate <= 0.1 ? "high" : rate <= 0.15 ? "medium" : "low";

// ------------------------------------------------------------------ histograms and periods

/** Bounds of a log2-hour bin (hours); the open last bin is taken to end at twice its start. */
const binBounds = (bin: number): [number, number] => (bin === 0 ? [0, 1] : [Math.pow(2, bin - 1), Math.pow(2, bin)]);

/** The median of a log2-hour histogram, interpolated linearly within its bin (hours, 0.1 h), as the Analytics page's. */
function medianHours(hist: number[]): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = total / 2;
  let seen = 0;
  for (let bin = 0; bin < hist.length; bin++) {
    const n = hist[bin] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const [lo, hi] = binBounds(bin);
      return Math.round((lo + ((rank - seen) / n) * (hi - lo)) * 10) / 10;
    }
    seen += n;
  }
  return null;
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The periods covering from..to (inclusive): days, ISO weeks (Monday first) or calendar months, clipped to the range. */
function periodsOf(from: number, to: number): Array<{ start: number; end: number; label: string }> {
  const span = to - from + 1;
  const out: Array<{ start: number; end: number; label: string }> = [];
  for (let day = from; day <= to;) {
    let end: number;
    let label: string;
    if (span <= DAILY_UP_TO_DAYS) [end, label] = [day, isoDay(day)];
    else if (span <= WEEKLY_UP_TO_DAYS) {
      const monday = day - ((day + 3) % 7); // day 0 (1970-01-01) was a Thursday
      [end, label] = [monday + 6, `Week of ${isoDay(monday)}`];
    } else {
      const d = new Date(day * DAY_MS);
      [end, label] = [Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS - 1, isoDay(day).slice(0, 7)];
    }
    end = Math.min(end, to);
    out.push({ start: day, end, label });
    day = end + 1;
  }
  return out;
}

export const metrics = query({
  args: {
    installationId: v.id("installations"),
    /** The range's first and last UTC day numbers (inclusive), at most 366 days apart. */
    from: v.number(),
    to: v.number(),
    repositoryId: v.optional(v.id("repositories")),
  },
  handler: async (ctx, { installationId, from, to, repositoryId }): Promise<DoraMetrics | null> => {
    validateRange(from, to);
    const installation = await viewableInstallation(ctx, installationId);
    if (!installation) return null;
    const visibility = await RepositoryVisibility.of(ctx, installation);
    let scopes: string[];
    if (repositoryId !== undefined) {
      const repo = await ctx.db.get(repositoryId);
      if (!repo || repo.installationId !== installationId || !(await visibility.visible(repositoryId))) return null;
      scopes = [repositoryScope(repositoryId)];
    } else {
      scopes = await callerScopes(ctx, installationId, visibility.access);
    }

    const byDay = new Map<number, { deployments: number; successes: number; failures: number }>();
    const restoreHist = new Array<number>(HIST_BINS).fill(0);
    const leadHist = new Array<number>(HIST_BINS).fill(0);
    let hasDeployments = false;
    for (const scope of scopes) {
      const [days, cycles, any] = await Promise.all([
        ctx.db
          .query("deploymentDaily")
          .withIndex("by_installation_scope_day", (q) =>
            q.eq("installationId", installationId).eq("scope", scope).gte("day", from).lte("day", to),
          )
          .collect(),
        ctx.db
          .query("cycleDaily")
          .withIndex("by_installation_scope_author_day", (q) =>
            q.eq("installationId", installationId).eq("scope", scope).eq("author", "").gte("day", from).lte("day", to),
          )
          .collect(),
        ctx.db
          .query("deploymentDaily")
          .withIndex("by_installation_scope_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
          .first(),
      ]);
      hasDeployments ||= any !== null;
      for (const d of days) {
        const acc = byDay.get(d.day) ?? { deployments: 0, successes: 0, failures: 0 };
        byDay.set(d.day, {
          deployments: acc.deployments + d.deployments,
          successes: acc.successes + d.successes,
          failures: acc.failures + d.failures,
        });
        d.restoreHist.forEach((n, i) => (restoreHist[i]! += n));
      }
      for (const c of cycles) c.leadHist.forEach((n, i) => (leadHist[i]! += n));
    }

    const total = { deployments: 0, successes: 0, failures: 0 };
    for (const d of byDay.values()) {
      total.deployments += d.deployments;
      total.successes += d.successes;
      total.failures += d.failures;
    }
    const rangeDays = to - from + 1;
    const changes = leadHist.reduce((a, b) => a + b, 0);
    const restores = restoreHist.reduce((a, b) => a + b, 0);
    const [leadP50, restoreP50] = [medianHours(leadHist), medianHours(restoreHist)];
    const rate = total.deployments > 0 ? total.failures / total.deployments : null;
    return {
      deploymentFrequency: {
        deployments: total.successes,
        perWeek: Math.round(((total.successes * 7) / rangeDays) * 100) / 100,
        band: hasDeployments ? frequencyBand(total.successes / rangeDays) : null,
      },
      leadTime: {
        changes,
        p50Hours: leadP50,
        band: leadP50 === null ? null : durationBand(leadP50, [HOURS.day, HOURS.week, HOURS.month]),
      },
      changeFailureRate: {
        deployments: total.deployments,
        failures: total.failures,
        rate: rate === null ? null : Math.round(rate * 1000) / 1000,
        band: rate === null ? null : failureBand(rate),
      },
      timeToRestore: {
        restores,
        p50Hours: restoreP50,
        band: restoreP50 === null ? null : durationBand(restoreP50, [1, HOURS.day, HOURS.week]),
      },
      periods: periodsOf(from, to).map((p) => {
        const sum = { deployments: 0, successes: 0, failures: 0 };
        for (let day = p.start; day <= p.end; day++) {
          const d = byDay.get(day);
          if (!d) continue;
          sum.deployments += d.deployments;
          sum.successes += d.successes;
          sum.failures += d.failures;
        }
        return { ...p, ...sum };
      }),
      hasDeployments,
    };
  },
});
