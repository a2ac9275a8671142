/**
 * Facts about a job derived from its row, shared by the service (policy input), the status query
 * and maintenance, so "stalled" means the same thing everywhere.
 */
import type { Doc } from "../_generated/dataModel";

export const ACTIVE_STATES: ReadonlyArray<Doc<"syncJobs">["state"]> = ["queued", "running", "retrying", "blocked"];

/** How long a claimed slice owns its job without a heartbeat. Renewed on every page. */
export const LEASE_MS = 3 * 60_000;
/** A continuation this late past its due time is considered lost (the scheduler never ran it). */
export const LOST_CONTINUATION_GRACE_MS = 5 * 60_000;

export const isActive = (job: Pick<Doc<"syncJobs">, "state">) => ACTIVE_STATES.includes(job.state);

/** Nobody is running it and nothing will: the slice died, or its scheduled continuation was lost. */
export function isStalled(job: Doc<"syncJobs">, now: number): boolean {
  if (!isActive(job)) return false;
  if (job.lease.claimed) return job.lease.expiresAt < now;
  const due = job.nextRunAt ?? job.createdAt;
  return due + LOST_CONTINUATION_GRACE_MS < now;
}
