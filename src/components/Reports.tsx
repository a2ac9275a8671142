/**
 * The Reports page: the caller's saved reports and those shared with the installation (each a named view
 * of Analytics or the pull request list, saved there with "Save as report"); `?report=<id>` opens one
 * (ReportView.tsx), which is the report's shareable URL.
 */
import { useQuery } from "convex/react";
import { Link } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { coverage, reportPath } from "../../convex/reports/definition";
import { useUrlState } from "../lib/urlState";
import { PAGE_LABEL } from "../lib/reports";
import { pagePath } from "../routes";
import { ReportView } from "./ReportView";
import { Empty, Skeleton } from "./Skeleton";

export function Reports({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const { values } = useUrlState({ report: "" });
  if (values.report)
    return (
      <ReportView installationId={installationId} account={account} reportId={values.report as Id<"savedReports">} />
    );
  return <ReportList installationId={installationId} account={account} />;
}

function ReportList({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const reports = useQuery(api.reports.saved.list, { installationId });
  const options = useQuery(api.dashboard.analytics.filterOptions, { installationId });
  const repositoryName = (id: string | undefined) => options?.repositories.find((r) => r.id === id)?.fullName;
  if (reports === undefined) return <Skeleton lines={4} label="Loading reports" />;
  if (reports.length === 0)
    return (
      <section className="panel">
        <Empty>
          No saved reports yet. Set the filters on <Link href={pagePath(account, "analytics")}>Analytics</Link> or{" "}
          <Link href={pagePath(account, "pulls")}>Pull requests</Link>, then choose “Save as report”.
        </Empty>
      </section>
    );
  return (
    <section className="panel" aria-label="Saved reports">
      <div className="table-scroll">
        <table className="dense cards-when-narrow reports">
          <thead>
            <tr>
              <th scope="col">Report</th>
              <th scope="col">Of</th>
              <th scope="col">Who sees it</th>
              <th scope="col">Weekly to Slack</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link href={reportPath(account, r.id)}>{r.name}</Link>
                  <div className="muted">{coverage(r, repositoryName(r.filters.repositoryId))}</div>
                </td>
                <td data-label="Of">{PAGE_LABEL[r.page]}</td>
                <td data-label="Who sees it">{r.shared ? `Everyone · by ${r.author}` : "Only you"}</td>
                <td data-label="Weekly to Slack">{r.weekly ? r.weekly.label : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
