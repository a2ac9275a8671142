/**
 * The metrics engine's state per installation (`metricState`): which figures it has counted, and a
 * running backfill (backfill.ts). A write path opens its engine through `gateFor`: one indexed read.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader, MutationCtx } from "../_generated/server";
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
 * The gate of an installation's write path. An installation the engine has not met yet and that holds
 * no data is counted from its first write on (its state is recorded now); one with data written before
 * the engine knew it is counted as it comes, until the backfill cron recounts it.
 */
export async function gateFor(db: MutationCtx["db"], installationId: Id<"installations">): Promise<Gate> {
  const state = await stateOf(db, installationId);
  if (state) return gateOf(state.backfill);
  const tables = ["pullRequests", "activityEvents", "deployments", "ciResults"] as const;
  for (const table of tables) {
    const any = await db
      .query(table)
      .withIndex("by_installation_creation", (q) => q.eq("installationId", installationId))
      .first();
    if (any) return OPEN_GATE;
  }
  await db.insert("metricState", { installationId, figures: declared() });
  return OPEN_GATE;
}
