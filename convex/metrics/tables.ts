/**
 * The metrics engine's tables (assembled by convex/schema.ts).
 *
 * - `metricBuckets` — written by `metrics/` (listeners of the write path, the backfill); read by `dashboard/` (summary, trends, analytics), `metrics/`.
 * - `metricState` — written by `metrics/` (the backfill); read by `metrics/` (write paths read its gate).
 * - `repositoryHealth` — written by `metrics/repositoryHealth.ts`, `metrics/backfill.ts`; read by `dashboard/` (Repositories page).
 * - `dailyActivity … userDailyActivity` — written by `metrics/backfill.ts` (only emptied); read by nothing.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { health, scope } from "../model/tables";

export const metricTables = {
  /**
   * A repository's health score per UTC day (metrics/repositoryHealth.ts), recomputed from the buckets by
   * a cron and after syncs: the Repositories page reads one document per row (the latest, with its trend).
   */
  repositoryHealth: defineTable({
    installationId: v.id("installations"),
    repositoryId: v.id("repositories"),
    day: v.number(),
    /** 0–100. */
    score: v.number(),
    grade: health,
    reasons: v.array(v.object({ key: v.string(), text: v.string(), penalty: v.number() })),
    /** The scores of the days before, oldest first (≤ 30), so a row reads one document for its trend. */
    trend: v.array(v.object({ day: v.number(), score: v.number() })),
    computedAt: v.number(),
  })
    .index("by_repository_day", ["repositoryId", "day"])
    .index("by_installation_day", ["installationId", "day"]),

  /**
   * Every day-bucketed figure (convex/metrics/figures.ts declares them; the metrics engine alone writes
   * them): one document per installation, figure (`name@version`), scope ("all", "public", a repository
   * id), key ("" or an author / login) and UTC day, holding entries (one, or one per reviewer) of named
   * counters and sparse duration histograms (bin → count, convex/metrics/histogram.ts). A repository's own
   * documents of a visibility figure carry `inPublic`: whether "public" counts them.
   */
  metricBuckets: defineTable({
    installationId: v.id("installations"),
    figure: v.string(),
    scope,
    key: v.string(),
    day: v.number(),
    entries: v.array(
      v.object({
        k: v.string(),
        n: v.record(v.string(), v.number()),
        h: v.record(v.string(), v.record(v.string(), v.number())),
      }),
    ),
    inPublic: v.optional(v.boolean()),
  })
    .index("by_figure_scope_key_day", ["installationId", "figure", "scope", "key", "day"])
    .index("by_scope_public_day", ["installationId", "scope", "inPublic", "day"]),

  /**
   * Per installation, the metrics engine's own state (convex/metrics/backfill.ts): the figures counted,
   * and a running backfill (which figures, and per source table how far, by creation time, it has counted).
   */
  metricState: defineTable({
    installationId: v.id("installations"),
    figures: v.array(v.string()),
    backfill: v.optional(
      v.object({
        figures: v.array(v.string()),
        phase: v.union(v.literal("clear"), v.literal("count")),
        tables: v.array(v.object({ table: v.string(), through: v.number(), done: v.boolean() })),
      }),
    ),
  }).index("by_installation", ["installationId"]),

  /** Tables the metrics engine replaced: emptied by `metrics/backfill:dropLegacy`, then removed from the schema. */
  dailyActivity: defineTable(v.any()),

  scopedDailyActivity: defineTable(v.any()),

  reviewerDaily: defineTable(v.any()),

  cycleDaily: defineTable(v.any()),

  deploymentDaily: defineTable(v.any()),

  ciDaily: defineTable(v.any()),

  userDailyActivity: defineTable(v.any()),
};
