/**
 * `verifyAggregates`' recount of `cycleDaily` (model/cycle.ts): every merged PR's contribution, summed
 * per repository scope, "public" (repositories public now) and "all", compared with the stored
 * documents. The PRs' stored derived fields (approvedAt, deployedAt) are checked against a
 * re-derivation by the PR recount in verify.ts; this recount uses the stored ones, as the write path does.
 * Page by page (one index range each), so any installation size fits a query's limits.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import { ALL_SCOPE, PUBLIC_SCOPE, repositoryScope } from "./contribution";
import { addContribution, addCycle, cycleContribution, figuresOf, zeroCycle, type CycleFigures } from "./cycle";

type Series = { author: string; day: number; f: CycleFigures };
type Page<T> = { rows: T[]; isDone: boolean; continueCursor: string };

const PAGE = 1_000;
const key = (author: string, day: number) => `${author}\u0000${day}`;

/** One page of a repository's merged PRs, as the series they contribute to. */
export const recountCyclePage = internalQuery({
  args: { repositoryId: v.id("repositories"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, cursor }): Promise<Page<Series>> => {
    const prs = await ctx.db
      .query("pullRequests")
      .withIndex("by_repo_merged", (q) => q.eq("repositoryId", repositoryId).gte("mergedAt", 0))
      .paginate({ numItems: PAGE, cursor });
    const out = new Map<string, Series>();
    for (const pr of prs.page) {
      const c = cycleContribution(pr);
      if (!c) continue;
      for (const author of c.author === "" ? [""] : ["", c.author]) {
        const s = out.get(key(author, c.day)) ?? { author, day: c.day, f: zeroCycle() };
        addContribution(s.f, c, 1);
        out.set(key(author, c.day), s);
      }
    }
    return { rows: [...out.values()], isDone: prs.isDone, continueCursor: prs.continueCursor };
  },
});

/** One page of a scope's stored `cycleDaily` documents. */
export const readCyclePage = internalQuery({
  args: { installationId: v.id("installations"), scope: v.string(), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { installationId, scope, cursor }): Promise<Page<Series & { inPublic?: boolean }>> => {
    const docs = await ctx.db
      .query("cycleDaily")
      .withIndex("by_installation_scope_author_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
      .paginate({ numItems: PAGE, cursor });
    return {
      rows: docs.page.map((d) => ({
        author: d.author,
        day: d.day,
        f: figuresOf(d),
        ...(d.inPublic !== undefined && { inPublic: d.inPublic }),
      })),
      isDone: docs.isDone,
      continueCursor: docs.continueCursor,
    };
  },
});

export const cycleRepositories = internalQuery({
  args: { ids: v.array(v.id("repositories")) },
  handler: async (ctx, { ids }) =>
    (await Promise.all(ids.map((id) => ctx.db.get(id)))).flatMap((r) =>
      r ? [{ id: r._id, fullName: r.fullName, private: r.private }] : [],
    ),
});

async function all<T>(next: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  for (let cursor: string | null = null, done = false; !done;) {
    const page: Page<T> = await next(cursor);
    out.push(...page.rows);
    [cursor, done] = [page.continueCursor, page.isDone];
  }
  return out;
}

/** The differences between the stored `cycleDaily` documents and a recount from the PRs. */
export async function verifyCycle(
  ctx: ActionCtx,
  installationId: Id<"installations">,
  repositoryIds: Id<"repositories">[],
): Promise<string[]> {
  const differences: string[] = [];
  const groups = new Map<string, Map<string, Series>>([
    [ALL_SCOPE, new Map()],
    [PUBLIC_SCOPE, new Map()],
  ]);
  const add = (m: Map<string, Series>, s: Series) => {
    const acc = m.get(key(s.author, s.day)) ?? { author: s.author, day: s.day, f: zeroCycle() };
    m.set(key(s.author, s.day), { ...acc, f: addCycle(acc.f, s.f) });
  };
  const stored = (scope: string) =>
    all((cursor) => ctx.runQuery(internal.model.cycleRecount.readCyclePage, { installationId, scope, cursor }));
  const repos = [];
  // A thousand repositories per query: far below a query's read limit.
  for (let i = 0; i < repositoryIds.length; i += 1_000) {
    const ids = repositoryIds.slice(i, i + 1_000);
    repos.push(...(await ctx.runQuery(internal.model.cycleRecount.cycleRepositories, { ids })));
  }
  for (const repo of repos) {
    const recount = new Map<string, Series>();
    const rows = await all((cursor) =>
      ctx.runQuery(internal.model.cycleRecount.recountCyclePage, { repositoryId: repo.id, cursor }),
    );
    for (const s of rows) {
      add(recount, s);
      add(groups.get(ALL_SCOPE)!, s);
      if (!repo.private) add(groups.get(PUBLIC_SCOPE)!, s);
    }
    const own = await stored(repositoryScope(repo.id));
    compare(differences, `${repo.fullName} cycle`, recount, own);
    for (const d of own) {
      if (d.inPublic !== !repo.private) {
        differences.push(
          `${repo.fullName} cycle day ${d.day}@${d.author}: counted ${d.inPublic ? "in" : "out of"} "public"`,
        );
      }
    }
  }
  for (const [scope, recount] of groups) compare(differences, `${scope} cycle`, recount, await stored(scope));
  return differences;
}

function compare(out: string[], label: string, recount: Map<string, Series>, stored: Series[]) {
  const have = new Map(stored.map((s) => [key(s.author, s.day), s]));
  for (const k of new Set([...recount.keys(), ...have.keys()])) {
    const [want, got] = [recount.get(k)?.f ?? zeroCycle(), have.get(k)?.f ?? zeroCycle()];
    if (JSON.stringify(want) === JSON.stringify(addCycle(zeroCycle(), got))) continue;
    out.push(`${label} ${k.replace("\u0000", "@")}: stored ${JSON.stringify(got)}, recount ${JSON.stringify(want)}`);
  }
}
