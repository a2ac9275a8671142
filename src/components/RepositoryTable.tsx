import { usePaginatedQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Empty, Skeleton } from "./Skeleton";

const SYNC_STATUS_TEXT = { ready: "✓ ready", processing: "⟳ syncing", failed: "✕ failed" } as const;
const PAGE_SIZE = 25;
const HEALTH_ICON = { green: "✓", yellow: "●", red: "✕" } as const;

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
                <td data-label="Sync">
                  <span className="tag">{SYNC_STATUS_TEXT[r.syncStatus]}</span>
                  {r.syncError && <div className="muted">{r.syncError}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {status === "CanLoadMore" && (
        <button type="button" onClick={() => loadMore(PAGE_SIZE)}>
          More repositories
        </button>
      )}
      {status === "LoadingMore" && <Skeleton lines={1} label="Loading more repositories" />}
    </>
  );
}
