/**
 * The vocabulary of a sync job, in one place: its states (and which are active), the kinds of error
 * it can end with, the lease, and what "stalled" means. The schema's validators are built from these
 * lists, so a state or error kind cannot exist in one place and not the other.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { GitHubErrorKind } from "../github/errors";

export const ACTIVE_JOB_STATES = ["queued", "running", "retrying", "blocked"] as const;
const FINAL_JOB_STATES = ["completed", "failed", "cancelled"] as const;

const literals = <T extends string>(values: readonly T[]) => values.map((s) => v.literal(s));
export const activeJobState = v.union(...literals(ACTIVE_JOB_STATES));
export const jobState = v.union(...literals([...ACTIVE_JOB_STATES, ...FINAL_JOB_STATES]));

/** Why a job failed: a GitHub error kind, or our own. */
const JOB_ERROR_KINDS = [
  "rate_limited",
  "transient",
  "not_found",
  "forbidden",
  "unauthorized",
  "bad_request",
  "invalid_response",
  "internal",
] as const satisfies ReadonlyArray<GitHubErrorKind | "internal">;
export type JobErrorKind = (typeof JOB_ERROR_KINDS)[number];
// Every GitHub error kind has a place here (the reverse of the `satisfies` above).
const _everyGitHubKind: ReadonlyArray<JobErrorKind> = [] as GitHubErrorKind[];
void _everyGitHubKind;
export const jobErrorKind = v.union(...literals(JOB_ERROR_KINDS));
export const jobError = v.object({ kind: jobErrorKind, message: v.string(), detail: v.string() });
export type JobError = Infer<typeof jobError>;

/** How long a claimed slice owns its job without a heartbeat. Renewed on every page. */
export const LEASE_MS = 3 * 60_000;
/** A continuation this late past its due time is considered lost (the scheduler never ran it). */
const LOST_CONTINUATION_GRACE_MS = 5 * 60_000;

export const isActive = (job: Pick<Doc<"syncJobs">, "state">) =>
  (ACTIVE_JOB_STATES as readonly string[]).includes(job.state);

/** Nobody is running it and nothing will: the slice died, or its scheduled continuation was lost. */
export function isStalled(job: Doc<"syncJobs">, now: number): boolean {
  if (!isActive(job)) return false;
  if (job.lease.claimed) return job.lease.expiresAt < now;
  const due = job.nextRunAt ?? job.createdAt;
  return due + LOST_CONTINUATION_GRACE_MS < now;
}
