/**
 * Read helpers of the visibility groups (model/scopes.ts): what a caller may see of an installation's
 * counters and daily buckets, given `repositoryAccess`. `all` reads the installation-wide documents as
 * before; `restricted` reads the public group plus the scope of each private repository granted to the
 * caller — a cost bounded by the repositories they can read privately, never by pull requests.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { RepositoryAccess } from "../access";
import {
  addCounts,
  ALL_SCOPE,
  HIST_BINS,
  PUBLIC_SCOPE,
  repositoryScope,
  ZERO_DAILY,
  ZERO_OPEN,
  type DailyCounts,
  type OpenCounts,
} from "../model/contribution";
import { pickDaily } from "../model/derived";

type Ctx = Pick<QueryCtx, "db">;
type OpenTotals = OpenCounts & { repos: number };
type DayBucket = { day: number; counts: DailyCounts; firstReviewHist: number[]; mergeHist: number[] };
type ReviewerDay = {
  day: number;
  reviewers: Array<{ reviewer: string; reviews: number; pickupHist: number[] }>;
};

/** The private repositories of this installation the caller was granted and that are private now. */
async function readablePrivateRepositories(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<Doc<"repositories">[]> {
  if (access.kind === "all") return [];
  const repos = await Promise.all([...access.privateRepositoryIds].map((id) => ctx.db.get(id)));
  // A granted repository made public since is counted in the public group already.
  return repos.filter((r): r is Doc<"repositories"> => r !== null && r.installationId === installationId && r.private);
}

/** Sum counter shards (`installationCounters` or `publicCounters`). */
function sumShards(shards: Array<OpenTotals>): OpenTotals {
  return shards.reduce<OpenTotals>((acc, s) => addTotals(acc, s), { ...ZERO_OPEN, repos: 0 });
}
function addTotals(a: OpenTotals, b: OpenTotals): OpenTotals {
  const { openPrs, green, yellow, red, openIssues, repos } = b;
  return addCounts(a, { openPrs, green, yellow, red, openIssues, repos });
}

/**
 * Open counts the caller sees: the installation's shards (`all`), or the public shards plus each
 * readable, visible private repository's own stats.
 */
export async function openTotals(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<OpenTotals> {
  const table = access.kind === "all" ? "installationCounters" : "publicCounters";
  const shards = await ctx.db
    .query(table)
    .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
    .collect();
  let total = sumShards(shards);
  for (const repo of await readablePrivateRepositories(ctx, installationId, access)) {
    if (!repo.removed) total = addTotals(total, { ...repo.stats, repos: 1 });
  }
  return total;
}

/** The scopes a restricted caller reads: "public", then each readable private repository's own. */
async function restrictedScopes(ctx: Ctx, installationId: Id<"installations">, access: RepositoryAccess) {
  const repos = await readablePrivateRepositories(ctx, installationId, access);
  return [PUBLIC_SCOPE, ...repos.map((r) => repositoryScope(r._id))];
}

/** The bucket scopes a caller reads: "all", or "public" plus each readable private repository's own. */
export async function bucketScopes(ctx: Ctx, installationId: Id<"installations">, access: RepositoryAccess) {
  return access.kind === "all" ? [ALL_SCOPE] : restrictedScopes(ctx, installationId, access);
}

/** Daily activity buckets of days `from`..`to` (inclusive) the caller sees, by day. */
export async function dailyBuckets(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
  from: number,
  to: number,
): Promise<Map<number, DayBucket>> {
  const out = new Map<number, DayBucket>();
  const add = (doc: DailyCounts & { day: number; firstReviewHist: number[]; mergeHist: number[] }) => {
    const b = out.get(doc.day) ?? {
      day: doc.day,
      counts: { ...ZERO_DAILY },
      firstReviewHist: zeros(),
      mergeHist: zeros(),
    };
    out.set(doc.day, {
      day: doc.day,
      counts: addCounts(b.counts, pickDaily(doc)),
      firstReviewHist: sumHist(b.firstReviewHist, doc.firstReviewHist),
      mergeHist: sumHist(b.mergeHist, doc.mergeHist),
    });
  };
  if (access.kind === "all") {
    const docs = await ctx.db
      .query("dailyActivity")
      .withIndex("by_installation_day", (q) => q.eq("installationId", installationId).gte("day", from).lte("day", to))
      .collect();
    docs.forEach(add);
    return out;
  }
  for (const scope of await restrictedScopes(ctx, installationId, access)) {
    const docs = await ctx.db
      .query("scopedDailyActivity")
      .withIndex("by_installation_scope_day", (q) =>
        q.eq("installationId", installationId).eq("scope", scope).gte("day", from).lte("day", to),
      )
      .collect();
    docs.forEach(add);
  }
  return out;
}

/** The newest day with activity the caller sees (the trends window's end without `today`), or null. */
export async function newestDay(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<number | null> {
  if (access.kind === "all") {
    const newest = await ctx.db
      .query("dailyActivity")
      .withIndex("by_installation_day", (q) => q.eq("installationId", installationId))
      .order("desc")
      .first();
    return newest?.day ?? null;
  }
  let day: number | null = null;
  for (const scope of await restrictedScopes(ctx, installationId, access)) {
    const newest = await ctx.db
      .query("scopedDailyActivity")
      .withIndex("by_installation_scope_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
      .order("desc")
      .first();
    if (newest && (day === null || newest.day > day)) day = newest.day;
  }
  return day;
}

/** Reviewer day documents of days `from`..`to` the caller sees ("all", or "public" + readable private scopes). */
export async function reviewerDays(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
  from: number,
  to: number,
): Promise<ReviewerDay[]> {
  const scopes = await bucketScopes(ctx, installationId, access);
  const out: ReviewerDay[] = [];
  for (const scope of scopes) {
    const docs = await ctx.db
      .query("reviewerDaily")
      .withIndex("by_installation_scope_day", (q) =>
        q.eq("installationId", installationId).eq("scope", scope).gte("day", from).lte("day", to),
      )
      .collect();
    out.push(...docs.map((d) => ({ day: d.day, reviewers: d.reviewers })));
  }
  return out;
}

/**
 * Outstanding review requests per reviewer the caller sees: "all" (visible repositories), or "public"
 * (visible, public ones) plus each readable private repository that is still part of the installation.
 */
export async function openRequestsByReviewer(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<Map<string, number>> {
  const repos = (await readablePrivateRepositories(ctx, installationId, access)).filter((r) => !r.removed);
  const scopes = access.kind === "all" ? [ALL_SCOPE] : [PUBLIC_SCOPE, ...repos.map((r) => repositoryScope(r._id))];
  const out = new Map<string, number>();
  for (const scope of scopes) {
    const rows = await ctx.db
      .query("reviewerOpenRequests")
      .withIndex("by_installation_scope_reviewer", (q) => q.eq("installationId", installationId).eq("scope", scope))
      .collect();
    for (const r of rows) out.set(r.reviewer, (out.get(r.reviewer) ?? 0) + r.open);
  }
  return out;
}

const zeros = () => new Array<number>(HIST_BINS).fill(0);
export const sumHist = (a: number[], b: number[]) =>
  Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
