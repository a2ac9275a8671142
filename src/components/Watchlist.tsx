/**
 * The watchlist (seed 001): public repositories outside the installation that its members follow —
 * each entry's status (live while a job works on it), OpenSSF's score with its trend, the last commit and
 * release — and the form that adds one. An entry's detail (`?entry=<id>`) is WatchlistEntry.tsx. Nothing
 * here is in the organisation's figures, and nothing of the organisation is here.
 */
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { useUrlState } from "../lib/urlState";
import { errorText } from "./errorText";
import { Empty, Skeleton } from "./Skeleton";
import { EntryDetail } from "./WatchlistEntry";
import { scoreText, StatusCell } from "./WatchlistStatus";
import { timeAgo, useNow } from "./time";

type Entry = FunctionReturnType<typeof api.dashboard.watchlist.list>["entries"][number];
type Props = { installationId: Id<"installations"> };
export function Watchlist({ installationId }: Props) {
  const { values, set } = useUrlState({ entry: "" });
  if (values.entry) {
    return (
      <EntryDetail
        installationId={installationId}
        entryId={values.entry as Id<"watchEntries">}
        back={() => set({ entry: "" })}
      />
    );
  }
  return <WatchlistTable installationId={installationId} open={(entry) => set({ entry })} />;
}

function AddForm({ installationId }: Props) {
  const add = useMutation(api.watchlist.entries.add);
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="filters watch-add"
      aria-label="Follow a repository"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          const r = await add({ installationId, repository: value });
          setMessage({ error: false, text: r.created ? "Added: reading it now." : "Already on the watchlist." });
          setValue("");
        } catch (error) {
          setMessage({ error: true, text: errorText(error, "The repository could not be added.") });
        } finally {
          setBusy(false);
        }
      }}
    >
      <label>
        Repository{" "}
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="facebook/react or https://github.com/facebook/react"
          aria-describedby="watch-add-message"
          required
        />
      </label>
      <button type="submit" disabled={busy}>
        Follow
      </button>
      <span
        id="watch-add-message"
        role={message?.error ? "alert" : "status"}
        className={message?.error ? "error" : "muted"}
      >
        {message?.text}
      </span>
    </form>
  );
}

function WatchlistTable({ installationId, open }: Props & { open: (entry: string) => void }) {
  const answer = useQuery(api.dashboard.watchlist.list, { installationId });
  const now = useNow(30_000);
  return (
    <section className="panel" aria-label="Followed repositories">
      <p className="muted">
        Public repositories your team depends on, outside this account: their activity and security health. They never
        count in this account's figures.
      </p>
      <AddForm installationId={installationId} />
      {answer === undefined ? (
        <Skeleton lines={4} label="Loading the watchlist" />
      ) : answer.entries.length === 0 ? (
        <Empty>Nothing followed yet. Add a repository your code depends on, e.g. facebook/react.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="dense watch-table cards-when-narrow">
            <caption className="visually-hidden">Followed repositories</caption>
            <thead>
              <tr>
                <th scope="col">Repository</th>
                <th scope="col">Status</th>
                <th scope="col">OpenSSF score</th>
                <th scope="col">Last commit</th>
                <th scope="col">Latest release</th>
                <th scope="col">Open issues / PRs</th>
              </tr>
            </thead>
            <tbody>
              {answer.entries.map((e) => (
                <tr key={e.id}>
                  <th scope="row">
                    <button type="button" className="link" onClick={() => open(e.id)}>
                      {e.fullName}
                    </button>
                    {e.archived && <span className="badge warn">archived</span>}
                    {e.renamedFrom && <div className="muted">was {e.renamedFrom}</div>}
                  </th>
                  <td>
                    <StatusCell entry={e} now={now} />
                  </td>
                  <td data-label="OpenSSF score">
                    <ScoreCell entry={e} />
                  </td>
                  <td data-label="Last commit">
                    {e.lastCommitAt ? (
                      <time dateTime={new Date(e.lastCommitAt).toISOString()}>{timeAgo(e.lastCommitAt, now)}</time>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td data-label="Latest release">
                    {e.latestRelease ? (
                      <>
                        <a href={e.latestRelease.url}>{e.latestRelease.tag}</a>{" "}
                        <span className="muted">{timeAgo(e.latestRelease.publishedAt, now)}</span>
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td data-label="Open issues / PRs">
                    {e.openIssues === null ? "—" : `${e.openIssues} / ${e.openPulls}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ScoreCell({ entry: e }: { entry: Entry }) {
  if (e.scorecard === null) return <span className="muted">—</span>;
  if (e.scorecard === "not_scanned") return <span className="muted">not scanned by OpenSSF</span>;
  const { score, previous } = e.scorecard;
  const trend =
    previous === null || previous === score ? null : score > previous ? `up from ${previous}` : `down from ${previous}`;
  return (
    <span>
      <strong>{scoreText(score)}</strong>
      <span className="muted"> / 10</span>
      {trend && (
        <span className={score > (previous ?? 0) ? "trend up" : "trend down"}>
          {" "}
          <span aria-hidden="true">{score > (previous ?? 0) ? "▲" : "▼"}</span>
          <span className="visually-hidden">{trend}</span>
        </span>
      )}
    </span>
  );
}
