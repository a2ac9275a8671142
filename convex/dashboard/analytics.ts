/**
 * Delivery analytics (issue 14): cycle time broken into stages, per installation, repository, team or
 * author, read from the `cycle` figure (≤ one document per day per series, never the PRs), and the drill-down
 * to the merged PRs behind a figure (an index range, paginated).
 *
 * Series read: an unrestricted caller the "all" scope, a restricted one "public" plus each readable
 * private repository's scope (as dashboard/scoped.ts), a repository filter that repository's scope;
 * everyone's series (author "") or the author's, a team's members' series summed.
 */
import { installationPaginatedQuery, installationQuery, type InstallationScope } from "../builders";
import type { PaginationResult } from "convex/server";
import { mergedStream, stream, type QueryStream } from "convex-helpers/server/stream";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { type QueryCtx } from "../_generated/server";

import { CYCLE, SIZE_CLASSES, SIZES, type Figure } from "../metrics/figures";
import { histTotal, quantileHours, type Hist } from "../metrics/histogram";
import { addSums, byDay, emptySums, readBuckets, total } from "../metrics/read";
import { DAY_MS, repositoryScope } from "../model/contribution";
import { CYCLE_STAGES, readyAt, stageDurations } from "../model/cycle";
import schema from "../schema";
import { granularityFor, periodsOf, validateRange } from "./ranges";
import { bucketScopes } from "./scoped";

/** The stages of a merged PR, then the totals: cycle (first commit → merge) and lead (first commit → deployed). */
const STAGES = CYCLE_STAGES;
export type Stage = (typeof STAGES)[number];
type Hours = number | null;
type Percentiles = { count: number; p50Hours: Hours; p75Hours: Hours; p90Hours: Hours };

const analyticsFilters = {
  /** Inclusive UTC day numbers (days since 1970-01-01), at most 366 days apart. */
  from: v.number(),
  to: v.number(),
  repositoryId: v.optional(v.id("repositories")),
  /** A team's slug: its members' PRs. */
  team: v.optional(v.string()),
  /** A GitHub login. */
  author: v.optional(v.string()),
};

export type CyclePeriod = {
  /** First and last day of the period (inclusive). */
  start: number;
  end: number;
  label: string;
  merged: number;
  unapproved: number;
  deployed: number;
  p50Hours: Record<Stage, Hours>;
};

type Size = (typeof SIZE_CLASSES)[number][0];

export type CycleTime = {
  granularity: "day" | "week" | "month";
  periods: CyclePeriod[];
  totals: {
    merged: number;
    unapproved: number;
    deployed: number;
    stages: Record<Stage, Percentiles>;
  };
};

/** Members of a team whose series are read (a team's figures sum its members'). */
const MAX_TEAM_MEMBERS = 200;

type Filters = {
  installationId: Id<"installations">;
  from: number;
  to: number;
  repositoryId?: Id<"repositories">;
  team?: string;
  author?: string;
};

/**
 * What the filters select for this caller: the scopes and authors whose series are summed, or null when
 * the filtered repository is not the caller's to see.
 */
async function selection(ctx: QueryCtx & InstallationScope, f: Filters) {
  validateRange(f.from, f.to);
  const { installation, visibility } = ctx;
  let scopes: string[];
  if (f.repositoryId !== undefined) {
    if (!(await visibility.named(f.repositoryId))) return null;
    scopes = [repositoryScope(f.repositoryId)];
  } else {
    scopes = await bucketScopes(ctx, installation._id, visibility.access);
  }
  // null: everyone's (author "").
  let authors: string[] | null = f.author !== undefined ? [f.author] : null;
  if (f.team !== undefined) {
    const members = await teamLogins(ctx, installation.accountId, f.team);
    authors = authors === null ? members : authors.filter((a) => members.includes(a));
  }
  return { installation, visibility, scopes, authors };
}

/** The logins of a team's members (by its slug in the installation's organisation); none for an unknown team. */
async function teamLogins(ctx: QueryCtx, accountId: number, slug: string): Promise<string[]> {
  const team = await ctx.db
    .query("teams")
    .withIndex("by_account_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .first();
  if (!team) return [];
  const members = await ctx.db
    .query("teamMembers")
    .withIndex("by_team_user", (q) => q.eq("accountId", accountId).eq("teamGithubId", team.githubId))
    .take(MAX_TEAM_MEMBERS);
  return [...new Set(members.map((m) => m.login))].sort();
}

/** A figure's documents of the range for the selection: everyone's series (key ""), or each selected author's. */
function seriesOf(
  ctx: QueryCtx,
  sel: NonNullable<Awaited<ReturnType<typeof selection>>>,
  figure: Figure,
  range: { from: number; to: number },
) {
  return Promise.all(
    (sel.authors ?? [""]).map((author) => readBuckets(ctx.db, sel.installation._id, figure, sel.scopes, range, author)),
  ).then((lists) => lists.flat());
}

/** Cycle-time figures for the range and filters; `granularity` defaults to what keeps the chart readable. */
export const cycleTime = installationQuery({
  hidden: null,
  args: {
    ...analyticsFilters,
    granularity: v.optional(v.union(v.literal("day"), v.literal("week"), v.literal("month"))),
  },
  handler: (ctx, args) => cycleTimeOf(ctx, args),
});

/** The cycle-time figures the caller may read (also a saved report's weekly summary, reports/weekly.ts). */
export async function cycleTimeOf(
  ctx: QueryCtx & InstallationScope,
  args: Filters & { granularity?: "day" | "week" | "month" },
): Promise<CycleTime | null> {
  const sel = await selection(ctx, args);
  if (!sel) return null;
  const { from, to } = args;
  const days = to - from + 1;
  const granularity = args.granularity ?? granularityFor(days);
  const docs = await seriesOf(ctx, sel, CYCLE, { from, to });
  const perDay = byDay(docs);
  const whole = emptySums();
  const percentiles = (hist: Hist = {}): Percentiles => ({
    count: histTotal(hist),
    p50Hours: quantileHours(hist, 0.5),
    p75Hours: quantileHours(hist, 0.75),
    p90Hours: quantileHours(hist, 0.9),
  });
  const periods = periodsOf(from, to, granularity).map((p): CyclePeriod => {
    const f = emptySums();
    for (const [day, sums] of perDay) {
      if (day < p.start || day > p.end) continue;
      addSums(f, sums);
      addSums(whole, sums);
    }
    return {
      ...p,
      merged: f.n.merged ?? 0,
      unapproved: f.n.unapproved ?? 0,
      deployed: f.n.deployed ?? 0,
      p50Hours: Object.fromEntries(STAGES.map((s) => [s, quantileHours(f.h[s] ?? {}, 0.5)])) as Record<Stage, Hours>,
    };
  });
  const stages = Object.fromEntries(STAGES.map((s) => [s, percentiles(whole.h[s])])) as Record<Stage, Percentiles>;
  return {
    granularity,
    periods,
    totals: {
      merged: whole.n.merged ?? 0,
      unapproved: whole.n.unapproved ?? 0,
      deployed: whole.n.deployed ?? 0,
      stages,
    },
  };
}

/**
 * The size of the merged PRs of the range and filters: how many changed (additions + deletions) under
 * 10 (xs), 100 (s), 500 (m), 1,000 (l) lines, and more (xl), from the `sizes` figure.
 */
export const sizes = installationQuery({
  hidden: null,
  args: analyticsFilters,
  handler: async (ctx, args): Promise<Record<Size, number> | null> => {
    const sel = await selection(ctx, args);
    if (!sel) return null;
    const counts = total(await seriesOf(ctx, sel, SIZES, { from: args.from, to: args.to })).n;
    return Object.fromEntries(SIZE_CLASSES.map(([size]) => [size, counts[size] ?? 0])) as Record<Size, number>;
  },
});

export type MergedPullRequestRow = {
  id: Id<"pullRequests">;
  repository: string;
  number: number;
  title: string;
  url: string;
  authorLogin: string;
  createdAt: number;
  firstCommitAt: number | null;
  readyAt: number;
  firstReviewAt: number | null;
  approvedAt: number | null;
  mergedAt: number;
  deployedAt: number | null;
  hours: Record<Stage, Hours>;
};

/** A page reads at most this many PRs, however many of them it skips (not the caller's to see). */
const MAX_ROWS_READ_PER_PAGE = 2_000;

/** The merged PRs behind a figure: merged within the range and filters, newest first. */
export const mergedPullRequests = installationPaginatedQuery({
  args: analyticsFilters,
  handler: async (ctx, args): Promise<PaginationResult<MergedPullRequestRow>> => {
    const empty = { page: [], isDone: true, continueCursor: "" };
    const sel = await selection(ctx, args);
    if (!sel || (sel.authors !== null && sel.authors.length === 0)) return empty;
    const { installationId, repositoryId } = args;
    const [lo, hi] = [args.from * DAY_MS, (args.to + 1) * DAY_MS];
    const s = stream(ctx.db, schema);
    const ofAuthor = (author: string) =>
      repositoryId !== undefined
        ? s
            .query("pullRequests")
            .withIndex("by_repo_author_merged", (q) =>
              q.eq("repositoryId", repositoryId).eq("authorLogin", author).gte("mergedAt", lo).lt("mergedAt", hi),
            )
            .order("desc")
        : s
            .query("pullRequests")
            .withIndex("by_installation_author_merged", (q) =>
              q.eq("installationId", installationId).eq("authorLogin", author).gte("mergedAt", lo).lt("mergedAt", hi),
            )
            .order("desc");
    let rows: QueryStream<Doc<"pullRequests">>;
    if (sel.authors === null) {
      rows =
        repositoryId !== undefined
          ? s
              .query("pullRequests")
              .withIndex("by_repo_merged", (q) =>
                q.eq("repositoryId", repositoryId).gte("mergedAt", lo).lt("mergedAt", hi),
              )
              .order("desc")
          : s
              .query("pullRequests")
              .withIndex("by_installation_merged", (q) =>
                q.eq("installationId", installationId).gte("mergedAt", lo).lt("mergedAt", hi),
              )
              .order("desc");
    } else if (sel.authors.length === 1) {
      rows = ofAuthor(sel.authors[0]!);
    } else {
      // A team: its members' ranges merged by merge time.
      rows = mergedStream(sel.authors.map(ofAuthor), ["mergedAt"]);
    }
    const result = await rows
      .filterWith(async (pr) => pr.state === "merged" && (await sel.visibility.visible(pr.repositoryId)))
      .paginate({ ...args.paginationOpts, maximumRowsRead: MAX_ROWS_READ_PER_PAGE });
    const names = new Map<Id<"repositories">, Promise<string>>();
    const nameOf = (id: Id<"repositories">) => {
      if (!names.has(id))
        names.set(
          id,
          ctx.db.get(id).then((r) => r?.fullName ?? ""),
        );
      return names.get(id)!;
    };
    const page = await Promise.all(
      result.page.map(async (pr): Promise<MergedPullRequestRow> => {
        const ms = stageDurations(pr);
        return {
          id: pr._id,
          repository: await nameOf(pr.repositoryId),
          number: pr.number,
          title: pr.title,
          url: pr.url,
          authorLogin: pr.authorLogin,
          createdAt: pr.createdAt,
          firstCommitAt: pr.firstCommitAt ?? null,
          readyAt: readyAt(pr),
          firstReviewAt: pr.firstReviewAt ?? null,
          approvedAt: pr.approvedAt ?? null,
          mergedAt: pr.mergedAt!,
          deployedAt: pr.deployedAt ?? null,
          hours: Object.fromEntries(
            STAGES.map((st) => {
              const d = ms[st];
              return [st, d === null ? null : Math.round((Math.max(0, d) / 3_600_000) * 10) / 10];
            }),
          ) as Record<Stage, Hours>,
        };
      }),
    );
    return { ...result, page };
  },
});

/** Repositories offered as a filter (by name). */
const MAX_FILTER_REPOSITORIES = 500;
const MAX_FILTER_TEAMS = 500;

/** What the filters offer: the caller's visible repositories (by name, ≤ 500) and the organisation's teams. */
export const filterOptions = installationQuery({
  hidden: null,
  args: {},
  handler: async (
    ctx,
    { installationId },
  ): Promise<{
    repositories: Array<{ id: Id<"repositories">; fullName: string }>;
    teams: Array<{ slug: string; name: string }>;
  } | null> => {
    const { installation } = ctx;
    const { access } = ctx.visibility;
    const repos = await stream(ctx.db, schema)
      .query("repositories")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", false))
      .filterWith(async (r) => access.kind === "all" || !r.private || access.privateRepositoryIds.has(r._id))
      .take(MAX_FILTER_REPOSITORIES);
    const teams = await ctx.db
      .query("teams")
      .withIndex("by_account_slug", (q) => q.eq("accountId", installation.accountId))
      .take(MAX_FILTER_TEAMS);
    return {
      repositories: repos.map((r) => ({ id: r._id, fullName: r.fullName })),
      teams: teams.map((t) => ({ slug: t.slug, name: t.name })),
    };
  },
});
