import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { localTime, useNow } from "./time";

/**
 * Calls syncNow; disabled with a live countdown during the cooldown; shows the policy's message
 * when the answer is skip or block. While a call is in flight it is disabled, so a double click
 * starts one sync (and the server's policy would refuse a second anyway).
 */
export function SyncNowButton({ installationId }: { installationId: Id<"installations"> }) {
  const status = useQuery(api.sync.status.getStatus, { installationId });
  const syncNow = useMutation(api.sync.status.syncNow);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const now = useNow(1_000);
  // The countdown runs locally to the instant the server says the cooldown ends.
  const cooldownEndsAt = status?.cooldownEndsAt;
  const seconds = cooldownEndsAt ? Math.max(0, Math.ceil((cooldownEndsAt - now) / 1000)) : 0;

  const syncing = status?.state === "syncing";
  const label = pending
    ? "Starting…"
    : syncing
      ? "Syncing…"
      : seconds > 0
        ? `Sync again in ${formatSeconds(seconds)}`
        : "Sync now";
  return (
    <div className="sync-now">
      <button
        type="button"
        className="primary"
        disabled={pending || !status || syncing || seconds > 0}
        onClick={async () => {
          setPending(true);
          setMessage(null);
          try {
            const result = await syncNow({ installationId });
            const resumesAt = result.metadata?.blockedUntil;
            if (result.action !== "start")
              setMessage(resumesAt ? `${result.message} (${localTime(resumesAt)})` : result.message);
          } catch {
            setMessage("Could not start a sync. Try again in a moment.");
          } finally {
            setPending(false);
          }
        }}
      >
        {label}
      </button>
      {message && (
        <p className="muted" role="status">
          {message}
        </p>
      )}
    </div>
  );
}

const formatSeconds = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` : `${s}s`);
