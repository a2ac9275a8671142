/**
 * Every installation the user sees, side by side (seed 004): open work, the last 30 days' merges,
 * median cycle time and deployments, and the sync state; each a link into its own pages. Reached from
 * the account picker and the page navigation (when there are several); the picker switches while
 * keeping the page, these links go to an organisation's inbox or analytics.
 */
import { useQuery } from "convex/react";
import { Link } from "wouter";
import { api } from "../../convex/_generated/api";
import type { OrganisationRollup } from "../../convex/dashboard/organisations";
import { plural } from "../lib/plural";
import { pagePath } from "../routes";
import { formatHours } from "./AnalyticsFormat";
import { Empty, Skeleton } from "./Skeleton";
import { timeAgo, useNow, useUtcDay } from "./time";

const SYNC_TEXT: Record<OrganisationRollup["syncState"], string> = {
  idle: "✓ up to date",
  syncing: "⟳ syncing",
  blocked: "⏸ paused (rate limit)",
  error: "✕ last sync failed",
};
const HEALTH_ICON = { green: "✓", yellow: "●", red: "✕" } as const;

export function Organisations({ current }: { current: string }) {
  const today = useUtcDay();
  const now = useNow(60_000);
  const organisations = useQuery(api.dashboard.organisations.overview, { today });
  if (organisations === undefined) return <Skeleton lines={4} label="Loading organisations" />;
  if (organisations.length === 0) return <Empty>No organisation figures yet.</Empty>;
  return (
    <section className="panel" aria-label="Organisations overview">
      <p className="muted">Every account you can see; the last 30 days end today (UTC).</p>
      <div className="table-scroll">
        <table className="repos orgs cards-when-narrow">
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Open PRs</th>
              <th scope="col">Merged (30 days)</th>
              <th scope="col">Median cycle time (30 days)</th>
              <th scope="col">Deployments (30 days)</th>
              <th scope="col">Sync</th>
            </tr>
          </thead>
          <tbody>
            {organisations.map((o) => {
              const login = o.account.login;
              return (
                <tr key={o.installationId} aria-current={login === current ? "true" : undefined}>
                  <td>
                    <Link href={pagePath(login, "inbox")}>{login}</Link>
                    {login === current && <span className="badge">current</span>}
                    <div className="muted">
                      {o.account.type === "User" ? "personal account" : "organisation"} ·{" "}
                      {plural(o.repositories, "repository", "repositories")} ·{" "}
                      <Link href={pagePath(login, "analytics")}>analytics</Link>
                    </div>
                  </td>
                  <td data-label="Open PRs">
                    {o.openPullRequests.toLocaleString()}{" "}
                    {(["green", "yellow", "red"] as const).map((h) => (
                      <span key={h} className={`health-${h}`}>
                        {HEALTH_ICON[h]} {o.openPullRequestsByHealth[h]}
                        <span className="visually-hidden"> {h}</span>{" "}
                      </span>
                    ))}
                  </td>
                  <td data-label="Merged (30 days)">{o.merged30d.toLocaleString()}</td>
                  <td data-label="Median cycle time (30 days)">{formatHours(o.medianCycleHours30d)}</td>
                  <td data-label="Deployments (30 days)">{o.deployments30d.toLocaleString()}</td>
                  <td data-label="Sync">
                    <span className={`tag sync-${o.syncState}`}>
                      {o.syncState === "idle" && o.lastSyncedAt === null ? "never synced" : SYNC_TEXT[o.syncState]}
                    </span>
                    {o.lastSyncedAt !== null && <div className="muted">synced {timeAgo(o.lastSyncedAt, now)}</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
