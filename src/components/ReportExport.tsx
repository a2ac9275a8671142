/**
 * A saved report as CSV, read as the viewer may: an Analytics report's periods (each row a day, week or
 * month of the range, as the charts show them, then the range's total) with the chosen figures' columns;
 * a pull request report's rows (at most 1,000, 200 a page).
 */
import { useConvex } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { downloadCsv, toCsv, type CsvValue } from "../csv";
import { STAGES, isoDay, isoTime, type AnalyticsFilters } from "./AnalyticsFormat";
import { useUtcDay } from "./time";

type Report = NonNullable<FunctionReturnType<typeof api.reports.saved.get>>;
const MAX_ROWS = 1_000;
const PAGE = 200;
const hours = (h: number | null) => (h === null ? null : Math.round(h * 100) / 100);

export function ReportExport({
  installationId,
  report,
  filters,
}: {
  installationId: Id<"installations">;
  report: Report;
  filters: AnalyticsFilters;
}) {
  const convex = useConvex();
  const today = useUtcDay();
  const [message, setMessage] = useState<string | null>(null);

  async function analyticsTable(): Promise<[string[], CsvValue[][]]> {
    const wants = (f: "cycle_time" | "dora") => report.figures.includes(f);
    const { repositoryId } = filters;
    const [cycle, dora] = await Promise.all([
      wants("cycle_time") ? convex.query(api.dashboard.analytics.cycleTime, filters) : null,
      wants("dora")
        ? convex.query(api.dashboard.dora.metrics, {
            installationId,
            from: filters.from,
            to: filters.to,
            ...(repositoryId && { repositoryId }),
          })
        : null,
    ]);
    const header = ["period", "from", "to"];
    if (wants("cycle_time"))
      header.push("merged", "merged_without_approval", "deployed", ...STAGES.map((s) => `${s}_p50_hours`));
    if (wants("dora")) header.push("deployments", "deployment_successes", "deployment_failures");
    // Both answer in the same periods (convex/dashboard/ranges.ts), or null when the repository is not readable.
    const periods = cycle?.periods ?? dora?.periods ?? [];
    const rows = periods.map((p, i): CsvValue[] => {
      const c = cycle?.periods[i];
      const d = dora?.periods[i];
      return [
        p.label,
        isoDay(p.start),
        isoDay(p.end),
        ...(wants("cycle_time")
          ? [c?.merged ?? 0, c?.unapproved ?? 0, c?.deployed ?? 0, ...STAGES.map((s) => hours(c?.p50Hours[s] ?? null))]
          : []),
        ...(wants("dora") ? [d?.deployments ?? 0, d?.successes ?? 0, d?.failures ?? 0] : []),
      ];
    });
    rows.push([
      "Total",
      isoDay(filters.from),
      isoDay(filters.to),
      ...(wants("cycle_time") && cycle
        ? [
            cycle.totals.merged,
            cycle.totals.unapproved,
            cycle.totals.deployed,
            ...STAGES.map((s) => hours(cycle.totals.stages[s].p50Hours)),
          ]
        : wants("cycle_time")
          ? [0, 0, 0, ...STAGES.map(() => null)]
          : []),
      ...(wants("dora")
        ? [
            dora?.changeFailureRate.deployments ?? 0,
            dora?.deploymentFrequency.deployments ?? 0,
            dora?.changeFailureRate.failures ?? 0,
          ]
        : []),
    ]);
    return [header, rows];
  }

  async function pullsTable(): Promise<[string[], CsvValue[][]]> {
    const { repository, days: _days, repositoryId: _id, ...rest } = report.filters;
    const header = ["repository", "number", "title", "author", "state", "health", "draft", "waiting_on"];
    header.push("waiting_since", "opened_at", "updated_at", "url");
    const rows: CsvValue[][] = [];
    let cursor: string | null = null;
    do {
      const page: FunctionReturnType<typeof api.dashboard.lists.pullRequests> = await convex.query(
        api.dashboard.lists.pullRequests,
        {
          installationId,
          ...rest,
          ...(repository && { repository }),
          today,
          paginationOpts: { numItems: PAGE, cursor },
        },
      );
      for (const pr of page.page) {
        rows.push([
          pr.repository,
          pr.number,
          pr.title,
          pr.author,
          pr.state,
          pr.state === "open" ? pr.health : null,
          pr.draft,
          (pr.waitingOn ?? []).join(" "),
          isoTime(pr.waitingSince ?? null),
          isoTime(pr.createdAt),
          isoTime(pr.updatedAt),
          pr.url,
        ]);
      }
      cursor = page.isDone ? null : page.continueCursor;
    } while (cursor !== null && rows.length < MAX_ROWS);
    return [header, rows.slice(0, MAX_ROWS)];
  }

  async function run() {
    setMessage("Preparing…");
    try {
      const [header, rows] = report.page === "analytics" ? await analyticsTable() : await pullsTable();
      const slug =
        report.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-|-$/g, "") || "report";
      downloadCsv(`${slug}-${isoDay(today)}.csv`, toCsv(header, rows));
      setMessage(null);
    } catch {
      setMessage("The export failed; try again.");
    }
  }
  return (
    <>
      <button type="button" onClick={run} disabled={message === "Preparing…"}>
        Download CSV
      </button>
      {message && <span role="status"> {message}</span>}
    </>
  );
}
