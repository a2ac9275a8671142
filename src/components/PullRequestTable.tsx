import { usePaginatedQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { HEALTH_TEXT, healthReasonsText, waitingOnText } from "./prText";
import { Empty, MorePages, Skeleton } from "./Skeleton";
import { StaleBadge } from "./StaleBadge";
import { timeAgo, useNow, useUtcDay } from "./time";

type HealthFilter = "" | "green" | "yellow" | "red";
type StateFilter = "open" | "closed" | "merged" | "all";

const PAGE_SIZE = 20;

/** Whose turn it is (issue 13), optional until every deployment returns it: absent → nothing shown. */
interface WhoseTurn {
  waitingOn?: string[];
  waitingSince?: number;
  stale?: boolean;
}

export function PullRequestTable({ installationId }: { installationId: Id<"installations"> }) {
  const [health, setHealth] = useState<HealthFilter>("");
  const [state, setState] = useState<StateFilter>("open");
  const [author, setAuthor] = useState("");
  const now = useNow(60_000);
  const today = useUtcDay();
  const {
    results: rows,
    status,
    loadMore,
  } = usePaginatedQuery(
    api.dashboard.lists.pullRequests,
    { installationId, state, today, ...(health && { health }), ...(author.trim() && { author: author.trim() }) },
    { initialNumItems: PAGE_SIZE },
  );
  const results: Array<(typeof rows)[number] & WhoseTurn> = rows;
  return (
    <>
      <form className="filters" aria-label="Filter pull requests" onSubmit={(e) => e.preventDefault()}>
        <label>
          State{" "}
          <select value={state} onChange={(e) => setState(e.target.value as StateFilter)}>
            <option value="open">Open</option>
            <option value="merged">Merged</option>
            <option value="closed">Closed</option>
            <option value="all">All</option>
          </select>
        </label>
        <label>
          Health{" "}
          <select value={health} onChange={(e) => setHealth(e.target.value as HealthFilter)}>
            <option value="">Any</option>
            <option value="red">Red</option>
            <option value="yellow">Yellow</option>
            <option value="green">Green</option>
          </select>
        </label>
        <label>
          Author <input value={author} onChange={(e) => setAuthor(e.target.value)} placeholder="login" size={10} />
        </label>
      </form>
      {status === "LoadingFirstPage" ? (
        <Skeleton lines={5} label="Loading pull requests" />
      ) : results.length === 0 ? (
        <Empty>No pull requests match.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="prs cards-when-narrow">
            <thead>
              <tr>
                <th scope="col">Health</th>
                <th scope="col">Pull request</th>
                <th scope="col">Why</th>
                <th scope="col">Waiting on</th>
                <th scope="col">Waiting since</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {results.map((pr) => (
                <tr key={pr.id} data-health={pr.health}>
                  <td>
                    <span className={`pill health-${pr.health}`}>
                      {pr.state === "open" ? HEALTH_TEXT[pr.health] : pr.state}
                    </span>
                  </td>
                  <td>
                    <a href={pr.url}>{pr.title}</a>
                    {pr.stale && <StaleBadge />}
                    <div className="muted">
                      {pr.repository}#{pr.number} by {pr.author}
                      {pr.draft ? " · draft" : ""}
                    </div>
                  </td>
                  <td data-label="Why">
                    {healthReasonsText(pr.healthReasons) || "—"}
                    {pr.failingChecks.length > 0 && <div className="muted">failing: {pr.failingChecks.join(", ")}</div>}
                  </td>
                  <td data-label="Waiting on">{pr.waitingOn?.length ? waitingOnText(pr.waitingOn) : null}</td>
                  <td data-label="Waiting since">
                    {pr.waitingSince !== undefined ? (
                      <time dateTime={new Date(pr.waitingSince).toISOString()}>{timeAgo(pr.waitingSince, now)}</time>
                    ) : null}
                  </td>
                  <td data-label="Updated">{timeAgo(pr.updatedAt, now)}</td>
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
        label="Load more"
        loadingLabel="Loading more pull requests"
      />
    </>
  );
}
