/**
 * The production deployments behind a DORA figure (deployment frequency: the successes; change failure
 * rate: all, failures marked; time to restore: the successes that ended a failure run), newest first,
 * a page at a time. Team and person filters do not apply: deployments belong to repositories.
 */
import { usePaginatedQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import { dayRangeText, formatHours, isoTime, type AnalyticsFilters } from "./AnalyticsFormat";
import { Empty, MorePages, Skeleton } from "./Skeleton";

export type DeploymentDrill = "all" | "success" | "failure" | "restore";

const PAGE_SIZE = 25;

const HEADING: Record<DeploymentDrill, string> = {
  all: "Production deployments",
  success: "Successful production deployments",
  failure: "Failed production deployments",
  restore: "Production deployments that restored service",
};

export function AnalyticsDeployments({
  filters,
  outcome,
  onClose,
}: {
  filters: AnalyticsFilters;
  outcome: DeploymentDrill;
  onClose: () => void;
}) {
  const { installationId, from, to, repositoryId } = filters;
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.dora.deployments,
    {
      installationId,
      from,
      to,
      ...(repositoryId && { repositoryId }),
      ...(outcome !== "all" && { outcome }),
    },
    { initialNumItems: PAGE_SIZE },
  );
  return (
    <>
      <div className="drill-head">
        <h3 id="deployments-heading">
          {HEADING[outcome]} {dayRangeText(from, to)}
        </h3>
        <div className="drill-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      {status === "LoadingFirstPage" ? (
        <Skeleton lines={5} label="Loading deployments" />
      ) : results.length === 0 ? (
        <Empty>No production deployment matches.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="prs drill-list cards-when-narrow" aria-label={HEADING[outcome]}>
            <thead>
              <tr>
                <th scope="col">Deployment</th>
                <th scope="col">Outcome</th>
                <th scope="col">At (UTC)</th>
                <th scope="col">Restored after</th>
              </tr>
            </thead>
            <tbody>
              {results.map((d) => (
                <tr key={d.id} data-deployment={d.id} data-outcome={d.outcome}>
                  <td>
                    <a href={d.url}>
                      {d.repository} · {d.environment}
                    </a>
                    <div className="muted">
                      {d.source === "workflow_run" ? "workflow run" : "deployment"} of{" "}
                      <code>{d.ref ?? d.sha.slice(0, 7)}</code>
                      {d.ref !== null && <> at {d.sha.slice(0, 7)}</>}
                      {d.creatorLogin && <> by {d.creatorLogin}</>}
                    </div>
                  </td>
                  <td data-label="Outcome" className={d.outcome === "failure" ? "chosen" : undefined}>
                    {d.outcome === "success" ? "✓ success" : "✗ failure"}
                  </td>
                  <td data-label="At (UTC)">
                    <time dateTime={isoTime(d.at)}>{isoTime(d.at).slice(0, 16).replace("T", " ")}</time>
                  </td>
                  <td data-label="Restored after">{formatHours(d.restoreHours)}</td>
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
        label="More deployments"
        loadingLabel="Loading more deployments"
      />
    </>
  );
}
