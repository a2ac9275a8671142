/**
 * The metrics engine's state per installation (`metricState`): which figures it has counted, and a
 * running backfill (backfill.ts). A write path opens its engine through `gateFor`: no read unless the
 * installation's row says a backfill runs.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { FIGURES, figureId } from "./figures";

export type Backfill = NonNullable<Doc<"metricState">["backfill"]>;

/** Which figures a write applies to: all, or (during a backfill) those whose documents were counted. */
export interface Gate {
  applies(figure: { name: string; version: number }, table: string, creationTime: number | undefined): boolean;
}
export const OPEN_GATE: Gate = { applies: () => true };

export const declared = () => FIGURES.map(figureId);

export const stateOf = (db: DatabaseReader, installationId: Id<"installations">) =>
  db
    .query("metricState")
    .withIndex("by_installation", (q) => q.eq("installationId", installationId))
    .unique();

/**
 * What a live write may count: everything, unless a backfill of the figure runs — then nothing while its
 * documents are cleared, and only documents its walk has passed while it counts.
 */
function gateOf(backfill: Backfill | undefined): Gate {
  if (!backfill) return OPEN_GATE;
  return {
    applies(figure, table, creationTime) {
      if (!backfill.figures.includes(figureId(figure))) return true;
      if (backfill.phase === "clear") return false;
      const walk = backfill.tables.find((t) => t.table === table);
      if (!walk || walk.done) return true;
      return creationTime !== undefined && creationTime <= walk.through;
    },
  };
}

/**
 * The gate of an installation's write path: open (no read) unless a backfill runs, as its row says. An
 * installation the engine has not met yet is counted as its data comes, until the backfill cron counts
 * it from its base tables.
 */
export async function gateFor(db: DatabaseReader, installation: Doc<"installations">): Promise<Gate> {
  if (!installation.metricsBackfilling) return OPEN_GATE;
  return gateOf((await stateOf(db, installation._id))?.backfill);
}
