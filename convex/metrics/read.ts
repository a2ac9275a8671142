/**
 * Reading figures: a query names a figure, the scopes the caller may read (dashboard/scoped.ts
 * `bucketScopes`), a key and a day range, and sums what it needs — one index range per scope, at most
 * one document per day each.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { figureId, type Figure } from "./figures";
import { addHist, type Hist } from "./histogram";

type Db = Pick<QueryCtx, "db">["db"];
type Bucket = Doc<"metricBuckets">;
/** Named counters and histograms, summed. */
export type Sums = { n: Record<string, number>; h: Record<string, Hist> };

export const emptySums = (): Sums => ({ n: {}, h: {} });

/** `into += entry`, in place. */
export function addSums(into: Sums, e: { n: Record<string, number>; h: Record<string, Hist> }): Sums {
  for (const [name, x] of Object.entries(e.n)) into.n[name] = (into.n[name] ?? 0) + x;
  for (const [name, hist] of Object.entries(e.h)) into.h[name] = addHist(into.h[name] ?? {}, hist);
  return into;
}

/** A figure's documents of days `from`..`to` (inclusive) in the scopes, for one key ("" by default). */
export async function readBuckets(
  db: Db,
  installationId: Id<"installations">,
  figure: Figure,
  scopes: readonly string[],
  range: { from: number; to: number },
  key = "",
): Promise<Bucket[]> {
  const id = figureId(figure);
  const lists = await Promise.all(
    scopes.map((scope) =>
      db
        .query("metricBuckets")
        .withIndex("by_figure_scope_key_day", (q) =>
          q
            .eq("installationId", installationId)
            .eq("figure", id)
            .eq("scope", scope)
            .eq("key", key)
            .gte("day", range.from)
            .lte("day", range.to),
        )
        .collect(),
    ),
  );
  return lists.flat();
}

/** Every entry of the documents summed (or those `entry` keeps). */
export function total(docs: readonly Bucket[], entry: (k: string) => boolean = () => true): Sums {
  const out = emptySums();
  for (const d of docs) for (const e of d.entries) if (entry(e.k)) addSums(out, e);
  return out;
}

/** The documents' sums per day. */
export function byDay(docs: readonly Bucket[]): Map<number, Sums> {
  const out = new Map<number, Sums>();
  for (const d of docs) {
    const sums = out.get(d.day) ?? emptySums();
    out.set(d.day, sums);
    for (const e of d.entries) addSums(sums, e);
  }
  return out;
}

/** The documents' sums per entry (a reviewer). */
export function byEntry(docs: readonly Bucket[]): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const d of docs) {
    for (const e of d.entries) {
      const sums = out.get(e.k) ?? emptySums();
      out.set(e.k, sums);
      addSums(sums, e);
    }
  }
  return out;
}

/** The newest day with a document of the figure in any of the scopes (key ""), or null. */
export async function newestDay(
  db: Db,
  installationId: Id<"installations">,
  figure: Figure,
  scopes: readonly string[],
): Promise<number | null> {
  const id = figureId(figure);
  let day: number | null = null;
  for (const scope of scopes) {
    const newest = await db
      .query("metricBuckets")
      .withIndex("by_figure_scope_key_day", (q) =>
        q.eq("installationId", installationId).eq("figure", id).eq("scope", scope).eq("key", ""),
      )
      .order("desc")
      .first();
    if (newest && (day === null || newest.day > day)) day = newest.day;
  }
  return day;
}
