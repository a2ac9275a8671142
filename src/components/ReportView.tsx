/**
 * One saved report at its URL (`/<account>/reports?report=<id>`): what it covers, its figures read as the
 * viewer may (the Analytics panels or the pull request list, with the report's filters), its CSV, and
 * what may be changed: the author renames and shares it, the author or an administrator deletes it, an
 * administrator sends a shared one to a Slack destination each Monday.
 */
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { coverage } from "../../convex/reports/definition";
import { PAGE_LABEL, pageUrlOf } from "../lib/reports";
import { pagePath } from "../routes";
import { AnalyticsPanels } from "./AnalyticsPanels";
import type { AnalyticsFilters } from "./AnalyticsFormat";
import { ErrorBoundary } from "./ErrorBoundary";
import { errorText } from "./errorText";
import { PullRequestTable } from "./PullRequestTable";
import { ReportExport } from "./ReportExport";
import { Empty, Skeleton } from "./Skeleton";
import { useUtcDay } from "./time";

/** A URL with more parameters (a drill-down of the page the report was saved from); undefined ones left out. */
function withParams(url: string, params: Record<string, string | undefined>) {
  const [path, query = ""] = url.split("?");
  const search = new URLSearchParams(query);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
  return `${path}?${search}`;
}

type Report = NonNullable<FunctionReturnType<typeof api.reports.saved.get>>;

export function ReportView({
  installationId,
  account,
  reportId,
}: {
  installationId: Id<"installations">;
  account: string;
  reportId: Id<"savedReports">;
}) {
  const report = useQuery(api.reports.saved.get, { installationId, reportId });
  const options = useQuery(api.dashboard.analytics.filterOptions, { installationId });
  const today = useUtcDay();
  const [, navigate] = useLocation();
  if (report === undefined) return <Skeleton lines={6} label="Loading the report" />;
  if (report === null)
    return (
      <section className="panel">
        <Empty>
          This report does not exist, or it is not shared with you.{" "}
          <Link href={pagePath(account, "reports")}>All reports</Link>
        </Empty>
      </section>
    );
  const repository = options?.repositories.find((r) => r.id === report.filters.repositoryId)?.fullName;
  const pageUrl = pageUrlOf(account, report);
  const days = report.filters.days ?? 30;
  const filters: AnalyticsFilters = {
    installationId,
    from: today - days + 1,
    to: today,
    ...(report.filters.repositoryId && { repositoryId: report.filters.repositoryId }),
    ...(report.filters.team && { team: report.filters.team }),
    ...(report.filters.author && { author: report.filters.author }),
  };
  return (
    <div className="report">
      <section className="panel report-head" aria-labelledby="report-name">
        <p className="muted">
          <Link href={pagePath(account, "reports")}>Reports</Link> ›
        </p>
        <h3 id="report-name">{report.name}</h3>
        <p>
          {PAGE_LABEL[report.page]}: {coverage(report, repository)}.{" "}
          <span className="muted">
            {report.shared ? `Shared with everyone in ${account} by ${report.author}` : "Private: only you see it"}
            {report.shared && " — each person sees only the repositories they may read"}.
          </span>
        </p>
        {report.weekly && <p className="muted">Sent weekly to {report.weekly.label} on Mondays.</p>}
        <div className="report-actions">
          <Link href={pageUrl}>Open in {PAGE_LABEL[report.page]}</Link>
          <ReportExport installationId={installationId} report={report} filters={filters} />
        </div>
        <ReportSettings installationId={installationId} account={account} report={report} />
      </section>
      {report.page === "pulls" ? (
        <section className="panel" aria-label="Pull requests of the report">
          <ErrorBoundary label="pull requests">
            <PullRequestTable installationId={installationId} account={account} fixed={report.filters} />
          </ErrorBoundary>
        </section>
      ) : (
        <AnalyticsPanels
          filters={filters}
          account={account}
          figures={report.figures}
          onDrill={(from, to, stage) =>
            navigate(withParams(pageUrl, { drill: from === "range" ? "range" : `${from}..${to}`, stage }))
          }
          onDeployments={(deployments) => navigate(withParams(pageUrl, { deployments }))}
        />
      )}
    </div>
  );
}

/** Rename, share, delete, weekly Slack: each shown to those who may do it. */
function ReportSettings({
  installationId,
  account,
  report,
}: {
  installationId: Id<"installations">;
  account: string;
  report: Report;
}) {
  const update = useMutation(api.reports.saved.update);
  const remove = useMutation(api.reports.saved.remove);
  const setWeekly = useMutation(api.reports.saved.setWeekly);
  const destinations = useQuery(api.notify.destinations.list, { installationId });
  const [, navigate] = useLocation();
  const [name, setName] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const attempt = async (run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
    } catch (err) {
      setError(errorText(err, "That did not work; try again."));
    }
  };
  const admin = destinations?.canEdit ?? false;
  if (!report.mine && !report.canRemove && !admin) return null;
  return (
    <div className="report-settings">
      {report.mine && name === null && (
        <button type="button" onClick={() => setName(report.name)}>
          Rename
        </button>
      )}
      {report.mine && name !== null && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(async () => {
              await update({ reportId: report.id, name });
              setName(null);
            });
          }}
        >
          <label>
            Name <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
          </label>
          <button type="submit" className="primary">
            Save
          </button>
          <button type="button" onClick={() => setName(null)}>
            Cancel
          </button>
        </form>
      )}
      {report.mine && (
        <label>
          <input
            type="checkbox"
            checked={report.shared}
            onChange={(e) => void attempt(() => update({ reportId: report.id, shared: e.target.checked }))}
          />{" "}
          Shared with everyone in {account}
        </label>
      )}
      {admin && report.shared && (
        <label>
          Weekly summary to{" "}
          <select
            value={report.weekly?.destinationId ?? ""}
            onChange={(e) =>
              void attempt(() =>
                setWeekly({
                  reportId: report.id,
                  destinationId: (e.target.value || null) as Id<"notificationDestinations"> | null,
                }),
              )
            }
          >
            <option value="">No one</option>
            {destinations?.destinations
              .filter((d) => d.teamSlug === null)
              .map((d) => (
                <option key={d.id} value={d.id}>
                  {d.label}
                </option>
              ))}
          </select>
        </label>
      )}
      {report.canRemove &&
        (confirming ? (
          <span>
            Delete “{report.name}”{report.shared ? " for everyone" : ""}?{" "}
            <button
              type="button"
              className="danger"
              onClick={() =>
                void attempt(async () => {
                  await remove({ reportId: report.id });
                  navigate(pagePath(account, "reports"));
                })
              }
            >
              Delete
            </button>{" "}
            <button type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Delete report
          </button>
        ))}
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
