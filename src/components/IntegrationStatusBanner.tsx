import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { localTime } from "./time";
import { plural } from "../lib/plural";

/** Syncing (with progress), blocked (until when, and why), error (with retry); hidden when healthy. */
export function IntegrationStatusBanner({ installationId }: { installationId: Id<"installations"> }) {
  const status = useQuery(api.sync.status.getStatus, { installationId });
  const syncNow = useMutation(api.sync.status.syncNow);
  const [retrying, setRetrying] = useState(false);
  if (!status || status.state === "idle") return null;

  if (status.state === "syncing") {
    // The counts cover every repository of the installation: only its operators get them.
    const progress = status.activeJobProgress;
    return (
      <div className="banner syncing" role="status" aria-live="polite">
        <span aria-hidden="true">⟳</span>
        <span>
          {status.phase === "people"
            ? "Listing the organisation's members and teams"
            : `Syncing${status.currentRepository ? ` ${status.currentRepository}` : ""}`}
          {progress &&
            status.phase !== "people" &&
            ` — ${progress.current} of ${plural(progress.total, "repository", "repositories")}`}
        </span>
        {progress ? (
          <progress max={Math.max(progress.total, 1)} value={progress.current} aria-label="Sync progress" />
        ) : (
          <progress aria-label="Sync progress" />
        )}
      </div>
    );
  }
  if (status.state === "blocked") {
    return (
      <div className="banner blocked" role="status" aria-live="polite">
        <span aria-hidden="true">‖</span>
        <span>
          Syncing paused{status.blockedUntil ? ` until ${localTime(status.blockedUntil)}` : ""}. {status.message}
        </span>
      </div>
    );
  }
  return (
    <div className="banner error" role="alert">
      <span aria-hidden="true">⚠</span>
      <span>Last sync failed: {status.lastSyncError ?? "unknown error"}</span>
      <button
        type="button"
        disabled={retrying || !status.canSyncNow}
        onClick={async () => {
          setRetrying(true);
          try {
            await syncNow({ installationId });
          } finally {
            setRetrying(false);
          }
        }}
      >
        Retry
      </button>
    </div>
  );
}
