/**
 * `verifyAggregates`: recount every derived figure of an installation from the base tables and
 * return the differences (none when the write path is correct). An action that recounts one page of
 * one repository per query, so each read stays inside a query's transaction limits at any size.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalQuery } from "../_generated/server";
import {
  addCounts,
  DAILY_FIELD,
  dayOf,
  HIST_BINS,
  issueOpenCounts,
  pullRequestDurations,
  pullRequestOpenCounts,
  shardOf,
  ZERO_DAILY,
  ZERO_OPEN,
  type DailyCounts,
  type OpenCounts,
} from "./contribution";
import { pickDaily } from "./derived";
import { derivePullRequest } from "./derivePullRequest";

type DayRecount = { day: number; counts: DailyCounts; firstReviewHist: number[]; mergeHist: number[] };
type UserDayRecount = { login: string; day: number; counts: DailyCounts };
type RecountPage = {
  fullName: string;
  githubId: number;
  removed: boolean;
  stats: OpenCounts;
  open: OpenCounts;
  differences: string[];
  days: DayRecount[];
  users: UserDayRecount[];
  isDone: boolean;
  continueCursor: string;
};

/** Rows recounted per query: a PR costs two index ranges (reviews, CI), far below 4,096 per transaction. */
const RECOUNT_PAGE = { pullRequests: 500, openIssues: 4_000, activity: 4_000 } as const;
const recountPart = v.union(v.literal("pullRequests"), v.literal("openIssues"), v.literal("activity"));

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
    const days = new Map<number, DayRecount>();
    const day = (d: number) => {
      let r = days.get(d);
      if (!r) days.set(d, (r = { day: d, counts: { ...ZERO_DAILY }, firstReviewHist: zeros(), mergeHist: zeros() }));
      return r;
    };
    const users = new Map<string, UserDayRecount>();
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
        const { firstReview, merge } = pullRequestDurations(pr);
        if (firstReview) day(firstReview.day).firstReviewHist[firstReview.bin]! += 1;
        if (merge) day(merge.day).mergeHist[merge.bin]! += 1;
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
      const events = await ctx.db
        .query("activityEvents")
        .withIndex("by_repo_time", (q) => q.eq("repositoryId", repositoryId))
        .paginate(paginationOpts);
      for (const e of events.page) {
        const d = dayOf(e.occurredAt);
        day(d).counts[DAILY_FIELD[e.type]] += 1;
        const key = `${e.actorLogin}\u0000${d}`;
        const u = users.get(key) ?? { login: e.actorLogin, day: d, counts: { ...ZERO_DAILY } };
        u.counts[DAILY_FIELD[e.type]] += 1;
        users.set(key, u);
      }
      page = events;
    }
    return {
      fullName: repo.fullName,
      githubId: repo.githubId,
      removed: repo.removed,
      stats: repo.stats,
      open,
      differences,
      days: [...days.values()],
      users: [...users.values()],
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
    const [shards, days, users] = await Promise.all([
      ctx.db
        .query("installationCounters")
        .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
        .collect(),
      ctx.db
        .query("dailyActivity")
        .withIndex("by_installation_day", (q) => q.eq("installationId", installationId))
        .collect(),
      ctx.db
        .query("userDailyActivity")
        .withIndex("by_installation_login_day", (q) => q.eq("installationId", installationId))
        .collect(),
    ]);
    return { shards, days, users };
  },
});

export const verifyAggregates = internalAction({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }): Promise<string[]> => {
    const differences: string[] = [];
    const shards = new Map<number, { repos: number; open: OpenCounts }>();
    const days = new Map<number, DayRecount>();
    const users = new Map<string, UserDayRecount>();

    const repositoryIds: Id<"repositories">[] = [];
    for (let cursor: string | null = null, done = false; !done;) {
      const page: { ids: Id<"repositories">[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(
        internal.model.verify.listRepositoryIds,
        { installationId, cursor },
      );
      repositoryIds.push(...page.ids);
      [cursor, done] = [page.continueCursor, page.isDone];
    }

    for (const repositoryId of repositoryIds) {
      let open: OpenCounts = ZERO_OPEN;
      let repo: { fullName: string; githubId: number; removed: boolean; stats: OpenCounts } | null = null;
      for (const part of ["pullRequests", "openIssues", "activity"] as const) {
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
          for (const d of r.days) {
            const acc = days.get(d.day) ?? {
              day: d.day,
              counts: { ...ZERO_DAILY },
              firstReviewHist: zeros(),
              mergeHist: zeros(),
            };
            acc.counts = addCounts(acc.counts, d.counts);
            acc.firstReviewHist = acc.firstReviewHist.map((x, i) => x + (d.firstReviewHist[i] ?? 0));
            acc.mergeHist = acc.mergeHist.map((x, i) => x + (d.mergeHist[i] ?? 0));
            days.set(d.day, acc);
          }
          for (const u of r.users) {
            const key = `${u.login}\u0000${u.day}`;
            const acc = users.get(key);
            users.set(key, acc ? { ...acc, counts: addCounts(acc.counts, u.counts) } : u);
          }
        }
      }
      if (!repo) continue;
      if (!sameCounts(repo.stats, open)) {
        differences.push(
          `${repo.fullName} stats: stored ${JSON.stringify(repo.stats)}, recount ${JSON.stringify(open)}`,
        );
      }
      if (!repo.removed) {
        const s = shards.get(shardOf(repo.githubId)) ?? { repos: 0, open: ZERO_OPEN };
        shards.set(shardOf(repo.githubId), { repos: s.repos + 1, open: addCounts(s.open, open) });
      }
    }

    const stored = await ctx.runQuery(internal.model.verify.readAggregates, { installationId });
    compare(
      differences,
      "shard",
      shards,
      stored.shards.map((s) => [s.shard, { repos: s.repos, open: pickOpen(s) }]),
      {
        repos: 0,
        open: ZERO_OPEN,
      },
    );
    compare(
      differences,
      "day",
      days,
      stored.days.map((d) => [
        d.day,
        { day: d.day, counts: pickDaily(d), firstReviewHist: d.firstReviewHist, mergeHist: d.mergeHist },
      ]),
      null,
    );
    compare(
      differences,
      "user day",
      users,
      stored.users.map((u) => [`${u.login}\u0000${u.day}`, { login: u.login, day: u.day, counts: pickDaily(u) }]),
      null,
    );
    return differences;
  },
});

const zeros = () => new Array<number>(HIST_BINS).fill(0);
const pickOpen = (d: Doc<"installationCounters">): OpenCounts => ({
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
