/**
 * The installation's settings. Every member sees them; the account's administrators (the account,
 * the installer, organisation owners) change them. The last change says who made it and when.
 */
import { useMutation, useQuery } from "convex/react";
import { errorText } from "./errorText";
import { useEffect, useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { AgreementsForm } from "./Agreements";
import { RepositoryDeploymentSettings } from "./RepositoryDeploymentSettings";
import { Skeleton } from "./Skeleton";
import { SlackNotifications } from "./SlackNotifications";

export function Settings({ installationId }: { installationId: Id<"installations"> }) {
  const settings = useQuery(api.settings.get, { installationId });
  const update = useMutation(api.settings.update);
  const [days, setDays] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const saved = settings?.staleAfterDays;
  useEffect(() => {
    if (saved !== undefined) setDays(String(saved));
  }, [saved]);
  if (settings === undefined) return <Skeleton lines={3} label="Loading settings" />;
  if (settings === null) return <p className="empty">The settings of this account are not available to you.</p>;
  return (
    <section className="panel settings" aria-labelledby="agreements-heading">
      <h3 id="agreements-heading">Working agreements</h3>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setSaving(true);
          setMessage(null);
          try {
            await update({ installationId, staleAfterDays: Number(days) });
            setMessage("Saved.");
          } catch (error) {
            setMessage(errorText(error, "The settings could not be saved."));
          } finally {
            setSaving(false);
          }
        }}
      >
        <label>
          A pull request is stale after waiting{" "}
          <input
            type="number"
            min={1}
            max={365}
            step={1}
            value={days}
            disabled={!settings.canEdit || saving}
            onChange={(e) => setDays(e.target.value)}
            aria-describedby="stale-help"
          />{" "}
          days
        </label>
        <p id="stale-help" className="muted">
          Stale pull requests are flagged in the inbox and the pull request list.
        </p>
        {settings.canEdit ? (
          <button type="submit" className="primary" disabled={saving || days === String(saved)}>
            {saving ? "Saving…" : "Save"}
          </button>
        ) : (
          <p className="muted">Only the account's owners and the person who installed the App can change this.</p>
        )}
        {message && <p role="status">{message}</p>}
      </form>
      <AgreementsForm
        installationId={installationId}
        saved={settings.agreements}
        staleAfterDays={settings.staleAfterDays}
        canEdit={settings.canEdit}
      />
      <p className="muted">
        {settings.updatedAt !== null
          ? `Last changed by ${settings.updatedByLogin} on ${new Date(settings.updatedAt).toLocaleString()}.`
          : "The defaults apply; nobody has changed them yet."}
      </p>
      <SlackNotifications installationId={installationId} />
      <RepositoryDeploymentSettings installationId={installationId} canEdit={settings.canEdit} />
    </section>
  );
}
