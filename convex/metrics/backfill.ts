/**
 * Backfill: a figure declared (or re-versioned) after data was stored is counted from the base tables,
 * per installation, in chunks, while webhooks and syncs keep writing. `metricState` says which figures
 * an installation has counted and, while a backfill runs, how far: its figures' old documents are
 * cleared, then each source table is walked in creation order (`by_installation_creation`), and a live
 * write counts a document only once the walk has passed it (`gateOf`; a later document is counted by
 * the walk, as it is then). Old versions' documents are deleted when their replacement is ready.
 *
 * Started by the `metrics backfill` cron for every installation whose counted figures differ from the
 * declared ones (a new installation too: its first pass is over what little it has), and by operators
 * (`metrics/backfill:start`). Hand-written rather than `@convex-dev/migrations`: that component walks a
 * whole table across installations and keeps its progress in its own tables, where the write path
 * cannot see it, so a live write could not tell whether the walk has counted a document yet; here the
 * check is one indexed read per write-path transaction (none for a document the state does not gate).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { FIGURES, figureId, type Figure, type SourceTable } from "./figures";
import { MetricsEngine, OPEN_GATE } from "./engine";
import { forEachActiveInstallation, setMetricsBackfilling } from "../model/installations";
import { declared, stateOf, type Backfill } from "./state";

/** Source documents counted per transaction (a pull request touches up to a dozen bucket documents). */
const PAGE: Record<SourceTable, number> = { pullRequests: 100, activityEvents: 400, deployments: 400, ciResults: 400 };
/** Bucket documents deleted per transaction. */
const CLEAR_BATCH = 500;

const figuresOf = (ids: readonly string[]) => FIGURES.filter((f) => ids.includes(figureId(f)));
const sourcesOf = (figures: readonly Figure[]) =>
  [...new Set(figures.flatMap((f) => Object.keys(f.from) as SourceTable[]))].sort();

/** Start counting `figures` of an installation from its base tables (replacing whatever they hold). */
async function start(ctx: MutationCtx, installationId: Id<"installations">, figures: readonly Figure[]) {
  const backfill: Backfill = {
    figures: figures.map(figureId),
    phase: "clear",
    tables: sourcesOf(figures).map((table) => ({ table, through: 0, done: false })),
  };
  const state = await stateOf(ctx.db, installationId);
  if (state) await ctx.db.patch(state._id, { backfill });
  else await ctx.db.insert("metricState", { installationId, figures: [], backfill });
  await setMetricsBackfilling(ctx, installationId, true);
  await ctx.scheduler.runAfter(0, internal.metrics.backfill.step, { installationId });
}

/** Operators: count an installation's figures again from the base tables (all, or those named). */
export const restart = internalMutation({
  args: { installationId: v.id("installations"), figures: v.optional(v.array(v.string())) },
  handler: async (ctx, { installationId, figures }) => {
    const chosen = figures ? FIGURES.filter((f) => figures.includes(f.name) || figures.includes(figureId(f))) : FIGURES;
    await start(ctx, installationId, chosen);
  },
});

/** One chunk of a running backfill: clear, or count one page of one source table; reschedules itself. */
export const step = internalMutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const state = await stateOf(ctx.db, installationId);
    const backfill = state?.backfill;
    if (!state || !backfill) return;
    const again = () => ctx.scheduler.runAfter(0, internal.metrics.backfill.step, { installationId });
    if (backfill.phase === "clear") {
      const cleared = await deleteFigures(ctx, installationId, backfill.figures, CLEAR_BATCH);
      if (cleared === 0) await ctx.db.patch(state._id, { backfill: { ...backfill, phase: "count" } });
      await again();
      return;
    }
    const walk = backfill.tables.find((t) => !t.done);
    if (!walk) {
      // Counted: the figures join the installation's, and versions no longer declared go.
      const counted = [...new Set([...state.figures, ...backfill.figures])].filter((id) => declared().includes(id));
      await ctx.db.patch(state._id, { figures: counted, backfill: undefined });
      await setMetricsBackfilling(ctx, installationId, false);
      await ctx.scheduler.runAfter(0, internal.metrics.backfill.dropUndeclared, { installationId });
      return;
    }
    const table = walk.table as SourceTable;
    const docs = await ctx.db
      .query(table)
      .withIndex("by_installation_creation", (q) =>
        q.eq("installationId", installationId).gt("_creationTime", walk.through),
      )
      .take(PAGE[table]);
    const engine = new MetricsEngine(ctx.db, installationId, OPEN_GATE, figuresOf(backfill.figures));
    for (const doc of docs) engine.changed(table, doc.repositoryId, null, doc);
    await engine.flush();
    const next = { ...walk, through: docs.at(-1)?._creationTime ?? walk.through, done: docs.length < PAGE[table] };
    await ctx.db.patch(state._id, {
      backfill: { ...backfill, tables: backfill.tables.map((t) => (t.table === walk.table ? next : t)) },
    });
    await again();
  },
});

/** Delete up to `limit` bucket documents of the given figure ids; returns how many. */
async function deleteFigures(
  ctx: MutationCtx,
  installationId: Id<"installations">,
  figures: readonly string[],
  limit: number,
): Promise<number> {
  let deleted = 0;
  for (const figure of figures) {
    if (deleted >= limit) break;
    const docs = await ctx.db
      .query("metricBuckets")
      .withIndex("by_figure_scope_key_day", (q) => q.eq("installationId", installationId).eq("figure", figure))
      .take(limit - deleted);
    for (const d of docs) await ctx.db.delete(d._id);
    deleted += docs.length;
  }
  return deleted;
}

/** The documents of figure versions no longer declared, a batch per transaction. */
export const dropUndeclared = internalMutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const ids = declared();
    const stale: string[] = [];
    // Each figure's documents are contiguous in the index: skip from one figure to the next.
    for (let prev: string | null = null; ;) {
      const after: string | null = prev;
      const next: Doc<"metricBuckets"> | null = await ctx.db
        .query("metricBuckets")
        .withIndex("by_figure_scope_key_day", (q) =>
          after === null
            ? q.eq("installationId", installationId)
            : q.eq("installationId", installationId).gt("figure", after),
        )
        .first();
      if (!next) break;
      if (!ids.includes(next.figure)) stale.push(next.figure);
      prev = next.figure;
    }
    if ((await deleteFigures(ctx, installationId, stale, CLEAR_BATCH)) === CLEAR_BATCH)
      await ctx.scheduler.runAfter(0, internal.metrics.backfill.dropUndeclared, { installationId });
  },
});

/**
 * Cron: every installation whose counted figures are not the declared ones starts a backfill of the
 * missing ones (an installation seen for the first time: of all of them).
 */
export const ensureAll = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<void> =>
    forEachActiveInstallation(ctx, cursor, internal.metrics.backfill.ensureAll, async (installation) => {
      const state = await stateOf(ctx.db, installation._id);
      if (state?.backfill) return;
      const missing = FIGURES.filter((f) => !(state?.figures ?? []).includes(figureId(f)));
      if (missing.length > 0) await start(ctx, installation._id, missing);
    }),
});

/** An uninstalled installation's metrics documents, scores and state, up to `limit`; returns how many were deleted. */
export async function purgeMetricsOf(ctx: MutationCtx, installationId: Id<"installations">, limit: number) {
  const buckets = await ctx.db
    .query("metricBuckets")
    .withIndex("by_figure_scope_key_day", (q) => q.eq("installationId", installationId))
    .take(limit);
  const scores = await ctx.db
    .query("repositoryHealth")
    .withIndex("by_installation_day", (q) => q.eq("installationId", installationId))
    .take(limit - buckets.length);
  const docs = [...buckets, ...scores];
  for (const d of docs) await ctx.db.delete(d._id);
  if (docs.length < limit) {
    const state = await stateOf(ctx.db, installationId);
    if (state) {
      await ctx.db.delete(state._id);
      return docs.length + 1;
    }
  }
  return docs.length;
}

/** The tables the engine replaced (schema.ts): emptied a batch per transaction, whatever installation. */
const LEGACY = [
  "dailyActivity",
  "scopedDailyActivity",
  "reviewerDaily",
  "cycleDaily",
  "deploymentDaily",
  "ciDaily",
  "userDailyActivity",
] as const;

/** Operators, once after deploying the metrics engine: empties the legacy tables (then a release drops them). */
export const dropLegacy = internalMutation({
  args: {},
  handler: async (ctx) => {
    let deleted = 0;
    for (const table of LEGACY) {
      const docs = await ctx.db.query(table).take(CLEAR_BATCH - deleted);
      for (const d of docs) await ctx.db.delete(d._id);
      deleted += docs.length;
      if (deleted >= CLEAR_BATCH) break;
    }
    if (deleted >= CLEAR_BATCH) await ctx.scheduler.runAfter(0, internal.metrics.backfill.dropLegacy, {});
    return deleted;
  },
});
