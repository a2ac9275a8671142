/**
 * The bell (in the header, on every page) and the alerts page. The unread count is live (a Convex
 * subscription to `alerts/bell:unreadCount`); the page lists the alerts newest first and marks them
 * read for the signed-in user. Only alerts the user may read are counted and listed (server-side).
 */
import { useMutation, usePaginatedQuery, useQuery } from "convex/react";
import { Link } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { pagePath } from "../routes";
import { Skeleton } from "./Skeleton";

const KIND_LABEL: Record<string, string> = {
  pickup: "Review response time",
  open_too_long: "Open too long",
  size: "PR size",
  open_requests: "Open review requests",
  sync_failures: "Sync failures",
  rate_limit: "Rate limit",
  webhook_lag: "Webhook lag",
};

export function AlertBell({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const unread = useQuery(api.alerts.bell.unreadCount, { installationId });
  const count = unread?.count ?? 0;
  const shown = unread?.more ? `${count}+` : String(count);
  return (
    <Link
      href={pagePath(account, "alerts")}
      className="bell"
      aria-label={count > 0 ? `Alerts: ${shown} unread` : "Alerts: none unread"}
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
          {shown}
        </span>
      )}
    </Link>
  );
}

export function AlertList({ installationId }: { installationId: Id<"installations"> }) {
  const { results, status, loadMore } = usePaginatedQuery(
    api.alerts.bell.list,
    { installationId },
    { initialNumItems: 25 },
  );
  const markRead = useMutation(api.alerts.bell.markRead);
  if (status === "LoadingFirstPage") return <Skeleton lines={4} label="Loading alerts" />;
  const anyUnread = results.some((a) => a.unread);
  return (
    <section className="panel alerts" aria-label="Alerts">
      <div className="toolbar">
        <p className="muted">
          Breaches of the working agreements (Settings) and of the sync's health. Each alert is raised once and resolved
          when its condition clears.
        </p>
        <button type="button" disabled={!anyUnread} onClick={() => void markRead({ installationId })}>
          Mark all as read
        </button>
      </div>
      {results.length === 0 ? (
        <p className="empty">No alerts.</p>
      ) : (
        <ul className="alert-list">
          {results.map((a) => (
            <li key={a.id} data-unread={a.unread} data-resolved={a.resolvedAt !== null}>
              <strong>{KIND_LABEL[a.kind] ?? a.kind}</strong>
              {a.unread && <span className="badge"> new</span>}{" "}
              {a.url ? (
                <a href={a.url} target="_blank" rel="noreferrer">
                  {a.message}
                </a>
              ) : (
                a.message
              )}
              <span className="muted">
                {" "}
                · opened {new Date(a.openedAt).toLocaleString()}
                {a.resolvedAt !== null && ` · resolved ${new Date(a.resolvedAt).toLocaleString()}`}
              </span>
            </li>
          ))}
        </ul>
      )}
      {status === "CanLoadMore" && (
        <button type="button" onClick={() => loadMore(25)}>
          Show more
        </button>
      )}
    </section>
  );
}
