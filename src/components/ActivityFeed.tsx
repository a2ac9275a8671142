import { usePaginatedQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Empty, Skeleton } from "./Skeleton";
import { timeAgo, useNow } from "./time";

const VERB = {
  pr_opened: "opened a pull request",
  pr_merged: "merged a pull request",
  pr_closed: "closed a pull request",
  review_submitted: "reviewed",
  commit_pushed: "pushed",
  issue_opened: "opened an issue",
  issue_closed: "closed an issue",
  comment_created: "commented on",
} as const;

export function ActivityFeed({ installationId }: { installationId: Id<"installations"> }) {
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.lists.activity,
    { installationId },
    { initialNumItems: 15 },
  );
  const now = useNow(60_000);
  if (status === "LoadingFirstPage") return <Skeleton lines={5} label="Loading activity" />;
  if (results.length === 0) return <Empty>No activity yet.</Empty>;
  return (
    <>
      <ol className="feed">
        {results.map((e) => (
          <li key={e.id}>
            <strong>{e.actor}</strong> {VERB[e.type]} <a href={e.url}>{e.title ?? e.repository}</a>{" "}
            <span className="muted">
              in {e.repository} · {timeAgo(e.occurredAt, now)}
            </span>
          </li>
        ))}
      </ol>
      {status === "CanLoadMore" && (
        <button type="button" onClick={() => loadMore(15)}>
          Load more activity
        </button>
      )}
    </>
  );
}
