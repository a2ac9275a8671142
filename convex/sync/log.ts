/** Structured log events (one JSON line each), meant to be filtered by `event` in Convex's logs. */
export type SyncEvent =
  | "sync.request"
  | "sync.job.started"
  | "sync.job.progress"
  | "sync.job.blocked"
  | "sync.job.retrying"
  | "sync.job.completed"
  | "sync.job.failed"
  | "sync.job.cancelled"
  | "sync.job.recovered";

export function logEvent(event: SyncEvent, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, ...fields }));
}
