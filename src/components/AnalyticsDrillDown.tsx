/**
 * The merged pull requests behind a figure: the page's filters, narrowed to a period's days when a
 * period was chosen, newest first, a page at a time; each with its stages' hours. "Download CSV"
 * fetches every page in turn (one query per page, never one big one) and saves them as a file.
 */
import { useConvex, usePaginatedQuery } from "convex/react";
import type { PaginationResult } from "convex/server";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { MergedPullRequestRow, Stage } from "../../convex/dashboard/analytics";
import { downloadCsv, toCsv } from "../csv";
import {
  STAGES,
  STAGE_LABEL,
  dayRangeText,
  formatHours,
  isoDay,
  isoTime,
  type AnalyticsFilters,
} from "./AnalyticsFormat";
import { Empty, MorePages, Skeleton } from "./Skeleton";
import { plural } from "../lib/plural";

export type Drill = { from: number; to: number; stage?: Stage | undefined };

const PAGE_SIZE = 25;
const EXPORT_PAGE_SIZE = 200;

const round = (h: number | null) => (h === null ? null : Math.round(h * 100) / 100);

const CSV_HEADER = [
  "repository",
  "number",
  "title",
  "url",
  "author",
  "created_at",
  "first_commit_at",
  "ready_at",
  "first_review_at",
  "approved_at",
  "merged_at",
  "deployed_at",
  ...STAGES.map((s) => `${s}_hours`),
];

const csvRow = (pr: MergedPullRequestRow) => [
  pr.repository,
  pr.number,
  pr.title,
  pr.url,
  pr.authorLogin,
  isoTime(pr.createdAt),
  isoTime(pr.firstCommitAt),
  isoTime(pr.readyAt),
  isoTime(pr.firstReviewAt),
  isoTime(pr.approvedAt),
  isoTime(pr.mergedAt),
  isoTime(pr.deployedAt),
  ...STAGES.map((s) => round(pr.hours[s])),
];

export function AnalyticsDrillDown({
  filters,
  drill,
  onClose,
}: {
  filters: AnalyticsFilters;
  drill: Drill;
  onClose: () => void;
}) {
  const args = { ...filters, from: drill.from, to: drill.to };
  const { results, status, loadMore } = usePaginatedQuery(api.dashboard.analytics.mergedPullRequests, args, {
    initialNumItems: PAGE_SIZE,
  });
  const convex = useConvex();
  const [exporting, setExporting] = useState<string | null>(null);
  const what = `${drill.stage ? `${STAGE_LABEL[drill.stage]}: p` : "P"}ull requests merged ${dayRangeText(drill.from, drill.to)}`;

  async function exportAll() {
    const rows: MergedPullRequestRow[] = [];
    let cursor: string | null = null;
    try {
      for (;;) {
        setExporting(`Fetching… ${plural(rows.length, "pull request")} so far`);
        const page: PaginationResult<MergedPullRequestRow> = await convex.query(
          api.dashboard.analytics.mergedPullRequests,
          {
            ...args,
            paginationOpts: { numItems: EXPORT_PAGE_SIZE, cursor },
          },
        );
        rows.push(...page.page);
        if (page.isDone) break;
        cursor = page.continueCursor;
      }
      downloadCsv(
        `merged-pull-requests-${isoDay(drill.from)}-${isoDay(drill.to)}.csv`,
        toCsv(CSV_HEADER, rows.map(csvRow)),
      );
      setExporting(`Downloaded ${plural(rows.length, "pull request")}.`);
    } catch {
      setExporting("The export failed; try again.");
    }
  }

  return (
    <>
      <div className="drill-head">
        <h3 id="drill-heading">{what}</h3>
        <div className="drill-actions">
          <button type="button" onClick={exportAll} disabled={exporting?.startsWith("Fetching") ?? false}>
            Download CSV
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      {exporting && (
        <p role="status" className="muted">
          {exporting}
        </p>
      )}
      {status === "LoadingFirstPage" ? (
        <Skeleton lines={5} label="Loading pull requests" />
      ) : results.length === 0 ? (
        <Empty>No merged pull request matches.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="prs drill-list cards-when-narrow" aria-label="Merged pull requests">
            <thead>
              <tr>
                <th scope="col">Pull request</th>
                <th scope="col">Merged</th>
                {STAGES.map((s) => (
                  <th key={s} scope="col" className={s === drill.stage ? "chosen" : undefined}>
                    {STAGE_LABEL[s]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {results.map((pr) => (
                <tr key={pr.id} data-pr={`${pr.repository}#${pr.number}`}>
                  <td>
                    <a href={pr.url}>{pr.title}</a>
                    <div className="muted">
                      {pr.repository}#{pr.number} by {pr.authorLogin}
                      {pr.approvedAt === null && " · merged without approval"}
                    </div>
                  </td>
                  <td data-label="Merged">
                    <time dateTime={isoTime(pr.mergedAt)}>{isoDay(Math.floor(pr.mergedAt / 86_400_000))}</time>
                  </td>
                  {STAGES.map((s) => (
                    <td
                      key={s}
                      data-label={STAGE_LABEL[s]}
                      data-stage={s}
                      className={s === drill.stage ? "chosen" : undefined}
                    >
                      {formatHours(pr.hours[s])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MorePages
        status={status}
        loadMore={loadMore}
        pageSize={PAGE_SIZE}
        label="More pull requests"
        loadingLabel="Loading more pull requests"
      />
    </>
  );
}
