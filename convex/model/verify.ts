/**
 * `verifyAggregates`: recount every derived figure of an installation from the base tables and
 * return the differences (none when the write path is correct). An action that recounts one
 * repository per query, so each read stays inside a query's transaction limits at any size.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
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

export const recountRepository = internalQuery({
  args: { repositoryId: v.id("repositories") },
  handler: async (ctx, { repositoryId }) => {
    const repo = (await ctx.db.get(repositoryId))!;
    const differences: string[] = [];
    let open: OpenCounts = ZERO_OPEN;
    const days = new Map<number, DayRecount>();
    const day = (d: number) => {
      let r = days.get(d);
      if (!r) days.set(d, (r = { day: d, counts: { ...ZERO_DAILY }, firstReviewHist: zeros(), mergeHist: zeros() }));
      return r;
    };

    const prs = ctx.db
      .query("pullRequests")
      .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", repositoryId));
    for await (const pr of prs) {
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
    const openIssues = ctx.db
      .query("issues")
      .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", repositoryId).eq("state", "open"));
    for await (const issue of openIssues) open = addCounts(open, issueOpenCounts(issue));

    const users = new Map<string, UserDayRecount>();
    const events = ctx.db.query("activityEvents").withIndex("by_repo_time", (q) => q.eq("repositoryId", repositoryId));
    for await (const e of events) {
      const d = dayOf(e.occurredAt);
      day(d).counts[DAILY_FIELD[e.type]] += 1;
      const key = `${e.actorLogin}\u0000${d}`;
      const u = users.get(key) ?? { login: e.actorLogin, day: d, counts: { ...ZERO_DAILY } };
      u.counts[DAILY_FIELD[e.type]] += 1;
      users.set(key, u);
    }
    if (!sameCounts(repo.stats, open)) {
      differences.push(`${repo.fullName} stats: stored ${JSON.stringify(repo.stats)}, recount ${JSON.stringify(open)}`);
    }
    return {
      githubId: repo.githubId,
      removed: repo.removed,
      open,
      differences,
      days: [...days.values()],
      users: [...users.values()],
    };
  },
});

export const listRepositoryIds = internalQuery({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const repos = await ctx.db
      .query("repositories")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId))
      .collect();
    return repos.map((r) => r._id);
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

    for (const repositoryId of await ctx.runQuery(internal.model.verify.listRepositoryIds, { installationId })) {
      const r = await ctx.runQuery(internal.model.verify.recountRepository, { repositoryId });
      differences.push(...r.differences);
      if (!r.removed) {
        const s = shards.get(shardOf(r.githubId)) ?? { repos: 0, open: ZERO_OPEN };
        shards.set(shardOf(r.githubId), { repos: s.repos + 1, open: addCounts(s.open, r.open) });
      }
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
