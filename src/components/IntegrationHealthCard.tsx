import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Skeleton } from "./Skeleton";
import { localTime, timeAgo, useNow } from "./time";

/** getStatus lists at most this many failed repositories (FAILED_REPOSITORIES_SHOWN in convex/sync/status.ts). */
const FAILED_LISTED_AT_MOST = 10;
/** Failed repositories shown before "N more". */
const FAILED_SHOWN_COLLAPSED = 3;

type FailedRepository = { fullName: string; reason: string };

/** The repositories the last sync could not read, with GitHub's reason: a short list, the rest behind "N more". */
function FailedRepositories({ failed }: { failed: FailedRepository[] }) {
  if (failed.length === 0) return null;
  const count = failed.length >= FAILED_LISTED_AT_MOST ? `${failed.length}+` : String(failed.length);
  const item = (r: FailedRepository) => (
    <li key={r.fullName}>
      <strong>{r.fullName}</strong> <span className="muted">— {r.reason}</span>
    </li>
  );
  const shown = failed.slice(0, FAILED_SHOWN_COLLAPSED);
  const rest = failed.slice(FAILED_SHOWN_COLLAPSED);
  return (
    <div className="failed-repos" role="group" aria-labelledby="failed-repos-heading">
      <h4 id="failed-repos-heading">
        ✕ {count} {failed.length === 1 ? "repository" : "repositories"} failed to sync
      </h4>
      <ul className="failed-list">{shown.map(item)}</ul>
      {rest.length > 0 && (
        <details>
          <summary>{rest.length} more</summary>
          <ul className="failed-list">{rest.map(item)}</ul>
        </details>
      )}
    </div>
  );
}

/** Last synced (live), GitHub budget left, webhook health, and the repositories that failed to sync. */
export function IntegrationHealthCard({ installationId }: { installationId: Id<"installations"> }) {
  const status = useQuery(api.sync.status.getStatus, { installationId });
  const now = useNow(15_000);
  if (status === undefined) return <Skeleton lines={4} label="Loading integration health" />;
  if (status === null) return null;
  return (
    <section className="panel" aria-labelledby="health-heading">
      <h3 id="health-heading">Integration health</h3>
      <dl className="facts">
        <dt>Last synced</dt>
        <dd>
          {status.lastSyncedAt ? (
            <time dateTime={new Date(status.lastSyncedAt).toISOString()}>{timeAgo(status.lastSyncedAt, now)}</time>
          ) : (
            "never"
          )}
        </dd>
        {/* The budget and webhook traffic move with every repository: the operators' figures. */}
        {status.operator && (
          <>
            <dt>GitHub budget</dt>
            <dd>
              {status.rateLimit
                ? `${status.rateLimit.remaining.toLocaleString()} of ${status.rateLimit.limit.toLocaleString()} requests left (resets ${localTime(status.rateLimit.resetAt)})`
                : "not measured yet"}
            </dd>
            <dt>Webhooks</dt>
            <dd>
              {status.lastWebhookAt ? `last delivery ${timeAgo(status.lastWebhookAt, now)}` : "none received yet"}
            </dd>
          </>
        )}
      </dl>
      <FailedRepositories failed={status.failedRepositories} />
    </section>
  );
}
