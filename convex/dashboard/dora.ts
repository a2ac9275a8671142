/**
 * DORA's four keys from GitHub alone (issue 14), read from `deploymentDaily` and `cycleDaily` (≤ one
 * document per day per series): deployment frequency, lead time for changes, change failure rate and
 * time to restore, each with the DORA report's band (2023 Accelerate State of DevOps, as Apache DevLake
 * uses). How each is derived: README "How DORA is derived".
 *
 * A restricted member reads the "public" scope plus the scope of each private repository they can
 * read; everyone else "all"; a repository filter reads that repository's scope only.
 */
import { v } from "convex/values";
import { query } from "../_generated/server";
import { viewableInstallation } from "../access";
import { HIST_BINS, repositoryScope } from "../model/contribution";
import { granularityFor, percentileHours, periodsOf, validateRange } from "./ranges";
import { bucketScopes } from "./scoped";
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
      scopes = await bucketScopes(ctx, installationId, visibility.access);
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
    const [leadP50, restoreP50] = [percentileHours(leadHist, 0.5), percentileHours(restoreHist, 0.5)];
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
      periods: periodsOf(from, to, granularityFor(rangeDays)).map((p) => {
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
