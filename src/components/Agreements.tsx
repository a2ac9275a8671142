/**
 * The working agreements (Settings): each shows, as it is edited and before it is saved, how often it
 * would have been broken over the last 90 days (`settings:preview`, from the buckets). Administrators
 * edit them; other members read them. A breach raises an alert (the bell).
 */
import { useMutation, useQuery } from "convex/react";
import { errorText } from "./errorText";
import { useEffect, useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";

type Agreements = { pickupHours: number; openDays: number; maxChangedLines: number; maxOpenRequests: number };
/** The form's fields: the stale threshold, then the agreements (saved together, with one Save). */
type Fields = Agreements & { staleAfterDays: number };
const FIELDS: Array<{ key: keyof Fields; before: string; after: string; help?: string }> = [
  {
    key: "staleAfterDays",
    before: "A pull request is stale after waiting",
    after: "days",
    help: "flagged in the inbox and the pull request list",
  },
  { key: "pickupHours", before: "A reviewer answers a review request within", after: "hours" },
  { key: "openDays", before: "A pull request is open under", after: "days" },
  { key: "maxChangedLines", before: "A pull request changes under", after: "lines" },
  { key: "maxOpenRequests", before: "A person has under", after: "open review requests" },
];

const range = (r: { atLeast: number; atMost: number }) =>
  r.atLeast === r.atMost ? `${r.atLeast}` : `${r.atLeast}–${r.atMost}`;

export function AgreementsForm({
  installationId,
  saved,
  staleAfterDays,
  canEdit,
}: {
  installationId: Id<"installations">;
  saved: Agreements;
  staleAfterDays: number;
  canEdit: boolean;
}) {
  const update = useMutation(api.settings.update);
  const stored: Fields = { ...saved, staleAfterDays };
  const [draft, setDraft] = useState<Record<keyof Fields, string>>(() => asText(stored));
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const savedKey = JSON.stringify(stored);
  // Re-seeded when the saved values change (by value, not identity).
  useEffect(() => setDraft(asText(stored)), [savedKey]);
  const parsed = Object.fromEntries(FIELDS.map((f) => [f.key, Number(draft[f.key])])) as Fields;
  const valid = FIELDS.every((f) => Number.isInteger(parsed[f.key]) && parsed[f.key] >= 1);
  const { staleAfterDays: stale, ...agreements } = parsed;
  const today = Math.floor(Date.now() / 86_400_000);
  const preview = useQuery(api.settings.preview, canEdit && valid ? { installationId, agreements, today } : "skip");
  const changed = FIELDS.some((f) => parsed[f.key] !== stored[f.key]);
  const broken: Record<keyof Fields, string | null> = {
    staleAfterDays: null,
    pickupHours: preview ? `${range(preview.pickup)} of ${preview.pickup.samples} pickups` : null,
    openDays: preview ? `${range(preview.openTooLong)} of ${preview.openTooLong.samples} merged PRs` : null,
    maxChangedLines: preview ? `${preview.size.breaches} of ${preview.size.samples} PRs opened` : null,
    maxOpenRequests: preview ? `${preview.openRequests.breaches} person-days` : null,
  };
  return (
    <form
      className="agreements"
      aria-label="Working agreements"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaving(true);
        setMessage(null);
        try {
          await update({ installationId, staleAfterDays: stale, agreements });
          setMessage("Saved.");
        } catch (error) {
          setMessage(errorText(error, "The agreements could not be saved."));
        } finally {
          setSaving(false);
        }
      }}
    >
      {FIELDS.map((f) => (
        <div key={f.key} className="agreement">
          <label>
            {f.before}{" "}
            <input
              type="number"
              min={1}
              step={1}
              value={draft[f.key]}
              disabled={!canEdit || saving}
              onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
            />{" "}
            {f.after}
          </label>
          {f.help && <span className="muted"> · {f.help}</span>}
          {broken[f.key] && (
            <span className="muted" data-testid={`broken-${f.key}`}>
              {" "}
              · broken {broken[f.key]} in the last 90 days
            </span>
          )}
        </div>
      ))}
      {canEdit && (
        <button type="submit" className="primary" disabled={saving || !valid || !changed}>
          {saving ? "Saving…" : "Save agreements"}
        </button>
      )}
      {message && <p role="status">{message}</p>}
    </form>
  );
}

function asText(a: Fields): Record<keyof Fields, string> {
  return {
    staleAfterDays: String(a.staleAfterDays),
    pickupHours: String(a.pickupHours),
    openDays: String(a.openDays),
    maxChangedLines: String(a.maxChangedLines),
    maxOpenRequests: String(a.maxOpenRequests),
  };
}
