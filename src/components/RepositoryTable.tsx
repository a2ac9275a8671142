import { usePaginatedQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Empty, MorePages, Skeleton } from "./Skeleton";

const SYNC_STATUS_TEXT = { ready: "✓ ready", processing: "⟳ syncing", failed: "✕ failed" } as const;
const PAGE_SIZE = 25;
const HEALTH_ICON = { green: "✓", yellow: "●", red: "✕" } as const;
const GRADE_TEXT = { green: "Healthy", yellow: "Needs attention", red: "Unhealthy" } as const;

/** The installation's repositories with their open work and each one's sync status (and why it failed). */
export function RepositoryTable({ installationId }: { installationId: Id<"installations"> }) {
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.lists.repositories,
    { installationId },
    { initialNumItems: PAGE_SIZE },
  );
  if (status === "LoadingFirstPage") return <Skeleton lines={5} label="Loading repositories" />;
  if (results.length === 0) return <Empty>No repositories yet.</Empty>;
  return (
    <>
      <div className="table-scroll">
        <table className="repos cards-when-narrow">
          <thead>
            <tr>
              <th scope="col">Repository</th>
              <th scope="col">Open PRs</th>
              <th scope="col">Health of open PRs</th>
              <th scope="col">Open issues</th>
              <th scope="col">Repository health</th>
              <th scope="col">Sync</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={r.id} className={`repo-${r.syncStatus}`}>
                <td>
                  <a href={r.url}>{r.fullName}</a>
                  {r.private && <span className="badge">private</span>}
                  {r.archived && <span className="badge">archived</span>}
                </td>
                <td data-label="Open PRs">{r.openPullRequests.toLocaleString()}</td>
                <td data-label="Health of open PRs">
                  {(["green", "yellow", "red"] as const).map((h) => (
                    <span key={h} className={`health-${h} count-${h}`}>
                      {HEALTH_ICON[h]} {r.openPullRequestsByHealth[h]}
                      <span className="visually-hidden"> {h}</span>{" "}
                    </span>
                  ))}
                </td>
                <td data-label="Open issues">{r.openIssues.toLocaleString()}</td>
                <td data-label="Repository health" className="repo-health">
                  {r.health ? (
                    <>
                      <span className={`pill health-${r.health.grade}`}>
                        {HEALTH_ICON[r.health.grade]} {r.health.score} · {GRADE_TEXT[r.health.grade]}
                      </span>{" "}
                      <Sparkline scores={r.health.trend} />
                      {r.health.reasons.length > 0 && (
                        <details className="reasons">
                          <summary>
                            {r.health.reasons.length} reason{r.health.reasons.length === 1 ? "" : "s"}
                          </summary>
                          <ul>
                            {r.health.reasons.map((reason) => (
                              <li key={reason}>{reason}</li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </>
                  ) : (
                    <span className="muted">not scored yet</span>
                  )}
                </td>
                <td data-label="Sync">
                  <span className="tag">{SYNC_STATUS_TEXT[r.syncStatus]}</span>
                  {r.syncError && <div className="muted">{r.syncError}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <MorePages
        status={status}
        loadMore={loadMore}
        pageSize={PAGE_SIZE}
        label="More repositories"
        loadingLabel="Loading more repositories"
      />
    </>
  );
}

/** A score's recent days as a line (oldest first), with its first and last score in words. */
function Sparkline({ scores }: { scores: number[] }) {
  if (scores.length < 2) return null;
  const width = 64;
  const height = 18;
  // The scale follows the scores (at least 20 points tall), so a change of a few points shows.
  const low = Math.max(0, Math.min(...scores, 100 - 20) - 2);
  const high = Math.min(100, Math.max(...scores, low + 20) + 2);
  const y = (score: number) => height - 1 - ((score - low) / (high - low)) * (height - 2);
  const points = scores
    .map((score, i) => `${((i / (scores.length - 1)) * width).toFixed(1)},${y(score).toFixed(1)}`)
    .join(" ");
  const first = scores[0]!;
  const last = scores[scores.length - 1]!;
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Trend over ${scores.length} days: ${first} to ${last}`}
    >
      <title>{`Trend over ${scores.length} days: ${first} to ${last}`}</title>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" />
    </svg>
  );
}
