/**
 * The sync health page (seed 000's monitoring): job success and failure, GitHub requests and points
 * per hour against the budget, sync durations, webhook lag, dead-lettered deliveries with a replay
 * button, and the repositories that failed with their reasons. Every figure comes from
 * `dashboard/syncHealth`; the current UTC hour is sent by the page (a new hour is a new argument).
 */
import { useMutation, usePaginatedQuery, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useEffect, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Empty, Skeleton } from "./Skeleton";
import { localTime, timeAgo, useNow } from "./time";
import { plural } from "../lib/plural";

type Answer = NonNullable<FunctionReturnType<typeof api.dashboard.syncHealth.syncHealth>>;
/** The operators' answer: the installation-wide figures are there. */
type Health = Extract<Answer, { operator: true }>;
type Window = Health["day"];

const HOUR_MS = 3_600_000;
const DEAD_PAGE = 10;
const utcHour = (ms: number) => Math.floor(ms / HOUR_MS);

/** The current UTC hour (hours since the epoch), re-rendering when the next one starts. */
function useUtcHour(): number {
  const [hour, setHour] = useState(() => utcHour(Date.now()));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      const now = Date.now();
      setHour(utcHour(now));
      clearTimeout(timer);
      timer = setTimeout(check, (utcHour(now) + 1) * HOUR_MS - now + 50);
    };
    check();
    document.addEventListener("visibilitychange", check);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", check);
    };
  }, []);
  return hour;
}

const percent = (x: number | null) => (x === null ? "—" : `${Math.round(x * 1000) / 10}%`);
function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 90_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

function WindowFacts({ label, w, thresholds }: { label: string; w: Window; thresholds: Health["thresholds"] }) {
  const lagHigh = w.webhooks.maxLagMs !== null && w.webhooks.maxLagMs > thresholds.webhookLagMs;
  return (
    <section className="panel" aria-label={label}>
      <h3>{label}</h3>
      <dl className="facts">
        <dt>Sync jobs</dt>
        <dd>
          {w.jobs.succeeded} succeeded, {w.jobs.failed} failed
          {w.jobs.cancelled > 0 && `, ${w.jobs.cancelled} cancelled`} (failure rate {percent(w.jobs.failureRate)})
        </dd>
        <dt>Sync duration</dt>
        <dd>
          average {duration(w.duration.averageMs)}, 95th percentile {duration(w.duration.p95Ms)}
        </dd>
        <dt>GitHub requests</dt>
        <dd>
          {w.github.requests.toLocaleString()} ({w.github.notModified.toLocaleString()} answered “not modified”, free);{" "}
          {w.github.points.toLocaleString()} budget points; busiest hour {w.github.peakHourPoints.toLocaleString()}{" "}
          points
        </dd>
        <dt>Webhooks applied</dt>
        <dd>
          {w.webhooks.applied.toLocaleString()}; lag average {duration(w.webhooks.averageLagMs)}, 95th percentile{" "}
          {duration(w.webhooks.p95LagMs)}, longest{" "}
          <span className={lagHigh ? "health-red" : undefined}>{duration(w.webhooks.maxLagMs)}</span>
        </dd>
      </dl>
    </section>
  );
}

function Budgets({ health, now }: { health: Health; now: number }) {
  if (health.budgets.length === 0) return <p className="muted">GitHub's budget has not been measured yet.</p>;
  return (
    <ul className="repo-status">
      {health.budgets.map((b) => {
        const refilled = b.resetAt <= now;
        const left = refilled ? b.limit : b.remaining;
        const low = left < b.limit * health.thresholds.budgetLeft;
        return (
          <li key={b.resource} className={low ? "health-red" : undefined}>
            <strong>{b.resource}</strong>: {left.toLocaleString()} of {b.limit.toLocaleString()} points per hour left
            {!refilled && ` (resets ${localTime(b.resetAt)})`}
            {low && " — running low"}
          </li>
        );
      })}
    </ul>
  );
}

function HourlyChart({ health }: { health: Health }) {
  const limit = Math.min(...health.budgets.map((b) => b.limit));
  const data = health.hourly.map((h) => ({
    ...h,
    label: new Date(h.hour * HOUR_MS).toLocaleTimeString([], { hour: "2-digit" }),
  }));
  return (
    <figure className="trends">
      <div style={{ width: "100%", height: 200 }}>
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" minTickGap={12} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar dataKey="requests" name="Requests" fill="#64748b" />
            <Bar dataKey="points" name="Budget points" fill="#3b82f6" />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>
        GitHub requests and budget points per hour, last 24 hours (your time zone)
        {Number.isFinite(limit) && `, against a budget of ${limit.toLocaleString()} points per hour`}.
      </figcaption>
    </figure>
  );
}

function RecentJobs({ health, now }: { health: Health; now: number }) {
  const { recentJobs, thresholds } = health;
  if (recentJobs.count === 0) return <Empty>No sync has finished yet.</Empty>;
  const high = recentJobs.failureRate !== null && recentJobs.failureRate > thresholds.failureRate;
  return (
    <>
      <p className={high ? "health-red" : undefined}>
        {recentJobs.failed} of the last {recentJobs.count} syncs failed ({percent(recentJobs.failureRate)})
        {high && " — above the 10% alert threshold"}
      </p>
      <ul className="feed" aria-label="Last syncs">
        {recentJobs.jobs.map((j) => (
          <li key={j.id}>
            {j.state === "completed" ? "✓" : "✕"}{" "}
            {j.kind === "people" ? "members and teams" : j.kind === "watchlist" ? "watchlist" : `${j.trigger} sync`},{" "}
            {j.finishedAt ? timeAgo(j.finishedAt, now) : "—"}, {duration(j.durationMs)}, {j.requests} requests
            {j.error && <span className="muted"> — {j.error}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

/** How the watchlist shares GitHub's budget with the installation's own sync. */
function WatchlistShare({ share }: { share: NonNullable<Health["watchlist"]> }) {
  return (
    <>
      <p>
        {plural(share.entries, "followed repository", "followed repositories")}
        {share.processing > 0 && `, ${share.processing} being read`}
        {share.failed > 0 && `, ${share.failed} failed`}. In the last 24 hours its {plural(share.jobs, "job")} sent{" "}
        {plural(share.requests, "request")}, {share.notModified} of them answered "not modified" (free).
      </p>
      <p className="muted">
        The watchlist runs only when no sync of this account runs, and sends a request only while more than{" "}
        {Math.round(share.floorShare * 100)}% of a budget is left
        {share.floors.length > 0 && ` (${share.floors.map((f) => `${f.resource}: ${f.floor}`).join(", ")} requests)`}:
        the rest is the account's own. It waits for the budget to reset below that.
      </p>
    </>
  );
}

/** The organisation's members, teams and collaborators: who sees the installation and its private repositories. */
function People({ people, now }: { people: NonNullable<Health["people"]>; now: number }) {
  if (people.error)
    return (
      <p className="health-red">
        Members and teams could not be listed: {people.error} Access follows membership webhooks only.
      </p>
    );
  if (people.listedAt === null) return <Empty>Members and teams have not been listed yet.</Empty>;
  return <p>Members, teams and collaborators listed {timeAgo(people.listedAt, now)}; listed again every hour.</p>;
}

function DeadDeliveries({ installationId, now }: { installationId: Id<"installations">; now: number }) {
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.syncHealth.deadDeliveries,
    { installationId },
    { initialNumItems: DEAD_PAGE },
  );
  const replay = useMutation(api.dashboard.syncHealth.replayDelivery);
  const [pending, setPending] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  if (status === "LoadingFirstPage") return <Skeleton lines={2} label="Loading dead-lettered deliveries" />;
  // The answer to the last replay stays while the delivery leaves the list.
  const answer = message && <p role="status">{message}</p>;
  if (results.length === 0)
    return (
      <>
        <Empty>No dead-lettered webhook deliveries.</Empty>
        {answer}
      </>
    );
  return (
    <>
      <ul className="failed-list" aria-label="Dead-lettered deliveries">
        {results.map((d) => (
          <li key={d.id}>
            <strong>
              {d.event}
              {d.action && `.${d.action}`}
            </strong>{" "}
            received {timeAgo(d.receivedAt, now)}, {d.attempts} attempts
            {d.reason && <span className="muted"> — {d.reason}</span>}{" "}
            <button
              type="button"
              className="button"
              disabled={pending === d.id}
              onClick={async () => {
                setPending(d.id);
                try {
                  const r = await replay({ id: d.id });
                  setMessage(
                    r.replayed ? `Delivery ${d.deliveryId} is being processed again.` : `Already ${r.status}.`,
                  );
                } catch {
                  setMessage("That delivery could not be replayed.");
                } finally {
                  setPending(null);
                }
              }}
            >
              {pending === d.id ? "Replaying…" : "Replay"}
            </button>
          </li>
        ))}
      </ul>
      {answer}
      {status === "CanLoadMore" && (
        <button type="button" className="button" onClick={() => loadMore(DEAD_PAGE)}>
          Show more
        </button>
      )}
    </>
  );
}

export function SyncHealth({ installationId }: { installationId: Id<"installations"> }) {
  const hour = useUtcHour();
  const now = useNow(30_000);
  const health = useQuery(api.dashboard.syncHealth.syncHealth, { installationId, hour });
  if (health === undefined) return <Skeleton lines={8} label="Loading sync health" />;
  if (health === null) return null;
  const failed = health.failedRepositories;
  return (
    <div className="sync-health">
      {health.operator ? (
        <>
          <div className="columns">
            <WindowFacts label="Last 24 hours" w={health.day} thresholds={health.thresholds} />
            <WindowFacts label="Last 7 days" w={health.week} thresholds={health.thresholds} />
          </div>
          <section className="panel" aria-labelledby="sync-jobs-heading">
            <h3 id="sync-jobs-heading">Recent syncs</h3>
            <RecentJobs health={health} now={now} />
          </section>
          <section className="panel" aria-labelledby="budget-heading">
            <h3 id="budget-heading">GitHub budget</h3>
            <Budgets health={health} now={now} />
            <HourlyChart health={health} />
          </section>
          <section className="panel" aria-labelledby="watchlist-share-heading">
            <h3 id="watchlist-share-heading">Watchlist</h3>
            <WatchlistShare share={health.watchlist} />
          </section>
          {health.people && (
            <section className="panel" aria-labelledby="people-heading">
              <h3 id="people-heading">Members and teams</h3>
              <People people={health.people} now={now} />
            </section>
          )}
        </>
      ) : (
        <p className="muted">
          The installation-wide figures (sync jobs, GitHub's budget, webhook traffic) are shown to the account's owners
          and the person who installed the App; below are the repositories you can read.
        </p>
      )}
      <section className="panel" aria-labelledby="dead-heading">
        <h3 id="dead-heading">Dead-lettered webhook deliveries</h3>
        <DeadDeliveries installationId={installationId} now={now} />
      </section>
      <section className="panel" aria-labelledby="repo-failures-heading">
        <h3 id="repo-failures-heading">Repositories that failed to sync</h3>
        {failed.repositories.length === 0 ? (
          <Empty>Every repository synced.</Empty>
        ) : (
          <ul className="failed-list">
            {failed.repositories.map((r) => (
              <li key={r.id}>
                <strong>{r.fullName}</strong> <span className="muted">— {r.reason}</span>
              </li>
            ))}
            {failed.more && <li className="muted">and more</li>}
          </ul>
        )}
      </section>
      <p className="muted">
        Dashboard response times are measured by Convex itself: see the deployment's function metrics and log streams
        (README, “Sync health”).
      </p>
    </div>
  );
}
