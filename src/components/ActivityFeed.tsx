/**
 * What happened, newest first: who did what to which pull request or issue (by its title), with a
 * review's verdict; filtered by person, repository and kind, in the URL.
 */
import { usePaginatedQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { useUrlState } from "../lib/urlState";
import { FilterSelect, RepositoryFilter } from "./FilterSelect";
import { Empty, MorePages, Skeleton } from "./Skeleton";
import { timeAgo, useNow } from "./time";

const VERB = {
  pr_opened: "opened",
  pr_merged: "merged",
  pr_closed: "closed",
  review_submitted: "reviewed",
  commit_pushed: "pushed",
  issue_opened: "opened issue",
  issue_closed: "closed issue",
  comment_created: "commented on",
} as const;
const KIND_LABEL: Record<keyof typeof VERB, string> = {
  pr_opened: "Pull requests opened",
  pr_merged: "Pull requests merged",
  pr_closed: "Pull requests closed",
  review_submitted: "Reviews",
  commit_pushed: "Commits",
  issue_opened: "Issues opened",
  issue_closed: "Issues closed",
  comment_created: "Comments",
};
const VERDICT = {
  approved: "✓ approved",
  changes_requested: "✕ requested changes",
  commented: "commented",
  dismissed: "dismissed",
} as const;

const FILTERS = { person: "", repo: "", kind: "" };
const PAGE = 20;

export function ActivityFeed({ installationId }: { installationId: Id<"installations"> }) {
  const { values: f, set, changed } = useUrlState(FILTERS);
  const type = f.kind in VERB ? (f.kind as keyof typeof VERB) : undefined;
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.lists.activity,
    {
      installationId,
      ...(f.person.trim() && { actor: f.person.trim() }),
      ...(f.repo && { repository: f.repo }),
      ...(type && { type }),
    },
    { initialNumItems: PAGE },
  );
  const now = useNow(60_000);
  return (
    <>
      <form className="filters" aria-label="Filter activity" onSubmit={(e) => e.preventDefault()}>
        <label>
          Person{" "}
          <input value={f.person} onChange={(e) => set({ person: e.target.value })} placeholder="login" size={10} />
        </label>
        <RepositoryFilter installationId={installationId} value={f.repo} onChange={(repo) => set({ repo })} />
        <FilterSelect
          label="Kind"
          any="Everything"
          value={f.kind}
          onChange={(kind) => set({ kind })}
          choices={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
        />
        {changed && (
          <button type="button" onClick={() => set({ person: "", repo: "", kind: "" })}>
            Clear filters
          </button>
        )}
      </form>
      {status === "LoadingFirstPage" ? (
        <Skeleton lines={5} label="Loading activity" />
      ) : results.length === 0 ? (
        <Empty>{changed ? "No activity matches." : "No activity yet."}</Empty>
      ) : (
        <ol className="feed">
          {results.map((e) => (
            <li key={e.id}>
              <strong>{e.actor}</strong> {VERB[e.type]} <a href={e.url}>{e.title ?? e.repository}</a>
              {e.verdict && <span className={`verdict verdict-${e.verdict}`}> {VERDICT[e.verdict]}</span>}{" "}
              <span className="muted">
                in {e.repository} · {timeAgo(e.occurredAt, now)}
              </span>
            </li>
          ))}
        </ol>
      )}
      <MorePages
        status={status}
        loadMore={loadMore}
        pageSize={PAGE}
        label="Load more activity"
        loadingLabel="Loading more activity"
      />
    </>
  );
}
