/**
 * What a saved report may hold, checked before it is stored: a name, its page's filters only (as the
 * page's URL carries them, with the page's defaults written out) and figures of that page. A report of
 * the Analytics page covers the last `days` UTC days ending today, so it shows the same view every week.
 */
import type { Infer } from "convex/values";
import { DAY_MS } from "../model/contribution";
import { fail } from "../messages";
import type { reportFigure, reportFilters, reportPage } from "./tables";

export type ReportPage = Infer<typeof reportPage>;
export type ReportFilters = Infer<typeof reportFilters>;
export type ReportFigure = Infer<typeof reportFigure>;

export const MAX_NAME = 80;
/** A filter's text (a login, a team's slug, a repository's full name) is at most this long. */
const MAX_FILTER = 200;
export const ANALYTICS_DAYS = [7, 30, 90, 365] as const;

const PAGE_FILTERS: Record<ReportPage, ReadonlyArray<keyof ReportFilters>> = {
  analytics: ["days", "repositoryId", "team", "author"],
  pulls: ["state", "health", "repository", "team", "author", "reviewer", "sort"],
};
const PAGE_FIGURES: Record<ReportPage, readonly ReportFigure[]> = {
  analytics: ["cycle_time", "dora"],
  pulls: ["pull_requests"],
};

export function checkedName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_NAME)
    fail("invalid_report", `Name the report in 1 to ${MAX_NAME} characters.`);
  return trimmed;
}

/** The page's filters (texts trimmed, empty ones left out, defaults written) and figures (in the page's order). */
export function checkedDefinition(
  page: ReportPage,
  filters: ReportFilters,
  figures: readonly ReportFigure[] | undefined,
): { filters: ReportFilters; figures: ReportFigure[] } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filters) as Array<[keyof ReportFilters, unknown]>) {
    if (value === undefined) continue;
    if (!PAGE_FILTERS[page].includes(key)) fail("invalid_report", `The ${pageName(page)} has no filter "${key}".`);
    if (typeof value === "string") {
      const text = value.trim();
      if (text.length > MAX_FILTER) fail("invalid_report", `The filter "${key}" is at most ${MAX_FILTER} characters.`);
      if (text) out[key] = text;
    } else out[key] = value;
  }
  if (page === "analytics") {
    const days = out.days ?? 30;
    if (!ANALYTICS_DAYS.includes(days as (typeof ANALYTICS_DAYS)[number]))
      fail("invalid_report", `days is one of ${ANALYTICS_DAYS.join(", ")}.`);
    out.days = days;
  } else {
    if (typeof out.repository === "string" && !/^[\w.-]+\/[\w.-]+$/.test(out.repository))
      fail("invalid_report", "repository is a repository's full name, owner/name.");
    // What the list shows: a health, a reviewer's queue or the waiting order are of open pull requests.
    const openOnly = out.health !== undefined || out.reviewer !== undefined || out.sort === "waiting";
    out.state = openOnly ? "open" : (out.state ?? "open");
    out.sort ??= "updated";
  }
  const allowed = PAGE_FIGURES[page];
  if (figures?.length === 0) fail("invalid_report", "Choose at least one figure.");
  const chosen = figures ?? allowed;
  for (const figure of chosen)
    if (!allowed.includes(figure)) fail("invalid_report", `The ${pageName(page)} has no figure "${figure}".`);
  return { filters: out as ReportFilters, figures: allowed.filter((f) => chosen.includes(f)) };
}

const pageName = (page: ReportPage) => (page === "analytics" ? "Analytics page" : "pull request list");

/** "last 30 days · repository acme/api · team platform · by dev1": what a report covers, in words. */
export function coverage(report: { page: ReportPage; filters: ReportFilters }, repositoryName?: string): string {
  const f = report.filters;
  const parts =
    report.page === "analytics"
      ? [`last ${f.days ?? 30} days`]
      : [
          `${f.state === "all" ? "all" : (f.state ?? "open")} pull requests`,
          ...(f.health ? [`health ${f.health}`] : []),
        ];
  // A repository by id whose name the reader is not given (they may not read it, or it was removed).
  const repository = repositoryName ?? f.repository ?? (f.repositoryId ? "one repository" : undefined);
  if (repository) parts.push(repository === "one repository" ? repository : `repository ${repository}`);
  if (f.team) parts.push(`team ${f.team}`);
  if (f.author) parts.push(`by ${f.author}`);
  if (f.reviewer) parts.push(`waiting on ${f.reviewer}`);
  return parts.join(" · ");
}

/** The week of an instant: weeks since Monday 1969-12-29 (UTC), so one changes at Monday 00:00 UTC. */
export const weekOf = (ms: number) => Math.floor((Math.floor(ms / DAY_MS) + 3) / 7);

/** The report's address in the app (the Reports page opens it), relative to the site. */
export const reportPath = (accountLogin: string, reportId: string) =>
  `/${encodeURIComponent(accountLogin)}/reports?report=${encodeURIComponent(reportId)}`;
