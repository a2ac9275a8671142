/**
 * DORA's four keys from GitHub alone (issue 14), read from the `deployments` and `cycle` figures (≤ one
 * document per day per series): deployment frequency, lead time for changes, change failure rate and
 * time to restore, each with the DORA report's band (2023 Accelerate State of DevOps, as Apache DevLake
 * uses). How each is derived: docs/metrics.md "How DORA is derived".
 *
 * A restricted member reads the "public" scope plus the scope of each private repository they can
 * read; everyone else "all"; a repository filter reads that repository's scope only.
 */
import { installationPaginatedQuery, installationQuery, type InstallationScope } from "../builders";
import type { PaginationResult } from "convex/server";
import { stream } from "convex-helpers/server/stream";
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { type QueryCtx } from "../_generated/server";

import { CYCLE, DEPLOYMENTS, figureId, type Figure } from "../metrics/figures";
import { histTotal, quantileHours } from "../metrics/histogram";
import { byDay, readBuckets, total, type Sums } from "../metrics/read";
import { DAY_MS, repositoryScope } from "../model/contribution";
import schema from "../schema";
import { granularityFor, periodsOf, validateRange } from "./ranges";
import { bucketScopes } from "./scoped";

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

export const metrics = installationQuery({
  hidden: null,
  args: {
    /** The range's first and last UTC day numbers (inclusive), at most 366 days apart. */
    from: v.number(),
    to: v.number(),
    repositoryId: v.optional(v.id("repositories")),
  },
  handler: (ctx, args) => doraOf(ctx, args),
});

/** DORA's four keys as the caller may read them (also a saved report's weekly summary, reports/weekly.ts). */
export async function doraOf(
  ctx: QueryCtx & InstallationScope,
  {
    installationId,
    from,
    to,
    repositoryId,
  }: { installationId: Id<"installations">; from: number; to: number; repositoryId?: Id<"repositories"> },
): Promise<DoraMetrics | null> {
  validateRange(from, to);
  const { visibility } = ctx;
  let scopes: string[];
  if (repositoryId !== undefined) {
    if (!(await visibility.named(repositoryId))) return null;
    scopes = [repositoryScope(repositoryId)];
  } else {
    scopes = await bucketScopes(ctx, installationId, visibility.access);
  }

  const range = { from, to };
  const [deployed, cycles, any] = await Promise.all([
    readBuckets(ctx.db, installationId, DEPLOYMENTS, scopes, range),
    readBuckets(ctx.db, installationId, CYCLE, scopes, range),
    Promise.all(scopes.map((scope) => anyBucket(ctx.db, installationId, DEPLOYMENTS, scope))),
  ]);
  const hasDeployments = any.some(Boolean);
  const perDay = byDay(deployed);
  const whole = total(deployed);
  const count = (sums: Sums | undefined) => ({
    deployments: sums?.n.deployments ?? 0,
    successes: sums?.n.successes ?? 0,
    failures: sums?.n.failures ?? 0,
  });
  const totals = count(whole);
  const [leadHist, restoreHist] = [total(cycles).h.lead ?? {}, whole.h.restore ?? {}];
  const rangeDays = to - from + 1;
  const changes = histTotal(leadHist);
  const restores = histTotal(restoreHist);
  const [leadP50, restoreP50] = [quantileHours(leadHist, 0.5), quantileHours(restoreHist, 0.5)];
  const rate = totals.deployments > 0 ? totals.failures / totals.deployments : null;
  return {
    deploymentFrequency: {
      deployments: totals.successes,
      perWeek: Math.round(((totals.successes * 7) / rangeDays) * 100) / 100,
      band: hasDeployments ? frequencyBand(totals.successes / rangeDays) : null,
    },
    leadTime: {
      changes,
      p50Hours: leadP50,
      band: leadP50 === null ? null : durationBand(leadP50, [HOURS.day, HOURS.week, HOURS.month]),
    },
    changeFailureRate: {
      deployments: totals.deployments,
      failures: totals.failures,
      rate: rate === null ? null : Math.round(rate * 1000) / 1000,
      band: rate === null ? null : failureBand(rate),
    },
    timeToRestore: {
      restores,
      p50Hours: restoreP50,
      band: restoreP50 === null ? null : durationBand(restoreP50, [1, HOURS.day, HOURS.week]),
    },
    periods: periodsOf(from, to, granularityFor(rangeDays)).map((p) => {
      const sum = { deployments: 0, successes: 0, failures: 0 };
      for (let day = p.start; day <= p.end; day++) {
        const d = perDay.get(day);
        if (!d) continue;
        const c = count(d);
        sum.deployments += c.deployments;
        sum.successes += c.successes;
        sum.failures += c.failures;
      }
      return { ...p, ...sum };
    }),
    hasDeployments,
  };
}

/** Whether the scope has any document of the figure (whatever the day). */
async function anyBucket(db: QueryCtx["db"], installationId: Id<"installations">, figure: Figure, scope: string) {
  const doc = await db
    .query("metricBuckets")
    .withIndex("by_figure_scope_key_day", (q) =>
      q.eq("installationId", installationId).eq("figure", figureId(figure)).eq("scope", scope).eq("key", ""),
    )
    .first();
  return doc !== null;
}

/** A drill-down page reads at most this many deployments, however many it skips (unreadable, other outcome). */
const MAX_ROWS_READ_PER_PAGE = 2_000;

export type DeploymentListRow = {
  id: Id<"deployments">;
  repository: string;
  environment: string;
  /** A GitHub deployment, or a run of the repository's chosen workflow. */
  source: "deployment" | "workflow_run";
  sha: string;
  ref: string | null;
  creatorLogin: string | null;
  /** On GitHub: the workflow run, or the repository's deployments to that environment. */
  url: string;
  createdAt: number;
  outcome: "success" | "failure";
  /** When it counts (its first success, else its first failure): the figures' day. */
  at: number;
  /** A success that ended a run of failures: hours since the run's first failure. */
  restoreHours: number | null;
};

/**
 * The production deployments behind the DORA figures of a range (counted on the day of their first
 * success, else first failure, as `deploymentDaily`), newest first, a page at a time. `outcome`
 * narrows to the successes (frequency), the failures (failure rate) or the restores (time to restore).
 */
export const deployments = installationPaginatedQuery({
  args: {
    from: v.number(),
    to: v.number(),
    repositoryId: v.optional(v.id("repositories")),
    outcome: v.optional(v.union(v.literal("success"), v.literal("failure"), v.literal("restore"))),
  },
  handler: async (ctx, args): Promise<PaginationResult<DeploymentListRow>> => {
    const empty = { page: [], isDone: true, continueCursor: "" };
    const { installationId, repositoryId, outcome } = args;
    validateRange(args.from, args.to);
    const { visibility } = ctx;
    if (repositoryId !== undefined && !(await visibility.named(repositoryId))) return empty;
    const [lo, hi] = [args.from * DAY_MS, (args.to + 1) * DAY_MS];
    const s = stream(ctx.db, schema).query("deployments");
    const rows =
      repositoryId !== undefined
        ? s.withIndex("by_repo_counted", (q) =>
            q.eq("repositoryId", repositoryId).gte("countedAt", lo).lt("countedAt", hi),
          )
        : s.withIndex("by_installation_counted", (q) =>
            q.eq("installationId", installationId).gte("countedAt", lo).lt("countedAt", hi),
          );
    const wanted = (d: { succeededAt?: number; restoreMs?: number }) =>
      outcome === undefined ||
      (outcome === "success" && d.succeededAt !== undefined) ||
      (outcome === "failure" && d.succeededAt === undefined) ||
      (outcome === "restore" && d.restoreMs !== undefined);
    const result = await rows
      .order("desc")
      .filterWith(async (d) => d.production && wanted(d) && (await visibility.visible(d.repositoryId)))
      .paginate({ ...args.paginationOpts, maximumRowsRead: MAX_ROWS_READ_PER_PAGE });
    const repos = new Map<Id<"repositories">, Promise<{ fullName: string; htmlUrl: string } | null>>();
    const repoOf = (id: Id<"repositories">) => {
      if (!repos.has(id)) repos.set(id, ctx.db.get(id));
      return repos.get(id)!;
    };
    const page = await Promise.all(
      result.page.map(async (d): Promise<DeploymentListRow> => {
        const repo = await repoOf(d.repositoryId);
        return {
          id: d._id,
          repository: repo?.fullName ?? "",
          environment: d.environment,
          source: d.source,
          sha: d.sha,
          ref: d.ref ?? null,
          creatorLogin: d.creatorLogin ?? null,
          url:
            d.source === "workflow_run" || !repo
              ? d.url
              : `${repo.htmlUrl}/deployments/${encodeURIComponent(d.environment)}`,
          createdAt: d.createdAt,
          outcome: d.succeededAt !== undefined ? "success" : "failure",
          at: d.countedAt!,
          restoreHours: d.restoreMs === undefined ? null : Math.round((d.restoreMs / 3_600_000) * 10) / 10,
        };
      }),
    );
    return { ...result, page };
  },
});
