/**
 * Saved reports' public functions. Any member saves the view they are looking at as a report, private
 * (theirs alone) or shared with the installation; the author renames, shares or unshares it; the author
 * or an administrator removes it; an administrator sends a shared report's summary to a Slack
 * destination each week (weekly.ts).
 *
 * Who reads a report: its author, and every member when it is shared, unless it is about one repository
 * the caller may not read (then it is not listed and opens as missing: its name may say what it is
 * about); an administrator removes only the shared reports they may open. Its figures are read by whoever opens it, as they may (the dashboard's queries).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { canAdminister } from "../access";
import { installationMutation, installationQuery, type InstallationScope } from "../builders";
import { fail } from "../messages";
import { checkedDefinition, checkedName, weekOf, type ReportFilters } from "./definition";
import { reportFigure, reportFilters, reportPage } from "./tables";

/** Reports per author and installation; shared reports listed. */
const MAX_REPORTS = 50;
const MAX_SHARED_LISTED = 200;

type Scoped = (QueryCtx | MutationCtx) & InstallationScope;

/** Whether the caller may open the report: theirs or shared, and about nothing they may not read. */
async function readable(ctx: Scoped, report: Doc<"savedReports">): Promise<boolean> {
  if (report.installationId !== ctx.installation._id) return false;
  // Its author always (to delete it, should they no longer read its repository: its figures are then empty).
  if (report.author.userId === ctx.viewer.userId) return true;
  return report.shared && (await filtersReadable(ctx, report.filters));
}

/**
 * The repository a shared report names (by id or by full name), if any, is one the caller may read. One
 * that is gone (removed from the installation, renamed, never there) opens only for those who read every
 * repository: a restricted member cannot tell it from a private one.
 */
async function filtersReadable(ctx: Scoped, filters: ReportFilters): Promise<boolean> {
  const { installation, visibility } = ctx;
  if (filters.repositoryId === undefined && filters.repository === undefined) return true;
  const repository =
    filters.repositoryId !== undefined
      ? await ctx.db.get(filters.repositoryId)
      : await ctx.db
          .query("repositories")
          .withIndex("by_installation", (q) =>
            q.eq("installationId", installation._id).eq("removed", false).eq("fullName", filters.repository!),
          )
          .first();
  if (!repository || repository.installationId !== installation._id || repository.removed)
    return visibility.access.kind === "all";
  return visibility.visibleRepository(repository);
}

async function row(ctx: Scoped, report: Doc<"savedReports">) {
  const destination = report.weeklyDestinationId ? await ctx.db.get(report.weeklyDestinationId) : null;
  return {
    id: report._id,
    name: report.name,
    page: report.page,
    filters: report.filters,
    figures: report.figures,
    shared: report.shared,
    author: report.author.login,
    mine: report.author.userId === ctx.viewer.userId,
    weekly: destination ? { destinationId: destination._id, label: destination.label } : null,
    createdAt: report.createdAt,
    updatedAt: report.updatedAt,
  };
}

type SavedReport = Awaited<ReturnType<typeof row>>;

/** The caller's reports and the shared ones, by name. */
export const list = installationQuery({
  hidden: [] as SavedReport[],
  args: {},
  handler: async (ctx, { installationId }) => {
    const [mine, shared] = await Promise.all([
      ctx.db
        .query("savedReports")
        .withIndex("by_installation_author", (q) =>
          q.eq("installationId", installationId).eq("author.userId", ctx.viewer.userId),
        )
        .take(MAX_REPORTS),
      ctx.db
        .query("savedReports")
        .withIndex("by_installation_shared", (q) => q.eq("installationId", installationId).eq("shared", true))
        .take(MAX_SHARED_LISTED),
    ]);
    const byId = new Map([...mine, ...shared].map((r) => [r._id, r]));
    const rows: SavedReport[] = [];
    for (const report of byId.values()) if (await readable(ctx, report)) rows.push(await row(ctx, report));
    return rows.sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt);
  },
});

/** One report, as its URL opens it; null when missing or not the caller's to open. */
export const get = installationQuery({
  hidden: null,
  /** As the URL carries it: a string that is no report's id answers null, like a missing one. */
  args: { reportId: v.string() },
  handler: async (ctx, args) => {
    const reportId = ctx.db.normalizeId("savedReports", args.reportId);
    const report = reportId && (await ctx.db.get(reportId));
    if (!report || !(await readable(ctx, report))) return null;
    return { ...(await row(ctx, report)), canRemove: await canRemove(ctx, report) };
  },
});

async function canRemove(ctx: Scoped, report: Doc<"savedReports">) {
  return report.author.userId === ctx.viewer.userId || canAdminister(ctx, ctx.installation, ctx.viewer);
}

/**
 * A repository by id must be one the caller reads (as every query answers); by name it is not checked, so
 * saving answers alike for a private repository's name and a name of none (the list is empty for them).
 */
async function checkRepository(ctx: Scoped, filters: ReportFilters) {
  if (filters.repositoryId !== undefined && !(await ctx.visibility.named(filters.repositoryId)))
    fail("repository_not_found");
}

/** Save the view as a new report; answers its id. */
export const save = installationMutation({
  args: {
    name: v.string(),
    shared: v.boolean(),
    page: reportPage,
    filters: reportFilters,
    figures: v.optional(v.array(reportFigure)),
  },
  handler: async (ctx, args) => {
    const name = checkedName(args.name);
    const { filters, figures } = checkedDefinition(args.page, args.filters, args.figures);
    await checkRepository(ctx, filters);
    const installationId = ctx.installation._id;
    const own = await ctx.db
      .query("savedReports")
      .withIndex("by_installation_author", (q) =>
        q.eq("installationId", installationId).eq("author.userId", ctx.viewer.userId),
      )
      .take(MAX_REPORTS);
    if (own.length >= MAX_REPORTS) fail("too_many_reports", MAX_REPORTS);
    const now = Date.now();
    const reportId = await ctx.db.insert("savedReports", {
      installationId,
      name,
      author: { userId: ctx.viewer.userId, login: ctx.viewer.login },
      shared: args.shared,
      page: args.page,
      filters,
      figures,
      createdAt: now,
      updatedAt: now,
    });
    return { reportId };
  },
});

/** The mutations about one report: found through it; one the caller may not open fails like a missing one. */
const aboutReport = {
  notFound: "report_not_found" as const,
  installationOf: async (ctx: MutationCtx, { reportId }: { reportId: Id<"savedReports"> }) =>
    (await ctx.db.get(reportId))?.installationId ?? null,
  readable: async (ctx: MutationCtx & InstallationScope, { reportId }: { reportId: Id<"savedReports"> }) => {
    const report = await ctx.db.get(reportId);
    return report !== null && (await readable(ctx, report));
  },
};
const reportOf = async (ctx: MutationCtx, id: Id<"savedReports">) => (await ctx.db.get(id))!;

/**
 * Rename, share or unshare, choose the figures, or take the filters of the view the author now looks at
 * (the author only); unsharing stops its weekly summary.
 */
export const update = installationMutation({
  ...aboutReport,
  args: {
    reportId: v.id("savedReports"),
    name: v.optional(v.string()),
    shared: v.optional(v.boolean()),
    filters: v.optional(reportFilters),
    figures: v.optional(v.array(reportFigure)),
  },
  handler: async (ctx, { reportId, name, shared, filters, figures }) => {
    const report = await reportOf(ctx, reportId);
    if (report.author.userId !== ctx.viewer.userId) fail("not_report_author");
    const definition = checkedDefinition(report.page, filters ?? report.filters, figures ?? report.figures);
    if (filters !== undefined) await checkRepository(ctx, definition.filters);
    const stopsWeekly = shared === false && report.weeklyDestinationId !== undefined;
    await ctx.db.patch(reportId, {
      ...(name !== undefined && { name: checkedName(name) }),
      ...(shared !== undefined && { shared }),
      ...definition,
      ...(stopsWeekly && { weeklyDestinationId: undefined }),
      updatedAt: Date.now(),
    });
  },
});

export const remove = installationMutation({
  ...aboutReport,
  args: { reportId: v.id("savedReports") },
  handler: async (ctx, { reportId }) => {
    if (!(await canRemove(ctx, await reportOf(ctx, reportId)))) fail("not_report_remover");
    await ctx.db.delete(reportId);
  },
});

/** Send a shared report's summary to a Slack destination each Monday (null: stop). Administrators only. */
export const setWeekly = installationMutation({
  ...aboutReport,
  admin: true,
  args: { reportId: v.id("savedReports"), destinationId: v.union(v.id("notificationDestinations"), v.null()) },
  handler: async (ctx, { reportId, destinationId }) => {
    const report = await reportOf(ctx, reportId);
    if (destinationId === null) {
      await ctx.db.patch(reportId, { weeklyDestinationId: undefined, updatedAt: Date.now() });
      return;
    }
    const destination = await ctx.db.get(destinationId);
    if (!destination || destination.installationId !== report.installationId || destination.kind !== "slack")
      fail("destination_not_found");
    // A team's channel hears only of its repositories (notify/slack.ts); a report's figures span the author's.
    if (destination.teamSlug !== undefined) fail("report_destination_of_team");
    if (!report.shared) fail("report_not_shared");
    // The first summary comes at the next week's first pass (weekly.ts).
    const now = Date.now();
    await ctx.db.patch(reportId, {
      weeklyDestinationId: destinationId,
      lastWeek: weekOf(now),
      updatedAt: now,
    });
  },
});
