/**
 * The recount of every declared figure (`verifyAggregates`' metrics part): each repository's base
 * documents summed through the same declarations, page by page, against its own bucket documents, and
 * the sums against "public" and "all". A figure declared once is recounted without a line of its own.
 */
import type { PaginationResult } from "convex/server";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx, type QueryCtx } from "../_generated/server";
import { ALL_SCOPE, PUBLIC_SCOPE, repositoryScope } from "../model/contribution";
import { addEntries, type Entry } from "./engine";
import { FIGURES, figureId, type Contribution, type SourceTable } from "./figures";
import { DURATIONS, sampleOf } from "./histogram";

/** Base documents recounted per query page, and stored buckets read per page. */
const PAGE = 300;
const SOURCES: readonly SourceTable[] = ["pullRequests", "activityEvents", "deployments", "ciResults"];

/** A page of a repository's documents of a source table (each by an index that starts with the repository). */
function sourcePage(
  db: QueryCtx["db"],
  table: SourceTable,
  repositoryId: Id<"repositories">,
  opts: { numItems: number; cursor: string | null },
): Promise<PaginationResult<Doc<SourceTable>>> {
  switch (table) {
    case "pullRequests":
      return db
        .query(table)
        .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", repositoryId))
        .paginate(opts);
    case "activityEvents":
      return db
        .query(table)
        .withIndex("by_repo_key", (q) => q.eq("repositoryId", repositoryId))
        .paginate(opts);
    case "deployments":
      return db
        .query(table)
        .withIndex("by_repo_source_github_id", (q) => q.eq("repositoryId", repositoryId))
        .paginate(opts);
    case "ciResults":
      return db
        .query(table)
        .withIndex("by_repo_sha_name", (q) => q.eq("repositoryId", repositoryId))
        .paginate(opts);
  }
}
type Counted = { figure: string; key: string; day: number; entries: Entry[] };
type Sums = Map<string, { figure: string; key: string; day: number; entries: Map<string, Entry> }>;

const slot = (figure: string, key: string, day: number) => `${figure}\u0000${key}\u0000${day}`;

function addCounted(into: Sums, c: Counted) {
  const k = slot(c.figure, c.key, c.day);
  const acc = into.get(k) ?? { figure: c.figure, key: c.key, day: c.day, entries: new Map() };
  into.set(k, acc);
  addEntries(acc.entries, c.entries);
}

/** One page of a repository's documents of one source table, their contributions summed per bucket. */
export const recountPage = internalQuery({
  args: {
    repositoryId: v.id("repositories"),
    table: v.union(
      v.literal("pullRequests"),
      v.literal("activityEvents"),
      v.literal("deployments"),
      v.literal("ciResults"),
    ),
    cursor: v.union(v.string(), v.null()),
  },
  handler: async (ctx, { repositoryId, table, cursor }) => {
    const page = await sourcePage(ctx.db, table, repositoryId, { numItems: PAGE, cursor });
    const sums: Sums = new Map();
    for (const doc of page.page) {
      for (const figure of FIGURES) {
        const of = figure.from[table] as ((d: Doc<SourceTable>) => Contribution[]) | undefined;
        for (const c of of?.(doc) ?? []) {
          const h = Object.fromEntries(Object.entries(c.h ?? {}).map(([name, ms]) => [name, sampleOf(DURATIONS, ms)]));
          addCounted(sums, {
            figure: figureId(figure),
            key: c.key ?? "",
            day: c.day,
            entries: [{ k: c.entry ?? "", n: { ...(c.n ?? {}) }, h }],
          });
        }
      }
    }
    return {
      buckets: [...sums.values()].map((b) => ({ ...b, entries: [...b.entries.values()] })),
      isDone: page.isDone,
      continueCursor: page.continueCursor,
    };
  },
});

/** One page of a scope's stored bucket documents (every figure). */
export const storedPage = internalQuery({
  args: { installationId: v.id("installations"), scope: v.string(), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { installationId, scope, cursor }) => {
    const page = await ctx.db
      .query("metricBuckets")
      .withIndex("by_scope_public_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
      .paginate({ numItems: PAGE, cursor });
    return {
      buckets: page.page.map((d: Doc<"metricBuckets">) => ({
        figure: d.figure,
        key: d.key,
        day: d.day,
        entries: d.entries,
        inPublic: d.inPublic ?? null,
      })),
      isDone: page.isDone,
      continueCursor: page.continueCursor,
    };
  },
});

/** A bucket's entries in one canonical text (keys sorted, zeros dropped), for comparison. */
function canonical(entries: Iterable<Entry>): string {
  const sorted = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  const kept = [...addEntries(new Map(), entries).values()].sort((a, b) => (a.k < b.k ? -1 : 1));
  return JSON.stringify(
    kept.map((e) => ({
      k: e.k,
      n: sorted(e.n),
      h: sorted(Object.fromEntries(Object.entries(e.h).map(([k, h]) => [k, sorted(h)]))),
    })),
  );
}

function compare(label: string, recount: Sums, stored: Sums, out: string[]) {
  for (const k of new Set([...recount.keys(), ...stored.keys()])) {
    const [want, got] = [recount.get(k), stored.get(k)];
    const [a, b] = [canonical(want?.entries.values() ?? []), canonical(got?.entries.values() ?? [])];
    if (a === b) continue;
    const b0 = want ?? got!;
    out.push(`${label} ${b0.figure} key "${b0.key}" day ${b0.day}: stored ${b}, recount ${a}`);
  }
}

/** The recount of every declared figure of an installation; returns the differences. */
export async function verifyMetrics(
  ctx: ActionCtx,
  installationId: Id<"installations">,
  repositories: Array<{ id: Id<"repositories">; fullName: string; private: boolean }>,
): Promise<string[]> {
  const differences: string[] = [];
  const scopesOf = new Map(FIGURES.map((f) => [figureId(f), f.scopes]));
  const stored = async (
    scope: string,
    misplaced?: (b: { inPublic: boolean | null; figure: string; day: number }) => void,
  ) => {
    const out: Sums = new Map();
    for (let cursor: string | null = null, done = false; !done;) {
      const page: { buckets: Array<Counted & { inPublic: boolean | null }>; isDone: boolean; continueCursor: string } =
        await ctx.runQuery(internal.metrics.recount.storedPage, { installationId, scope, cursor });
      for (const b of page.buckets) {
        addCounted(out, b);
        misplaced?.(b);
      }
      [cursor, done] = [page.continueCursor, page.isDone];
    }
    return out;
  };
  const [all, pub]: [Sums, Sums] = [new Map(), new Map()];
  for (const repo of repositories) {
    const own: Sums = new Map();
    for (const table of SOURCES) {
      for (let cursor: string | null = null, done = false; !done;) {
        const page: { buckets: Counted[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(
          internal.metrics.recount.recountPage,
          { repositoryId: repo.id, table, cursor },
        );
        for (const b of page.buckets) {
          const scopes = scopesOf.get(b.figure);
          if (scopes !== "installation") addCounted(own, b);
          if (scopes !== "repository") addCounted(all, b);
          if (scopes === "visibility" && !repo.private) addCounted(pub, b);
        }
        [cursor, done] = [page.continueCursor, page.isDone];
      }
    }
    const label = `${repo.fullName} scope`;
    const have = await stored(repositoryScope(repo.id), (b) => {
      if (scopesOf.get(b.figure) === "visibility" && b.inPublic === repo.private)
        differences.push(
          `${label} ${b.figure} day ${b.day}: counted ${repo.private ? "in" : "out of"} "public" (move pending)`,
        );
    });
    compare(label, own, have, differences);
  }
  compare("public", pub, await stored(PUBLIC_SCOPE), differences);
  compare("all", all, await stored(ALL_SCOPE), differences);
  return differences;
}
