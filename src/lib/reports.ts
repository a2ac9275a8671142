/**
 * Saved reports and the pages' URLs: a page's filters as a report keeps them (convex/reports/tables.ts
 * `reportFilters`) and back, so a report opens the very view it was saved from, and the page's own link
 * ("Open in Analytics") is the report's filters in that page's query string.
 */
import { ANALYTICS_DAYS, type ReportFilters, type ReportPage } from "../../convex/reports/definition";
import { pagePath } from "../routes";

/** URL parameter → report filter, per page (the repository: an id on Analytics, a full name on the list). */
const PARAMS: Record<ReportPage, Record<string, keyof ReportFilters>> = {
  analytics: { days: "days", repo: "repositoryId", team: "team", author: "author" },
  pulls: {
    state: "state",
    health: "health",
    repo: "repository",
    team: "team",
    author: "author",
    reviewer: "reviewer",
    sort: "sort",
  },
};

/** The page's defaults, left out of its URL. */
const DEFAULTS: Partial<Record<keyof ReportFilters, string>> = { days: "30", state: "open", sort: "updated" };

/** The values a page accepts for a parameter; any other it ignores (shows its default), and so does a report. */
const CHOICES: Partial<Record<keyof ReportFilters, readonly string[]>> = {
  days: ANALYTICS_DAYS.map(String),
  state: ["open", "closed", "merged", "all"],
  health: ["green", "yellow", "red"],
  sort: ["updated", "age", "waiting", "size"],
};

/** The filters of the view a page shows from its query string (other parameters, like a drill-down's, left out). */
export function filtersFromSearch(page: ReportPage, search: URLSearchParams): ReportFilters {
  const out: Record<string, string | number> = {};
  for (const [param, key] of Object.entries(PARAMS[page])) {
    const value = search.get(param)?.trim();
    if (!value || (CHOICES[key] && !CHOICES[key].includes(value))) continue;
    out[key] = key === "days" ? Number(value) : value;
  }
  return out as ReportFilters;
}

/**
 * The page a report was saved from, with its filters in the URL, and the report's id (`report`), so its
 * author may update it with the view they come to there (SaveReport.tsx).
 */
export function pageUrlOf(account: string, report: { id: string; page: ReportPage; filters: ReportFilters }): string {
  const query = new URLSearchParams();
  for (const [param, key] of Object.entries(PARAMS[report.page])) {
    const value = report.filters[key];
    if (value !== undefined && String(value) !== DEFAULTS[key]) query.set(param, String(value));
  }
  query.set("report", report.id);
  const q = query.toString();
  return `${pagePath(account, report.page)}?${q}`;
}

export const PAGE_LABEL: Record<ReportPage, string> = { analytics: "Analytics", pulls: "Pull requests" };
export const FIGURE_LABEL = { cycle_time: "Cycle time", dora: "DORA metrics", pull_requests: "Pull requests" } as const;
