/**
 * Delivery analytics (issue 14): cycle time broken into stages, per installation, repository, team or
 * author, read from `cycleDaily` (≤ one document per day per series, never the PRs), and the drill-down
 * to the merged PRs behind a figure (an index range, paginated).
 *
 * STUB: the contract the Analytics page is built against; the handlers are filled in by the analytics work.
 */
import { paginationOptsValidator, type PaginationResult } from "convex/server";
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { query } from "../_generated/server";

/** The stages of a merged PR, then the totals: cycle (first commit → merge) and lead (first commit → deployed). */
export const STAGES = ["coding", "pickup", "review", "merge", "deploy", "cycle", "lead"] as const;
export type Stage = (typeof STAGES)[number];
type Hours = number | null;
type Percentiles = { count: number; p50Hours: Hours; p75Hours: Hours; p90Hours: Hours };

export const analyticsFilters = {
  installationId: v.id("installations"),
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

export type CycleTime = {
  granularity: "day" | "week" | "month";
  periods: CyclePeriod[];
  totals: { merged: number; unapproved: number; deployed: number; stages: Record<Stage, Percentiles> };
};

/** Cycle-time figures for the range and filters; `granularity` defaults to what keeps the chart readable. */
export const cycleTime = query({
  args: {
    ...analyticsFilters,
    granularity: v.optional(v.union(v.literal("day"), v.literal("week"), v.literal("month"))),
  },
  handler: async (): Promise<CycleTime | null> => null,
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

/** The merged PRs behind a figure: merged within the range and filters, newest first. */
export const mergedPullRequests = query({
  args: { ...analyticsFilters, paginationOpts: paginationOptsValidator },
  handler: async (): Promise<PaginationResult<MergedPullRequestRow>> => ({
    page: [],
    isDone: true,
    continueCursor: "",
  }),
});

/** What the filters offer: the caller's visible repositories (by name, ≤ 500) and the organisation's teams. */
export const filterOptions = query({
  args: { installationId: v.id("installations") },
  handler: async (): Promise<{
    repositories: Array<{ id: Id<"repositories">; fullName: string }>;
    teams: Array<{ slug: string; name: string }>;
  } | null> => null,
});
