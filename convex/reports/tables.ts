/**
 * Saved reports (issue 25): a named view of the Analytics page or the pull request list, kept per
 * installation, private to its author or shared with the installation's members.
 *
 * - `savedReports` — written by `reports/` (saved.ts: a member's save, rename, share, remove, an
 *   administrator's weekly Slack choice; weekly.ts: the week last summarised; purge.ts); read by `reports/`.
 *
 * A report keeps filters, never figures: whoever opens it reads the figures as they may (dashboard/),
 * so a restricted member sees through a shared report only what they may read.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const reportPage = v.union(v.literal("analytics"), v.literal("pulls"));

/** The figures a report shows: the Analytics page's panels, or the pull request list. */
export const reportFigure = v.union(v.literal("cycle_time"), v.literal("dora"), v.literal("pull_requests"));

/**
 * The page's filters as its URL carries them (definition.ts says which belong to which page):
 * Analytics `days` (7, 30, 90 or 365, ending today), `repositoryId`, `team`, `author`; the pull request
 * list `state`, `health`, `repository` (owner/name), `team`, `author`, `reviewer`, `sort`.
 */
export const reportFilters = v.object({
  days: v.optional(v.number()),
  repositoryId: v.optional(v.id("repositories")),
  repository: v.optional(v.string()),
  team: v.optional(v.string()),
  author: v.optional(v.string()),
  reviewer: v.optional(v.string()),
  state: v.optional(v.union(v.literal("open"), v.literal("closed"), v.literal("merged"), v.literal("all"))),
  health: v.optional(v.union(v.literal("green"), v.literal("yellow"), v.literal("red"))),
  sort: v.optional(v.union(v.literal("updated"), v.literal("age"), v.literal("waiting"), v.literal("size"))),
});

export const reportTables = {
  savedReports: defineTable({
    installationId: v.id("installations"),
    name: v.string(),
    author: v.object({ userId: v.id("users"), login: v.string() }),
    /** Shared: every member of the installation opens it (each reading what they may); else its author only. */
    shared: v.boolean(),
    page: reportPage,
    filters: reportFilters,
    figures: v.array(reportFigure),
    /** A Slack destination of the installation that gets a short summary each Monday (shared reports only). */
    weeklyDestinationId: v.optional(v.id("notificationDestinations")),
    /** The week (definition.ts `weekOf`) last summarised, sent or not: one message per report per week. */
    lastWeek: v.optional(v.number()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_installation_author", ["installationId", "author.userId", "name"])
    .index("by_installation_shared", ["installationId", "shared", "name"])
    /** The weekly pass reads the reports with a destination only (undefined sorts first). */
    .index("by_weekly_destination", ["weeklyDestinationId"]),
};
