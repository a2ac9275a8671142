/**
 * A watchlist entry's detail (`?entry=<id>` on the Watchlist page): its facts, OpenSSF Scorecard's checks
 * with their attribution, our own checks labelled as ours, which news raise alerts, the notes, and a
 * year of commit activity.
 */
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { plural } from "../lib/plural";
import { errorText } from "./errorText";
import { Empty, Skeleton } from "./Skeleton";
import { timeAgo, useNow } from "./time";
import { scoreText, StatusCell } from "./WatchlistStatus";

type Detail = NonNullable<FunctionReturnType<typeof api.dashboard.watchlist.detail>>;

const ALERT_LABEL: Record<keyof Detail["alertOn"], string> = {
  scoreDrop: "OpenSSF score dropped",
  checkFell: "A check fell",
  archived: "Archived",
  securityPolicyRemoved: "Security policy removed",
  newRelease: "New release",
};

export function EntryDetail({
  installationId,
  entryId,
  back,
}: {
  installationId: Id<"installations">;
  entryId: Id<"watchEntries">;
  back: () => void;
}) {
  const detail = useQuery(api.dashboard.watchlist.detail, { installationId, entryId });
  const now = useNow(30_000);
  const refresh = useMutation(api.watchlist.entries.refresh);
  const remove = useMutation(api.watchlist.entries.remove);
  if (detail === undefined) return <Skeleton lines={8} label="Loading the repository" />;
  if (detail === null)
    return (
      <Empty>
        This watchlist entry does not exist.{" "}
        <button type="button" className="link" onClick={back}>
          Back to the watchlist
        </button>
      </Empty>
    );
  return (
    <section className="panel watch-detail" aria-labelledby="watch-detail-heading">
      <p>
        <button type="button" className="link" onClick={back}>
          ← Watchlist
        </button>
      </p>
      <h3 id="watch-detail-heading">
        <a href={detail.url}>{detail.fullName}</a>
        {detail.archived && <span className="badge warn">archived</span>}
      </h3>
      {detail.description && <p>{detail.description}</p>}
      <p className="muted">
        <StatusCell entry={detail} now={now} /> · added by {detail.addedBy} {timeAgo(detail.addedAt, now)}
        {detail.license && ` · licence ${detail.license}`}
        {detail.stars !== null && ` · ${plural(detail.stars, "star")}`}
        {detail.forks !== null && ` · ${plural(detail.forks, "fork")}`}
      </p>
      <p>
        {detail.openIssues !== null &&
          `${plural(detail.openIssues, "open issue")}, ${plural(detail.openPulls ?? 0, "open pull request")}`}
        {detail.latestRelease && (
          <>
            {" · latest release "}
            <a href={detail.latestRelease.url}>{detail.latestRelease.tag}</a>{" "}
            {timeAgo(detail.latestRelease.publishedAt, now)}
          </>
        )}
        {detail.renamedFrom && ` · renamed from ${detail.renamedFrom}`}
      </p>
      <div className="filters">
        <button type="button" onClick={() => void refresh({ entryId })}>
          Refresh now
        </button>
        {detail.canRemove && (
          <button
            type="button"
            onClick={async () => {
              if (!window.confirm(`Stop following ${detail.fullName}?`)) return;
              await remove({ entryId });
              back();
            }}
          >
            Stop following
          </button>
        )}
      </div>
      <div className="columns">
        <div>
          <OpenSsf detail={detail} />
          <OurChecks detail={detail} />
        </div>
        <div className="side">
          <AlertChoices detail={detail} />
          <Notes detail={detail} now={now} />
        </div>
      </div>
      <CommitActivity detail={detail} now={now} />
    </section>
  );
}

function ChecksTable({
  caption,
  checks,
}: {
  caption: string;
  checks: Array<{ name: string; score: number; reason: string; url?: string }>;
}) {
  return (
    <div className="table-scroll">
      <table className="dense cards-when-narrow">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Score</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.url ? <a href={c.url}>{c.name}</a> : c.name}</th>
              <td data-label="Score" title={c.score < 0 ? "inconclusive" : undefined}>
                {scoreText(c.score)}
              </td>
              <td>{c.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OpenSsf({ detail }: { detail: Detail }) {
  const o = detail.openssf;
  return (
    <section aria-labelledby="openssf-heading">
      <h4 id="openssf-heading">OpenSSF Scorecard</h4>
      {o === null ? (
        <p className="muted">Not asked yet.</p>
      ) : o === "not_scanned" ? (
        <p>
          Not scanned by OpenSSF: it scans about a million widely used repositories, and those that publish through the
          Scorecard GitHub Action.
        </p>
      ) : (
        <>
          <p>
            <strong>{scoreText(o.score)}</strong> / 10 · scanned {o.date} at commit <code>{o.commit.slice(0, 7)}</code>
            {detail.scoreHistory.length > 1 &&
              ` · before: ${detail.scoreHistory
                .slice(-5, -1)
                .map((h) => h.score)
                .join(", ")}`}
          </p>
          <ChecksTable caption="OpenSSF Scorecard checks" checks={o.checks} />
        </>
      )}
      <p className="muted small">
        Data: <a href="https://securityscorecards.dev">OpenSSF Scorecard</a> (CDLA-Permissive-2.0) ·{" "}
        <a href={detail.viewerUrl}>open in the Scorecard viewer</a>. "?" is an inconclusive check.
      </p>
    </section>
  );
}

function OurChecks({ detail }: { detail: Detail }) {
  return (
    <section aria-labelledby="ours-heading">
      <h4 id="ours-heading">Our checks</h4>
      <p className="muted small">{detail.oursLabel}</p>
      {detail.ours ? (
        <ChecksTable caption="Syncboard's own checks" checks={detail.ours} />
      ) : (
        <p className="muted">Not computed yet.</p>
      )}
    </section>
  );
}

function AlertChoices({ detail }: { detail: Detail }) {
  const setAlerts = useMutation(api.watchlist.entries.setAlerts);
  return (
    <fieldset className="watch-alerts">
      <legend>Alert on</legend>
      {(Object.keys(ALERT_LABEL) as Array<keyof Detail["alertOn"]>).map((key) => (
        <label key={key}>
          <input
            type="checkbox"
            checked={detail.alertOn[key]}
            onChange={(e) =>
              void setAlerts({ entryId: detail.id, alertOn: { ...detail.alertOn, [key]: e.target.checked } })
            }
          />{" "}
          {ALERT_LABEL[key]}
        </label>
      ))}
    </fieldset>
  );
}

function Notes({ detail, now }: { detail: Detail; now: number }) {
  const addNote = useMutation(api.watchlist.entries.addNote);
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <section aria-labelledby="notes-heading">
      <h4 id="notes-heading">Notes</h4>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await addNote({ entryId: detail.id, body });
            setBody("");
            setError(null);
          } catch (err) {
            setError(errorText(err, "The note could not be saved."));
          }
        }}
      >
        <label htmlFor="note-body">Add a note</label>
        <textarea id="note-body" value={body} onChange={(e) => setBody(e.target.value)} rows={3} maxLength={2000} />
        <button type="submit">Save note</button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      {detail.noteList.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ul className="notes">
          {detail.noteList.map((n) => (
            <li key={n.id}>
              <p>{n.body}</p>
              <p className="muted small">
                {n.author}, <time dateTime={new Date(n.at).toISOString()}>{timeAgo(n.at, now)}</time>
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CommitActivity({ detail, now }: { detail: Detail; now: number }) {
  const rows = detail.weeks.map((w) => ({
    label: new Date(w.weekStart).toISOString().slice(5, 10),
    commits: w.commits,
  }));
  const total = detail.weeks.reduce((n, w) => n + w.commits, 0);
  return (
    <section aria-labelledby="activity-heading">
      <h4 id="activity-heading">Commit activity, 52 weeks</h4>
      <p className="muted">
        {plural(total, "commit")} on the default branch in the year (the newest 1,000 are kept)
        {detail.lastCommitAt && `; the last ${timeAgo(detail.lastCommitAt, now)}`}.
      </p>
      <div
        style={{ width: "100%", height: 200 }}
        role="img"
        aria-label={`Commits per week over the year: ${total} in all; the figures are in the table below.`}
      >
        <ResponsiveContainer>
          <BarChart data={rows} margin={{ top: 8, right: 4, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" minTickGap={24} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={36} />
            <Tooltip />
            <Bar dataKey="commits" name="Commits" fill="var(--accent, #0969da)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Commits per week</summary>
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Commits per week">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">Week of</th>
                <th scope="col">Commits</th>
              </tr>
            </thead>
            <tbody>
              {detail.weeks.map((w) => (
                <tr key={w.weekStart}>
                  <td>{new Date(w.weekStart).toISOString().slice(0, 10)}</td>
                  <td>{w.commits}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      {detail.recentCommits.length > 0 && (
        <>
          <h5>Latest commits</h5>
          <ul className="compact">
            {detail.recentCommits.map((c) => (
              <li key={c.sha}>
                <a href={`${detail.url}/commit/${c.sha}`}>
                  <code>{c.sha.slice(0, 7)}</code>
                </a>{" "}
                {c.title}{" "}
                <span className="muted">
                  {c.author ? `by ${c.author}, ` : ""}
                  {timeAgo(c.at, now)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
