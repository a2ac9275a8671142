/**
 * `verifyAggregates`: recount every derived figure of an installation from the base tables and
 * return the differences (none when the write path is correct). An action that recounts one page of
 * one repository per query, so each read stays inside a query's transaction limits at any size.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalQuery, type ActionCtx, type QueryCtx } from "../_generated/server";
import {
  addCounts,
  ALL_SCOPE,
  DAILY_FIELD,
  inPublicCounters,
  PUBLIC_SCOPE,
  repositoryScope,
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
import { verifyCiDaily } from "./ciDaily";
import { verifyDeployments } from "./deployments";
import { verifyCycle } from "./cycleRecount";
import { pickDaily } from "./derived";
import { derivePullRequest } from "./derivePullRequest";

type DayRecount = { day: number; counts: DailyCounts; firstReviewHist: number[]; mergeHist: number[] };
type UserDayRecount = { login: string; day: number; counts: DailyCounts };
type ReviewerRecount = { day: number; reviewer: string; reviews: number; pickupHist: number[] };
type RecountPage = {
  fullName: string;
  githubId: number;
  removed: boolean;
  private: boolean;
  stats: OpenCounts;
  open: OpenCounts;
  differences: string[];
  days: DayRecount[];
  users: UserDayRecount[];
  reviewers: ReviewerRecount[];
  openRequests: Array<{ reviewer: string; open: number }>;
  isDone: boolean;
  continueCursor: string;
};

/** Rows recounted per query: a PR costs two index ranges (reviews, CI), far below 4,096 per transaction. */
const RECOUNT_PAGE = { pullRequests: 500, openIssues: 4_000, activity: 4_000, reviewRequests: 4_000 } as const;
const recountPart = v.union(
  v.literal("pullRequests"),
  v.literal("openIssues"),
  v.literal("activity"),
  v.literal("reviewRequests"),
);

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
    const reviewers = new Map<string, ReviewerRecount>();
    const reviewer = (d: number, login: string) => {
      const key = `${d}\u0000${login}`;
      let r = reviewers.get(key);
      if (!r) reviewers.set(key, (r = { day: d, reviewer: login, reviews: 0, pickupHist: zeros() }));
      return r;
    };
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
        const { firstReview, merge } = pullRequestDurations(pr);
        if (firstReview) day(firstReview.day).firstReviewHist[firstReview.bin]! += 1;
        if (merge) day(merge.day).mergeHist[merge.bin]! += 1;
        for (const p of pr.pickups ?? []) reviewer(p.day, p.reviewer).pickupHist[p.bin]! += 1;
      }
      page = prs;
    } else if (part === "openIssues") {
      const issues = await ctx.db
        .query("issues")
        .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", repositoryId).eq("state", "open"))
        .paginate(paginationOpts);
      for (const issue of issues.page) open = addCounts(open, issueOpenCounts(issue));
      page = issues;
    } else if (part === "reviewRequests") {
      const rows = await ctx.db
        .query("reviewRequests")
        .withIndex("by_repository", (q) => q.eq("repositoryId", repositoryId))
        .paginate(paginationOpts);
      for (const r of rows.page) openRequests.set(r.reviewer, (openRequests.get(r.reviewer) ?? 0) + 1);
      page = rows;
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
        if (e.type === "review_submitted") reviewer(d, e.actorLogin).reviews += 1;
      }
      page = events;
    }
    return {
      fullName: repo.fullName,
      githubId: repo.githubId,
      removed: repo.removed,
      private: repo.private,
      stats: repo.stats,
      open,
      differences,
      days: [...days.values()],
      users: [...users.values()],
      reviewers: [...reviewers.values()],
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
    const [shards, publicShards, days, users] = await Promise.all([
      ctx.db
        .query("installationCounters")
        .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
        .collect(),
      ctx.db
        .query("publicCounters")
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
    return { shards, publicShards, days, users };
  },
});

export const verifyAggregates = internalAction({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }): Promise<string[]> => {
    const differences: string[] = [];
    const shards = new Map<number, { repos: number; open: OpenCounts }>();
    const days = new Map<number, DayRecount>();
    const users = new Map<string, UserDayRecount>();
    const publicShards = new Map<number, { repos: number; open: OpenCounts }>();
    const publicDays = new Map<number, DayRecount>();
    const reviewerScopes = new Map<string, Map<string, ReviewerRecount>>([
      [ALL_SCOPE, new Map()],
      [PUBLIC_SCOPE, new Map()],
    ]);
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

    for (const repositoryId of repositoryIds) {
      let open: OpenCounts = ZERO_OPEN;
      let repo: { fullName: string; githubId: number; removed: boolean; private: boolean; stats: OpenCounts } | null =
        null;
      const repoDays = new Map<number, DayRecount>();
      const repoReviewers = new Map<string, ReviewerRecount>();
      const repoOpen = new Map<string, { open: number }>();
      for (const part of ["pullRequests", "openIssues", "activity", "reviewRequests"] as const) {
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
          for (const d of r.days) addDay(days, d);
          for (const d of r.days) addDay(repoDays, d);
          for (const x of r.reviewers) addReviewer(repoReviewers, x);
          for (const x of r.openRequests) {
            repoOpen.set(x.reviewer, { open: (repoOpen.get(x.reviewer)?.open ?? 0) + x.open });
          }
          for (const u of r.users) {
            const key = `${u.login}\u0000${u.day}`;
            const acc = users.get(key);
            users.set(key, acc ? { ...acc, counts: addCounts(acc.counts, u.counts) } : u);
          }
        }
      }
      if (!repo) continue;
      differences.push(...(await verifyCiDaily(ctx, repositoryId, repo.fullName)));
      if (!sameCounts(repo.stats, open)) {
        differences.push(
          `${repo.fullName} stats: stored ${JSON.stringify(repo.stats)}, recount ${JSON.stringify(open)}`,
        );
      }
      if (!repo.removed) {
        const s = shards.get(shardOf(repo.githubId)) ?? { repos: 0, open: ZERO_OPEN };
        shards.set(shardOf(repo.githubId), { repos: s.repos + 1, open: addCounts(s.open, open) });
      }
      // The visibility groups: the repository's own scope, then "public" / "all" as it stands.
      if (inPublicCounters(repo)) {
        const s = publicShards.get(shardOf(repo.githubId)) ?? { repos: 0, open: ZERO_OPEN };
        publicShards.set(shardOf(repo.githubId), { repos: s.repos + 1, open: addCounts(s.open, open) });
      }
      const scope = repositoryScope(repositoryId);
      const own = await readScope(ctx, installationId, scope);
      const label = `${repo.fullName} scope`;
      compare(differences, `${label} day`, repoDays, own.days, null);
      compare(differences, `${label} reviewer day`, repoReviewers, own.reviewers, null);
      compare(differences, `${label} open requests`, repoOpen, own.open, null);
      for (const day of own.misplaced) {
        differences.push(`${label} day ${day}: counted ${repo.private ? "in" : "out of"} "public" (move pending)`);
      }
      for (const d of repoDays.values()) if (!repo.private) addDay(publicDays, d);
      for (const x of repoReviewers.values()) {
        addReviewer(reviewerScopes.get(ALL_SCOPE)!, x);
        if (!repo.private) addReviewer(reviewerScopes.get(PUBLIC_SCOPE)!, x);
      }
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
    differences.push(...(await verifyCycle(ctx, installationId, repositoryIds)));
    differences.push(...(await verifyDeployments(ctx, installationId, repositoryIds)));
    const publicScope = await readScope(ctx, installationId, PUBLIC_SCOPE);
    compare(differences, "public day", publicDays, publicScope.days, null);
    compare(differences, "public reviewer day", reviewerScopes.get(PUBLIC_SCOPE)!, publicScope.reviewers, null);
    compare(differences, "public open requests", openScopes.get(PUBLIC_SCOPE)!, publicScope.open, null);
    const allScope = await readScope(ctx, installationId, ALL_SCOPE);
    compare(differences, "all reviewer day", reviewerScopes.get(ALL_SCOPE)!, allScope.reviewers, null);
    compare(differences, "all open requests", openScopes.get(ALL_SCOPE)!, allScope.open, null);

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
      "public shard",
      publicShards,
      stored.publicShards.map((s) => [s.shard, { repos: s.repos, open: pickOpen(s) }]),
      { repos: 0, open: ZERO_OPEN },
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
const padded = (hist: number[]) => zeros().map((_, i) => hist[i] ?? 0);

function addDay(target: Map<number, DayRecount>, d: DayRecount) {
  const acc = target.get(d.day) ?? {
    day: d.day,
    counts: { ...ZERO_DAILY },
    firstReviewHist: zeros(),
    mergeHist: zeros(),
  };
  acc.counts = addCounts(acc.counts, d.counts);
  acc.firstReviewHist = acc.firstReviewHist.map((x, i) => x + (d.firstReviewHist[i] ?? 0));
  acc.mergeHist = acc.mergeHist.map((x, i) => x + (d.mergeHist[i] ?? 0));
  target.set(d.day, acc);
}

function addReviewer(target: Map<string, ReviewerRecount>, x: ReviewerRecount) {
  const key = `${x.day}\u0000${x.reviewer}`;
  const acc = target.get(key) ?? { day: x.day, reviewer: x.reviewer, reviews: 0, pickupHist: zeros() };
  target.set(key, {
    ...acc,
    reviews: acc.reviews + x.reviews,
    pickupHist: acc.pickupHist.map((n, i) => n + (x.pickupHist[i] ?? 0)),
  });
}

const scopeTable = v.union(
  v.literal("scopedDailyActivity"),
  v.literal("reviewerDaily"),
  v.literal("reviewerOpenRequests"),
);

/** One page of one visibility-group table's documents of a scope, in the recount's shapes. */
export const readScopePage = internalQuery({
  args: {
    installationId: v.id("installations"),
    scope: v.string(),
    table: scopeTable,
    cursor: v.union(v.string(), v.null()),
  },
  handler: async (ctx, { installationId, scope, table, cursor }) => {
    const paginationOpts = { numItems: 1_000, cursor };
    const days: Array<[number, DayRecount]> = [];
    const reviewers: Array<[string, ReviewerRecount]> = [];
    const open: Array<[string, { open: number }]> = [];
    const misplaced: number[] = [];
    const repos = new Map<string, Promise<Doc<"repositories"> | null>>();
    let page: { isDone: boolean; continueCursor: string };
    if (table === "scopedDailyActivity") {
      const docs = await ctx.db
        .query("scopedDailyActivity")
        .withIndex("by_installation_scope_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
        .paginate(paginationOpts);
      for (const d of docs.page) {
        days.push([
          d.day,
          { day: d.day, counts: pickDaily(d), firstReviewHist: d.firstReviewHist, mergeHist: d.mergeHist },
        ]);
        if (d.inPublic !== undefined) misplaced.push(...(await misplacedDay(ctx, repos, d.scope, d.inPublic, d.day)));
      }
      page = docs;
    } else if (table === "reviewerDaily") {
      const docs = await ctx.db
        .query("reviewerDaily")
        .withIndex("by_installation_scope_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
        .paginate(paginationOpts);
      for (const d of docs.page) {
        for (const e of d.reviewers) {
          const x = { day: d.day, reviewer: e.reviewer, reviews: e.reviews, pickupHist: padded(e.pickupHist) };
          reviewers.push([`${d.day}\u0000${e.reviewer}`, x]);
        }
        if (d.inPublic !== undefined) misplaced.push(...(await misplacedDay(ctx, repos, d.scope, d.inPublic, d.day)));
      }
      page = docs;
    } else {
      const rows = await ctx.db
        .query("reviewerOpenRequests")
        .withIndex("by_installation_scope_reviewer", (q) => q.eq("installationId", installationId).eq("scope", scope))
        .paginate(paginationOpts);
      for (const r of rows.page) open.push([r.reviewer, { open: r.open }]);
      page = rows;
    }
    return { days, reviewers, open, misplaced, isDone: page.isDone, continueCursor: page.continueCursor };
  },
});

/** A repository's day document counted on the wrong side of "public" (its scope move is not done). */
async function misplacedDay(
  ctx: QueryCtx,
  repos: Map<string, Promise<Doc<"repositories"> | null>>,
  scope: string,
  inPublic: boolean,
  day: number,
): Promise<number[]> {
  if (!repos.has(scope)) {
    const id = ctx.db.normalizeId("repositories", scope);
    repos.set(scope, id ? ctx.db.get(id) : Promise.resolve(null));
  }
  const repo = await repos.get(scope);
  return repo && repo.private === inPublic ? [day] : [];
}

type ScopeDocs = {
  days: Array<[number, DayRecount]>;
  reviewers: Array<[string, ReviewerRecount]>;
  open: Array<[string, { open: number }]>;
  misplaced: number[];
};

/** Every document of a scope, page by page. */
async function readScope(ctx: ActionCtx, installationId: Id<"installations">, scope: string): Promise<ScopeDocs> {
  const out: ScopeDocs = { days: [], reviewers: [], open: [], misplaced: [] };
  for (const table of ["scopedDailyActivity", "reviewerDaily", "reviewerOpenRequests"] as const) {
    for (let cursor: string | null = null, done = false; !done;) {
      const page: ScopeDocs & { isDone: boolean; continueCursor: string } = await ctx.runQuery(
        internal.model.verify.readScopePage,
        { installationId, scope, table, cursor },
      );
      out.days.push(...page.days);
      out.reviewers.push(...page.reviewers);
      out.open.push(...page.open);
      out.misplaced.push(...page.misplaced);
      [cursor, done] = [page.continueCursor, page.isDone];
    }
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
