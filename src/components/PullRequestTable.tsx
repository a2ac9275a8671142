/**
 * The pull request list, for triage: sorted by last update, age or waiting; filtered by state, health,
 * repository, team (its members' PRs), author and reviewer — all in the URL (`?health=red&sort=age`), so a figure elsewhere links
 * to the list behind it and a filtered list can be shared. Dense rows; j / k / Enter / ? (lib/listKeys).
 */
import { usePaginatedQuery, useQuery } from "convex/react";
import { useMemo } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ListKeysHelp, useListKeys } from "../lib/listKeys";
import { useKept, useOnline } from "../lib/offline";
import { useUrlState } from "../lib/urlState";
import type { ReportFilters } from "../../convex/reports/definition";
import { SaveReport } from "./SaveReport";
import { HEALTH_TEXT, healthReasonsText, waitingOnText } from "./prText";
import { FilterSelect, RepositoryFilter } from "./FilterSelect";
import { Empty, MorePages, Skeleton } from "./Skeleton";
import { StaleBadge } from "./StaleBadge";
import { timeAgo, useNow, useUtcDay } from "./time";

const PAGE_SIZE = 25;

/** A report's filters as the list's URL values. */
const fixedValues = ({ repository, ...f }: ReportFilters): Partial<typeof PR_FILTERS> => ({
  ...(f.state && { state: f.state }),
  ...(f.health && { health: f.health }),
  ...(repository && { repo: repository }),
  ...(f.team && { team: f.team }),
  ...(f.author && { author: f.author }),
  ...(f.reviewer && { reviewer: f.reviewer }),
  ...(f.sort && { sort: f.sort }),
});
const PR_FILTERS = { state: "open", health: "", repo: "", team: "", author: "", reviewer: "", sort: "updated" };
type Sort = "updated" | "age" | "waiting" | "size";
type State = "open" | "closed" | "merged" | "all";

/** "+120 −4" as text; a screen reader hears "120 lines added, 4 removed". */
function Size({ additions, deletions }: { additions: number | null; deletions: number | null }) {
  if (additions === null && deletions === null) return <span className="muted">—</span>;
  const [a, d] = [additions ?? 0, deletions ?? 0];
  return (
    <span className="size" aria-label={`${a} lines added, ${d} removed`}>
      <span className="added">+{a.toLocaleString("en")}</span>{" "}
      <span className="removed">−{d.toLocaleString("en")}</span>
    </span>
  );
}

/**
 * The list with its filters from the URL (and the form that sets them), or, for a saved report, the
 * report's filters (`fixed`: no form, nothing kept offline).
 */
export function PullRequestTable({
  installationId,
  account,
  fixed,
}: {
  installationId: Id<"installations">;
  account: string;
  fixed?: ReportFilters;
}) {
  const url = useUrlState(PR_FILTERS);
  const {
    values: f,
    set,
    changed,
  } = fixed ? { values: { ...PR_FILTERS, ...fixedValues(fixed) }, set: url.set, changed: true } : url;
  const sort = (["updated", "age", "waiting", "size"].includes(f.sort) ? f.sort : "updated") as Sort;
  const state = (["open", "closed", "merged", "all"].includes(f.state) ? f.state : "open") as State;
  const health = (["green", "yellow", "red"].includes(f.health) ? f.health : undefined) as
    "green" | "yellow" | "red" | undefined;
  const now = useNow(60_000);
  const today = useUtcDay();
  const options = useQuery(api.dashboard.analytics.filterOptions, { installationId });
  const live = usePaginatedQuery(
    api.dashboard.lists.pullRequests,
    {
      installationId,
      state,
      today,
      sort,
      ...(health && { health }),
      ...(f.author.trim() && { author: f.author.trim() }),
      ...(f.repo && { repository: f.repo }),
      ...(f.team && { team: f.team }),
      ...(f.reviewer && { reviewer: f.reviewer }),
    },
    { initialNumItems: PAGE_SIZE },
  );
  // The default list's first page is kept for offline use (src/lib/offline.ts); offline, only it is shown.
  // Memoised: a new array each render would be kept again each render.
  const firstPage = useMemo(
    () => (live.status === "LoadingFirstPage" || changed ? undefined : live.results.slice(0, PAGE_SIZE)),
    [live.status, live.results, changed],
  );
  const kept = useKept("pulls", installationId, firstPage);
  const { results, status, loadMore } =
    useOnline() || changed
      ? live
      : {
          results: kept.value ?? [],
          status: kept.value ? ("Exhausted" as const) : ("LoadingFirstPage" as const),
          loadMore: () => {},
        };
  const keys = useListKeys<HTMLTableSectionElement>();
  const clear = () => set(Object.fromEntries(Object.keys(PR_FILTERS).map((k) => [k, ""])));
  return (
    <>
      {!fixed && (
        <div className="filter-bar">
          <form className="filters" aria-label="Filter and sort pull requests" onSubmit={(e) => e.preventDefault()}>
            <label>
              Sort{" "}
              <select value={sort} onChange={(e) => set({ sort: e.target.value })}>
                <option value="updated">Last updated</option>
                <option value="waiting">Waiting longest</option>
                <option value="age">Oldest</option>
                <option value="size">Largest</option>
              </select>
            </label>
            <label>
              State{" "}
              <select value={state} onChange={(e) => set({ state: e.target.value })} disabled={sort === "waiting"}>
                <option value="open">Open</option>
                <option value="merged">Merged</option>
                <option value="closed">Closed</option>
                <option value="all">All</option>
              </select>
            </label>
            <label>
              Health{" "}
              <select value={health ?? ""} onChange={(e) => set({ health: e.target.value })}>
                <option value="">Any</option>
                <option value="red">Red</option>
                <option value="yellow">Yellow</option>
                <option value="green">Green</option>
              </select>
            </label>
            <RepositoryFilter installationId={installationId} value={f.repo} onChange={(repo) => set({ repo })} />
            <FilterSelect
              label="Team"
              value={f.team}
              onChange={(team) => set({ team })}
              choices={options?.teams.map((t) => ({ value: t.slug, label: t.name }))}
            />
            <label>
              Author{" "}
              <input
                value={f.author}
                onChange={(e) => set({ author: e.target.value })}
                placeholder="login"
                size={10}
                autoComplete="off"
              />
            </label>
            {f.reviewer && (
              <span className="chip">
                Waiting on {waitingOnText([f.reviewer])}{" "}
                <button
                  type="button"
                  aria-label={`Stop filtering by ${f.reviewer}`}
                  onClick={() => set({ reviewer: "" })}
                >
                  ×
                </button>
              </span>
            )}
            {changed && (
              <button type="button" onClick={clear}>
                Clear filters
              </button>
            )}
            <span className="muted keys-hint" aria-hidden="true">
              <kbd>j</kbd> <kbd>k</kbd> <kbd>?</kbd>
            </span>
          </form>
          <SaveReport installationId={installationId} account={account} page="pulls" />
        </div>
      )}
      <ListKeysHelp open={keys.help} onClose={keys.closeHelp} />
      {status === "LoadingFirstPage" ? (
        <Skeleton lines={5} label="Loading pull requests" />
      ) : results.length === 0 ? (
        <Empty>
          No pull requests match.{" "}
          {changed && !fixed && (
            <button type="button" className="link" onClick={clear}>
              Clear the filters
            </button>
          )}
        </Empty>
      ) : (
        <div className="table-scroll">
          <table className="prs dense cards-when-narrow">
            <thead>
              <tr>
                <th scope="col">Health</th>
                <th scope="col">Pull request</th>
                <th scope="col">Why</th>
                <th scope="col">Size</th>
                <th scope="col">Waiting on</th>
                <th scope="col">{sort === "age" ? "Opened" : sort === "waiting" ? "Waiting since" : "Updated"}</th>
              </tr>
            </thead>
            <tbody ref={keys.ref}>
              {results.map((pr, n) => (
                <tr key={pr.id} data-health={pr.health} data-row tabIndex={n === 0 ? 0 : -1}>
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
                    {pr.failingChecks.length > 0 && (
                      <div>
                        <a href={`${pr.url}/checks`} className="failing">
                          failing: {pr.failingChecks.join(", ")}
                        </a>
                      </div>
                    )}
                  </td>
                  <td data-label="Size">
                    <Size additions={pr.additions} deletions={pr.deletions} />
                  </td>
                  <td data-label="Waiting on">{pr.waitingOn?.length ? waitingOnText(pr.waitingOn) : null}</td>
                  <td data-label={sort === "age" ? "Opened" : sort === "waiting" ? "Waiting since" : "Updated"}>
                    {sort === "age"
                      ? timeAgo(pr.createdAt, now)
                      : sort === "waiting" && pr.waitingSince !== undefined
                        ? timeAgo(pr.waitingSince, now)
                        : timeAgo(pr.updatedAt, now)}
                  </td>
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
