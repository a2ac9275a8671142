/**
 * The bell (in the header) and the Alerts page. The page lists one row per pull request (or person, or
 * the sync) with its open breaches (`alerts/rows:open`): the caller's own and their teams' by default,
 * everything on request, filtered by agreement, repository and team — all in the URL. Times are
 * relative; teams are named. Only alerts the caller may read are listed (server-side).
 */
import { useMutation, useQuery } from "convex/react";
import { Link } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ListKeysHelp, useListKeys } from "../lib/listKeys";
import { plural } from "../lib/plural";
import { useKept } from "../lib/offline";
import { useUrlState } from "../lib/urlState";
import { pagePath } from "../routes";
import { FilterSelect } from "./FilterSelect";
import { Empty, Skeleton } from "./Skeleton";
import { timeAgo, useNow } from "./time";

const KIND_LABEL: Record<string, string> = {
  pickup: "Review response time",
  open_too_long: "Open too long",
  size: "PR size",
  open_requests: "Open review requests",
  sync_failures: "Sync failures",
  rate_limit: "Rate limit",
  webhook_lag: "Webhook lag",
  watchlist: "Watchlist",
};

/** The caller's alert rows with something unread: the navigation's count (shared with the page's default query). */
export function useMyUnreadAlerts(installationId: Id<"installations">): number | undefined {
  return useMyAlertRows(installationId)?.unread;
}

/** The caller's own alert rows: live, or offline the last ones this device showed (src/lib/offline.ts). */
function useMyAlertRows(installationId: Id<"installations">, skip = false) {
  return useKept("alerts", installationId, useQuery(api.alerts.rows.open, skip ? "skip" : { installationId })).value;
}

export function AlertBell({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const count = useMyUnreadAlerts(installationId) ?? 0;
  return (
    <Link
      href={pagePath(account, "alerts")}
      className="bell"
      aria-label={count > 0 ? `Alerts: ${count} unread` : "Alerts: none unread"}
      data-unread={count}
    >
      {/* An inline icon: an emoji needs a colour font the machine may not have. */}
      <svg
        aria-hidden="true"
        width="20"
        height="20"
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
      >
        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
        <path d="M13.73 21a2 2 0 0 1-3.46 0" />
      </svg>
      {count > 0 && (
        <span className="bell-count" aria-hidden="true">
          {count}
        </span>
      )}
    </Link>
  );
}

const FILTERS = { show: "mine", kind: "", repo: "", team: "" };

export function AlertList({ installationId }: { installationId: Id<"installations"> }) {
  const { values: f, set, changed } = useUrlState(FILTERS);
  const now = useNow(60_000);
  // The default view (the caller's own) is kept for offline use; a filtered one is live only.
  const mine = useMyAlertRows(installationId, changed);
  const filtered = useQuery(
    api.alerts.rows.open,
    changed
      ? {
          installationId,
          ...(f.show === "all" && { everyone: true }),
          ...(f.kind in KIND_LABEL && { kind: f.kind as "pickup" }),
          ...(f.repo && { repository: f.repo }),
          ...(f.team && { team: f.team }),
        }
      : "skip",
  );
  const answer = changed ? filtered : mine;
  const markRead = useMutation(api.alerts.bell.markRead);
  const keys = useListKeys<HTMLOListElement>();
  const clear = () => set({ show: "", kind: "", repo: "", team: "" });
  if (answer === undefined) return <Skeleton lines={4} label="Loading alerts" />;
  if (answer === null) return <Empty>The alerts of this account are not available to you.</Empty>;
  return (
    <section className="panel alerts" aria-label="Alerts">
      <form className="filters" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="segmented">
          <legend className="visually-hidden">Whose alerts</legend>
          {(
            [
              ["mine", "Mine and my teams"],
              ["all", "Everyone's"],
            ] as const
          ).map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="show"
                value={value}
                checked={f.show === value}
                onChange={() => set({ show: value })}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <FilterSelect
          label="Agreement"
          value={f.kind}
          onChange={(kind) => set({ kind })}
          choices={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
        />
        <FilterSelect
          label="Repository"
          any="All"
          value={f.repo}
          onChange={(repo) => set({ repo })}
          choices={answer.repositories.map((r) => ({ value: r, label: r }))}
        />
        <FilterSelect
          label="Team"
          value={f.team}
          onChange={(team) => set({ team })}
          choices={answer.teams.map((t) => ({ value: t.slug, label: t.name }))}
        />
        {changed && (
          <button type="button" onClick={clear}>
            Clear filters
          </button>
        )}
        <button type="button" disabled={answer.unread === 0} onClick={() => void markRead({ installationId })}>
          Mark all as read
        </button>
      </form>
      <ListKeysHelp open={keys.help} onClose={keys.closeHelp} />
      <p className="muted">
        {plural(answer.rows.length, "pull request or person", "pull requests or people")} breaking a working agreement
        {f.show === "all" ? "" : " that concern you"}. An alert clears by itself when its condition does.
        {answer.truncated && " Only the newest 1,000 open alerts are read."}
      </p>
      {answer.rows.length === 0 ? (
        <Empty>
          {f.show === "all" ? "Nothing breaks a working agreement." : "Nothing of yours breaks a working agreement."}{" "}
          {changed && (
            <button type="button" className="link" onClick={clear}>
              Clear the filters
            </button>
          )}
        </Empty>
      ) : (
        <ol className="alert-list" ref={keys.ref}>
          {answer.rows.map((row, n) => (
            <li key={row.key} data-row tabIndex={n === 0 ? 0 : -1} data-unread={row.unread}>
              <div className="alert-title">
                {row.url ? <a href={row.url}>{row.title}</a> : <strong>{row.title}</strong>}
                {row.unread && <span className="badge new">new</span>}
              </div>
              {row.repository && (
                <div className="muted">
                  {row.repository}
                  {row.number !== null && `#${row.number}`}
                  {row.author && ` by ${row.author}`}
                </div>
              )}
              <ul className="breaches" aria-label="Breaches">
                {row.breaches.map((b, i) => (
                  <li key={i} title={b.message}>
                    <span className="breach-kind">{KIND_LABEL[b.kind] ?? b.kind}</span>
                    {b.who && <span> · {b.who}</span>}
                    <span className="muted">
                      {" "}
                      · <time dateTime={new Date(b.openedAt).toISOString()}>{timeAgo(b.openedAt, now)}</time>
                    </span>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
