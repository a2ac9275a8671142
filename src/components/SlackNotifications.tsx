/**
 * The settings' Slack destinations: every member sees them (name, team, a hint of the URL, whether
 * they are on and why not, who changed what and when); administrators add, replace, remove, re-enable
 * and test them, and read the delivery log. The URL is write-only: typed into a password field that
 * clears once saved, and never sent back by the server.
 */
import { usePaginatedQuery, useMutation, useQuery } from "convex/react";
import { errorText } from "./errorText";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Skeleton } from "./Skeleton";

const ACTION_WORDS = {
  added: "added",
  replaced: "replaced the URL of",
  removed: "removed",
  disabled: "disabled",
  enabled: "re-enabled",
} as const;

const when = (at: number) => new Date(at).toLocaleString();

export function SlackNotifications({ installationId }: { installationId: Id<"installations"> }) {
  const data = useQuery(api.notify.destinations.list, { installationId });
  const add = useMutation(api.notify.destinations.add);
  const replaceUrl = useMutation(api.notify.destinations.replaceUrl);
  const remove = useMutation(api.notify.destinations.remove);
  const enable = useMutation(api.notify.destinations.enable);
  const sendTest = useMutation(api.notify.destinations.sendTest);
  const setCadence = useMutation(api.notify.destinations.setCadence);
  const [url, setUrl] = useState("");
  const [label, setLabel] = useState("");
  const [teamSlug, setTeamSlug] = useState("");
  const [replacing, setReplacing] = useState<Id<"notificationDestinations"> | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (data === undefined) return <Skeleton lines={2} label="Loading Slack notifications" />;
  if (data === null) return null;

  const run = async (work: () => Promise<unknown>, done: string, fallback: string) => {
    setBusy(true);
    setMessage(null);
    try {
      await work();
      setMessage(done);
      return true;
    } catch (error) {
      setMessage(errorText(error, fallback));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const saved = await run(
      () =>
        replacing
          ? replaceUrl({ destinationId: replacing, url })
          : add({ installationId, url, label, ...(teamSlug.trim() && { teamSlug: teamSlug.trim() }) }),
      replacing ? "URL replaced." : "Destination added.",
      "The destination could not be saved.",
    );
    // The URL leaves the page once saved (the server never sends it back).
    setUrl("");
    if (saved) {
      setLabel("");
      setTeamSlug("");
      setReplacing(null);
    }
  };

  return (
    <section className="slack-notifications" aria-labelledby="slack-heading">
      <h3 id="slack-heading">Slack notifications</h3>
      <p className="muted">
        Alerts are also posted to these Slack incoming webhooks: each one gets every alert as it happens, or one daily
        digest (what broke, what waits longest, what was fixed; nothing on a quiet day). Messages name repositories and
        pull requests, private ones included, so every change here is recorded below.
      </p>
      {data.destinations.length === 0 ? (
        <p className="empty">No Slack destination yet.</p>
      ) : (
        <ul className="destinations">
          {data.destinations.map((d) => (
            <li key={d.id}>
              <strong>{d.label}</strong> {d.teamSlug && <span className="muted">(team {d.teamSlug})</span>}{" "}
              <code>{d.hint}</code>{" "}
              {d.enabled ? (
                <span className="badge">on</span>
              ) : (
                <span className="badge warn" role="note">
                  disabled: {d.disabledReason ?? "turned off"}
                </span>
              )}
              {data.canEdit ? (
                <label className="cadence">
                  {" "}
                  <span className="visually-hidden">How {d.label} hears of alerts</span>
                  <select
                    value={d.cadence}
                    disabled={busy}
                    onChange={(e) =>
                      run(
                        () =>
                          setCadence({
                            destinationId: d.id,
                            cadence: e.target.value === "daily" ? "daily" : "realtime",
                          }),
                        e.target.value === "daily" ? `${d.label} gets a daily digest.` : `${d.label} gets every alert.`,
                        "The choice could not be saved.",
                      )
                    }
                  >
                    <option value="realtime">every alert, as it happens</option>
                    <option value="daily">a daily digest (08:00 UTC)</option>
                  </select>
                </label>
              ) : (
                <span className="muted"> · {d.cadence === "daily" ? "daily digest" : "every alert"}</span>
              )}
              {data.canEdit && (
                <span className="actions">
                  {" "}
                  <button
                    type="button"
                    disabled={busy || !d.enabled}
                    onClick={() =>
                      run(
                        () => sendTest({ destinationId: d.id }),
                        "Test message queued; its outcome shows in the delivery log.",
                        "The test message could not be queued.",
                      )
                    }
                  >
                    Send test message
                  </button>{" "}
                  {!d.enabled && (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() =>
                        run(() => enable({ destinationId: d.id }), "Re-enabled.", "It could not be re-enabled.")
                      }
                    >
                      Re-enable
                    </button>
                  )}{" "}
                  <button type="button" disabled={busy} onClick={() => setReplacing(d.id)}>
                    Replace URL
                  </button>{" "}
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      run(() => remove({ destinationId: d.id }), "Removed.", "The destination could not be removed.")
                    }
                  >
                    Remove
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {data.canEdit ? (
        <form onSubmit={onSubmit} aria-label={replacing ? "Replace the webhook URL" : "Add a Slack destination"}>
          {replacing ? (
            <p>
              New URL for <strong>{data.destinations.find((d) => d.id === replacing)?.label}</strong>{" "}
              <button type="button" onClick={() => setReplacing(null)}>
                Cancel
              </button>
            </p>
          ) : (
            <>
              <label>
                Name <input value={label} placeholder="#eng-alerts" onChange={(e) => setLabel(e.target.value)} />
              </label>{" "}
              <label>
                Team (optional){" "}
                <input value={teamSlug} placeholder="team slug" onChange={(e) => setTeamSlug(e.target.value)} />
              </label>{" "}
            </>
          )}
          <label>
            Webhook URL{" "}
            <input
              type="password"
              autoComplete="off"
              value={url}
              placeholder="https://hooks.slack.com/services/…"
              onChange={(e) => setUrl(e.target.value)}
            />
          </label>{" "}
          <button
            type="submit"
            className="primary"
            disabled={busy || url.trim() === "" || (!replacing && !label.trim())}
          >
            {replacing ? "Replace URL" : "Add"}
          </button>
        </form>
      ) : (
        <p className="muted">Only the account's owners and the person who installed the App can change these.</p>
      )}
      {message && <p role="status">{message}</p>}
      {data.changes.length > 0 && (
        <>
          <h4>Changes</h4>
          <ul className="muted destination-changes">
            {data.changes.map((c) => (
              <li key={c.id}>
                {when(c.at)}: {c.by} {ACTION_WORDS[c.action]} {c.label} ({c.hint}){c.reason && ` — ${c.reason}`}
              </li>
            ))}
          </ul>
        </>
      )}
      {data.canEdit && <DeliveryLog installationId={installationId} />}
    </section>
  );
}

function DeliveryLog({ installationId }: { installationId: Id<"installations"> }) {
  const { results, status, loadMore } = usePaginatedQuery(
    api.notify.destinations.deliveries,
    { installationId },
    { initialNumItems: 10 },
  );
  if (results.length === 0) return null;
  return (
    <>
      <h4>Delivery log</h4>
      <table className="deliveries">
        <thead>
          <tr>
            <th>When</th>
            <th>To</th>
            <th>Message</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {results.map((d) => (
            <tr key={d.id}>
              <td>{when(d.createdAt)}</td>
              <td>{d.destinationLabel}</td>
              <td>{d.text}</td>
              <td>
                {d.status}
                {d.attempts > 1 && ` after ${d.attempts} attempts`}
                {d.status === "retrying" && d.nextAttemptAt !== null && `, next at ${when(d.nextAttemptAt)}`}
                {d.lastError && d.status !== "sent" && ` (${d.lastError})`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {status === "CanLoadMore" && (
        <button type="button" onClick={() => loadMore(20)}>
          Show more
        </button>
      )}
    </>
  );
}
