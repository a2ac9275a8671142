/**
 * `verifyAggregates`: recount every derived figure of an installation from the base tables and
 * return the differences (none when the write path is correct). An action that recounts one page of
 * one repository per query, so each read stays inside a query's transaction limits at any size.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import { internalAction } from "../functions";
import {
  addCounts,
  ALL_SCOPE,
  inPublicCounters,
  issueOpenCounts,
  PUBLIC_SCOPE,
  pullRequestOpenCounts,
  repositoryScope,
  shardOf,
  ZERO_OPEN,
  type OpenCounts,
} from "./contribution";
import { derivePullRequest } from "./derivePullRequest";

type RecountPage = {
  fullName: string;
  githubId: number;
  removed: boolean;
  private: boolean;
  stats: OpenCounts;
  open: OpenCounts;
  differences: string[];
  openRequests: Array<{ reviewer: string; open: number }>;
  isDone: boolean;
  continueCursor: string;
};

/** Rows recounted per query: a PR costs two index ranges (reviews, CI), far below 4,096 per transaction. */
const RECOUNT_PAGE = { pullRequests: 500, openIssues: 4_000, reviewRequests: 4_000 } as const;
const recountPart = v.union(v.literal("pullRequests"), v.literal("openIssues"), v.literal("reviewRequests"));

/**
 * One page of one part of a repository's recount. The action calls it until `isDone`, so a
 * repository of any size is recounted within each query's transaction limits.
 */
export const recountRepository = internalQuery({
  args: { repositoryId: v.id("repositories"), part: recountPart, cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, part, cursor }) => {
    const repo = (await ctx.db.get(repositoryId))!;
    const differences: string[] = [];
    let open: OpenCounts = ZERO_OPEN;
    const openRequests = new Map<string, number>();
    const paginationOpts = { numItems: RECOUNT_PAGE[part], cursor };
    let page: { isDone: boolean; continueCursor: string };

    if (part === "pullRequests") {
      const prs = await ctx.db
        .query("pullRequests")
        .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", repositoryId))
        .paginate(paginationOpts);
      for (const pr of prs.page) {
        const derived = await derivePullRequest(ctx.db, repositoryId, pr);
        for (const [field, value] of Object.entries(derived)) {
          const stored = pr[field as keyof typeof pr];
          if (JSON.stringify(stored) !== JSON.stringify(value)) {
            differences.push(
              `${repo.fullName}#${pr.number} ${field}: stored ${JSON.stringify(stored)}, derived ${JSON.stringify(value)}`,
            );
          }
        }
        open = addCounts(open, pullRequestOpenCounts(pr));
      }
      page = prs;
    } else if (part === "openIssues") {
      const issues = await ctx.db
        .query("issues")
        .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", repositoryId).eq("state", "open"))
        .paginate(paginationOpts);
      for (const issue of issues.page) open = addCounts(open, issueOpenCounts(issue));
      page = issues;
    } else {
      const rows = await ctx.db
        .query("reviewRequests")
        .withIndex("by_repository", (q) => q.eq("repositoryId", repositoryId))
        .paginate(paginationOpts);
      for (const r of rows.page) openRequests.set(r.reviewer, (openRequests.get(r.reviewer) ?? 0) + 1);
      page = rows;
    }
    return {
      fullName: repo.fullName,
      githubId: repo.githubId,
      removed: repo.removed,
      private: repo.private,
      stats: repo.stats,
      open,
      differences,
      openRequests: [...openRequests].map(([reviewer, open]) => ({ reviewer, open })),
      isDone: page.isDone,
      continueCursor: page.continueCursor,
    };
  },
});

export const listRepositoryIds = internalQuery({
  args: { installationId: v.id("installations"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { installationId, cursor }) => {
    const repos = await ctx.db
      .query("repositories")
      .withIndex("by_installation_github_id", (q) => q.eq("installationId", installationId))
      .paginate({ numItems: 1_000, cursor });
    return { ids: repos.page.map((r) => r._id), isDone: repos.isDone, continueCursor: repos.continueCursor };
  },
});

export const readAggregates = internalQuery({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const [shards, publicShards] = await Promise.all([
      ctx.db
        .query("installationCounters")
        .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
        .collect(),
      ctx.db
        .query("publicCounters")
        .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
        .collect(),
    ]);
    return { shards, publicShards };
  },
});

export const verifyAggregates = internalAction({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }): Promise<string[]> => {
    const differences: string[] = [];
    const shards = new Map<number, { repos: number; open: OpenCounts }>();
    const publicShards = new Map<number, { repos: number; open: OpenCounts }>();
    const openScopes = new Map<string, Map<string, { open: number }>>([
      [ALL_SCOPE, new Map()],
      [PUBLIC_SCOPE, new Map()],
    ]);

    const repositoryIds: Id<"repositories">[] = [];
    for (let cursor: string | null = null, done = false; !done;) {
      const page: { ids: Id<"repositories">[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(
        internal.model.verify.listRepositoryIds,
        { installationId, cursor },
      );
      repositoryIds.push(...page.ids);
      [cursor, done] = [page.continueCursor, page.isDone];
    }

    const repositories: Array<{ id: Id<"repositories">; fullName: string; private: boolean }> = [];
    for (const repositoryId of repositoryIds) {
      let open: OpenCounts = ZERO_OPEN;
      let repo: { fullName: string; githubId: number; removed: boolean; private: boolean; stats: OpenCounts } | null =
        null;
      const repoOpen = new Map<string, { open: number }>();
      for (const part of ["pullRequests", "openIssues", "reviewRequests"] as const) {
        for (let cursor: string | null = null, done = false; !done;) {
          const r: RecountPage = await ctx.runQuery(internal.model.verify.recountRepository, {
            repositoryId,
            part,
            cursor,
          });
          [cursor, done] = [r.continueCursor, r.isDone];
          repo = r;
          open = addCounts(open, r.open);
          differences.push(...r.differences);
          for (const x of r.openRequests) {
            repoOpen.set(x.reviewer, { open: (repoOpen.get(x.reviewer)?.open ?? 0) + x.open });
          }
        }
      }
      if (!repo) continue;
      repositories.push({ id: repositoryId, fullName: repo.fullName, private: repo.private });
      for (let cursor: string | null = null, done = false; !done;) {
        const page: { differences: string[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(
          internal.model.deployments.checkDeploymentPage,
          { repositoryId, cursor },
        );
        differences.push(...page.differences);
        [cursor, done] = [page.continueCursor, page.isDone];
      }
      if (!sameCounts(repo.stats, open)) {
        differences.push(
          `${repo.fullName} stats: stored ${JSON.stringify(repo.stats)}, recount ${JSON.stringify(open)}`,
        );
      }
      if (!repo.removed) {
        const s = shards.get(shardOf(repo.githubId)) ?? { repos: 0, open: ZERO_OPEN };
        shards.set(shardOf(repo.githubId), { repos: s.repos + 1, open: addCounts(s.open, open) });
      }
      if (inPublicCounters(repo)) {
        const s = publicShards.get(shardOf(repo.githubId)) ?? { repos: 0, open: ZERO_OPEN };
        publicShards.set(shardOf(repo.githubId), { repos: s.repos + 1, open: addCounts(s.open, open) });
      }
      const own = await readOpenRequests(ctx, installationId, repositoryScope(repositoryId));
      compare(differences, `${repo.fullName} scope open requests`, repoOpen, own, null);
      for (const [reviewer, { open: n }] of repoOpen) {
        for (const [group, counted] of [
          [ALL_SCOPE, !repo.removed],
          [PUBLIC_SCOPE, inPublicCounters(repo)],
        ] as const) {
          const m = openScopes.get(group)!;
          if (counted) m.set(reviewer, { open: (m.get(reviewer)?.open ?? 0) + n });
        }
      }
    }
    // What the other rooms derive from these repositories (convex/functions.ts: the metrics engine's figures).
    for (const verify of ctx.verifiers) differences.push(...(await verify(ctx, installationId, repositories)));
    for (const scope of [PUBLIC_SCOPE, ALL_SCOPE]) {
      const stored = await readOpenRequests(ctx, installationId, scope);
      compare(differences, `${scope} open requests`, openScopes.get(scope)!, stored, null);
    }

    const stored = await ctx.runQuery(internal.model.verify.readAggregates, { installationId });
    const shardRows = (rows: Array<Doc<"installationCounters"> | Doc<"publicCounters">>) =>
      rows.map((s): [number, { repos: number; open: OpenCounts }] => [s.shard, { repos: s.repos, open: pickOpen(s) }]);
    const zero = { repos: 0, open: ZERO_OPEN };
    compare(differences, "shard", shards, shardRows(stored.shards), zero);
    compare(differences, "public shard", publicShards, shardRows(stored.publicShards), zero);
    return differences;
  },
});

/** One page of a scope's outstanding requests per reviewer. */
export const readOpenRequestsPage = internalQuery({
  args: { installationId: v.id("installations"), scope: v.string(), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { installationId, scope, cursor }) => {
    const rows = await ctx.db
      .query("reviewerOpenRequests")
      .withIndex("by_installation_scope_reviewer", (q) => q.eq("installationId", installationId).eq("scope", scope))
      .paginate({ numItems: 1_000, cursor });
    return {
      open: rows.page.map((r): [string, { open: number }] => [r.reviewer, { open: r.open }]),
      isDone: rows.isDone,
      continueCursor: rows.continueCursor,
    };
  },
});

async function readOpenRequests(ctx: ActionCtx, installationId: Id<"installations">, scope: string) {
  const out: Array<[string, { open: number }]> = [];
  for (let cursor: string | null = null, done = false; !done;) {
    const page: { open: Array<[string, { open: number }]>; isDone: boolean; continueCursor: string } =
      await ctx.runQuery(internal.model.verify.readOpenRequestsPage, { installationId, scope, cursor });
    out.push(...page.open);
    [cursor, done] = [page.continueCursor, page.isDone];
  }
  return out;
}

const pickOpen = (d: Doc<"installationCounters"> | Doc<"publicCounters">): OpenCounts => ({
  openPrs: d.openPrs,
  green: d.green,
  yellow: d.yellow,
  red: d.red,
  openIssues: d.openIssues,
});
const sameCounts = (a: object, b: object) => JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
/** Key-order-independent form; an all-zero figure equals an absent one. */
function normalize(x: unknown): unknown {
  if (Array.isArray(x)) return x;
  if (x && typeof x === "object") {
    return Object.fromEntries(
      Object.entries(x)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return x;
}
const isEmpty = (x: unknown): boolean =>
  typeof x === "number"
    ? x === 0
    : Array.isArray(x)
      ? x.every(isEmpty)
      : typeof x === "object" && x !== null
        ? Object.entries(x).every(([k, v]) => k === "day" || k === "login" || isEmpty(v))
        : true;

function compare<K, T extends object>(
  out: string[],
  label: string,
  recount: Map<K, T>,
  stored: Array<[K, T]>,
  zero: T | null,
) {
  const storedMap = new Map(stored);
  for (const key of new Set([...recount.keys(), ...storedMap.keys()])) {
    const want = recount.get(key) ?? zero;
    const have = storedMap.get(key) ?? zero;
    if (want !== null && have !== null && sameCounts(want, have)) continue;
    if ((want === null || isEmpty(want)) && (have === null || isEmpty(have))) continue;
    out.push(
      `${label} ${String(key).replace("\u0000", "@")}: stored ${JSON.stringify(have)}, recount ${JSON.stringify(want)}`,
    );
  }
}
