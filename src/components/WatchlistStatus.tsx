/**
 * A watchlist entry's status, as the list and the detail show it: the step a job is at while it reads
 * the repository (live), "Retrying" with the reason between attempts, "Failed" with a Retry, or "Ready".
 */
import { useMutation } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import { plural } from "../lib/plural";
import { timeAgo } from "./time";

type Entry = FunctionReturnType<typeof api.dashboard.watchlist.list>["entries"][number];

const STEP_LABEL: Record<string, string> = {
  repository: "reading the repository",
  commits: "reading a year of commits",
  releases: "reading releases",
  pulls: "counting open pull requests",
  files: "looking for policy files",
  rules: "reading branch rules",
  scorecard: "asking OpenSSF Scorecard",
};

/** A check's or a result's score: -1 is inconclusive, shown "?" (never 0). */
export const scoreText = (score: number) => (score < 0 ? "?" : String(score));

export function StatusCell({ entry: e, now }: { entry: Entry; now: number }) {
  const retry = useMutation(api.watchlist.entries.retry);
  if (e.progress) {
    return (
      <span role="status" className="watch-status processing">
        {e.status === "ready" ? "Refreshing" : "Processing"}: {STEP_LABEL[e.progress.step]} ({e.progress.index} of{" "}
        {e.progress.of}
        {e.progress.step === "commits" && e.progress.commitsRead > 0 && `, ${plural(e.progress.commitsRead, "commit")}`}
        )
      </span>
    );
  }
  if (e.status === "failed") {
    return (
      <span className="watch-status failed">
        <span className="badge bad">Failed</span> {e.error}{" "}
        <button type="button" onClick={() => void retry({ entryId: e.id })}>
          Retry
        </button>
      </span>
    );
  }
  if (e.status === "processing") {
    return (
      <span role="status" className="watch-status processing">
        {e.attempts > 0 ? `Retrying (attempt ${e.attempts + 1} of 3): ${e.error ?? ""}` : "Waiting to be read"}
      </span>
    );
  }
  return (
    <span className="watch-status">
      <span className="badge good">Ready</span>{" "}
      {e.processedAt && <span className="muted">read {timeAgo(e.processedAt, now)}</span>}
    </span>
  );
}
