/**
 * The metrics engine: keeps `metricBuckets` equal to the sum of every declared figure's contributions
 * (figures.ts). One engine per write-path transaction accumulates the deltas of every base document
 * that changed — contribution(after) − contribution(before) — and `flush` writes each touched bucket
 * document once, deleting those that fall back to zero. The same code adds a backfill's documents
 * (backfill.ts), moves a repository's buckets when its privacy flips (moves.ts), and recounts
 * (recount.ts).
 *
 * A bucket document is (installation, figure, scope, key, day) with a list of entries, each a set of
 * named counters and sparse histograms (one entry, k "", unless the figure keeps one per reviewer).
 * A repository's own documents of a "visibility" figure carry `inPublic`: whether "public" counts them
 * (the stored marker wins), so a flip moves them in chunks and writes in between stay exact.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { ALL_SCOPE, PUBLIC_SCOPE, repositoryScope } from "../model/contribution";
import type { SourceTable, Written } from "../model/changes";
import { FIGURES, figureId, type Contribution, type Figure } from "./figures";
import { addHist, DURATIONS, sampleOf, type Hist } from "./histogram";
import { gateFor, OPEN_GATE, type Gate } from "./state";

export { OPEN_GATE };

type Db = MutationCtx["db"];
export type Entry = { k: string; n: Record<string, number>; h: Record<string, Hist> };
type Bucket = { figure: string; key: string; day: number; entries: Map<string, Entry> };

const bucketKey = (figure: string, key: string, day: number) => `${figure}\u0000${key}\u0000${day}`;
const emptyEntry = (k: string): Entry => ({ k, n: {}, h: {} });
const isEmptyEntry = (e: Entry) =>
  Object.values(e.n).every((x) => x === 0) && Object.values(e.h).every((h) => Object.keys(h).length === 0);

/** `into += sign × delta`, entry by entry, zeros dropped. */
export function addEntries(into: Map<string, Entry>, delta: Iterable<Entry>, sign = 1): Map<string, Entry> {
  for (const d of delta) {
    const e = into.get(d.k) ?? emptyEntry(d.k);
    const n = { ...e.n };
    for (const [name, x] of Object.entries(d.n)) {
      const sum = (n[name] ?? 0) + sign * x;
      if (sum === 0) delete n[name];
      else n[name] = sum;
    }
    const h = { ...e.h };
    for (const [name, hist] of Object.entries(d.h)) {
      const sum = addHist(h[name] ?? {}, hist, sign);
      if (Object.keys(sum).length === 0) delete h[name];
      else h[name] = sum;
    }
    const next = { k: d.k, n, h };
    if (isEmptyEntry(next)) into.delete(d.k);
    else into.set(d.k, next);
  }
  return into;
}

/** Entries in stored order (by k). */
const stored = (m: Map<string, Entry>) => [...m.values()].sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));

function entryOf(c: Contribution): Entry {
  const h: Record<string, Hist> = {};
  for (const [name, ms] of Object.entries(c.h ?? {})) h[name] = sampleOf(DURATIONS, ms);
  return { k: c.entry ?? "", n: { ...(c.n ?? {}) }, h };
}

/**
 * Add `sign × entries` to one bucket document (inserted, patched, or deleted when empty). A repository's
 * scope passes `inPublic` (where a new document is counted); returns where the document is counted.
 */
export async function addToBucket(
  db: Db,
  installationId: Id<"installations">,
  where: { figure: string; scope: string; key: string; day: number },
  entries: Iterable<Entry>,
  sign: 1 | -1,
  inPublic?: boolean,
): Promise<boolean | undefined> {
  const { figure, scope, key, day } = where;
  const doc = await db
    .query("metricBuckets")
    .withIndex("by_figure_scope_key_day", (q) =>
      q.eq("installationId", installationId).eq("figure", figure).eq("scope", scope).eq("key", key).eq("day", day),
    )
    .unique();
  const sum = addEntries(new Map((doc?.entries ?? []).map((e) => [e.k, e])), entries, sign);
  if (doc && sum.size === 0) await db.delete(doc._id);
  else if (doc) await db.patch(doc._id, { entries: stored(sum) });
  else if (sum.size > 0)
    await db.insert("metricBuckets", {
      installationId,
      figure,
      scope,
      key,
      day,
      entries: stored(sum),
      ...(inPublic !== undefined && { inPublic }),
    });
  return doc ? doc.inPublic : inPublic;
}

export class MetricsEngine {
  private readonly deltas = new Map<Id<"repositories">, Map<string, Bucket>>();

  /** The engine of a write path on the installation (gated while a backfill runs). */
  static async open(db: Db, installation: Doc<"installations">): Promise<MetricsEngine> {
    return new MetricsEngine(db, installation._id, await gateFor(db, installation));
  }

  constructor(
    private readonly db: Db,
    private readonly installationId: Id<"installations">,
    private readonly gate: Gate = OPEN_GATE,
    private readonly figures: readonly Figure[] = FIGURES,
  ) {}

  /** A base document of the repository changed from `before` to `after` (null: absent). */
  changed<T extends SourceTable>(
    table: T,
    repositoryId: Id<"repositories">,
    before: Written<T> | null,
    after: Written<T> | null,
  ): void {
    for (const figure of this.figures) {
      const of = figure.from[table] as ((doc: Written<T>) => Contribution[]) | undefined;
      if (!of) continue;
      // A document the running backfill has not reached yet is counted by the backfill, as it is then.
      if (!this.gate.applies(figure, table, before?._creationTime ?? after?._creationTime)) continue;
      const was = before ? of(before) : [];
      const now = after ? of(after) : [];
      if (JSON.stringify(was) === JSON.stringify(now)) continue;
      for (const c of was) this.add(repositoryId, figure, c, -1);
      for (const c of now) this.add(repositoryId, figure, c, 1);
    }
  }

  private add(repositoryId: Id<"repositories">, figure: Figure, c: Contribution, sign: 1 | -1) {
    const m = this.deltas.get(repositoryId) ?? new Map<string, Bucket>();
    this.deltas.set(repositoryId, m);
    const id = figureId(figure);
    const key = c.key ?? "";
    const k = bucketKey(id, key, c.day);
    const bucket = m.get(k) ?? { figure: id, key, day: c.day, entries: new Map() };
    m.set(k, bucket);
    addEntries(bucket.entries, [entryOf(c)], sign);
  }

  /** Write every touched bucket once: each repository's own, then "public" (as counted) and "all". */
  async flush(): Promise<void> {
    const scopesOf = new Map(this.figures.map((f) => [figureId(f), f.scopes]));
    const groups = { [PUBLIC_SCOPE]: new Map<string, Bucket>(), [ALL_SCOPE]: new Map<string, Bucket>() };
    const into = (scope: keyof typeof groups, b: Bucket) => {
      const k = bucketKey(b.figure, b.key, b.day);
      const acc = groups[scope].get(k) ?? { ...b, entries: new Map<string, Entry>() };
      groups[scope].set(k, acc);
      addEntries(acc.entries, b.entries.values());
    };
    for (const [repositoryId, buckets] of this.deltas) {
      const repo = await this.db.get(repositoryId);
      if (!repo) continue;
      for (const b of buckets.values()) {
        if (b.entries.size === 0) continue;
        const scopes = scopesOf.get(b.figure);
        if (scopes === "installation") {
          into(ALL_SCOPE, b);
          continue;
        }
        const visibility = scopes === "visibility";
        const where = { figure: b.figure, scope: repositoryScope(repositoryId), key: b.key, day: b.day };
        const inPublic = await addToBucket(
          this.db,
          this.installationId,
          where,
          b.entries.values(),
          1,
          visibility ? !repo.private : undefined,
        );
        if (!visibility) continue;
        into(ALL_SCOPE, b);
        if (inPublic) into(PUBLIC_SCOPE, b);
      }
    }
    for (const [scope, buckets] of Object.entries(groups)) {
      for (const b of buckets.values()) {
        if (b.entries.size === 0) continue;
        await addToBucket(
          this.db,
          this.installationId,
          { figure: b.figure, scope, key: b.key, day: b.day },
          b.entries.values(),
          1,
        );
      }
    }
    this.deltas.clear();
  }
}
