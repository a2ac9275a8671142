/**
 * The one structured logger of the backend: every event is one JSON line `{ level, event, ...fields }`,
 * meant to be filtered by `event` in Convex's logs and log streams. Event names are a closed union,
 * so a new event is declared here before it is logged.
 *
 * Usage: `log.info("sync.job.started", { jobId })`, `log.warn("webhook.dead_letter", { deliveryId, reason })`.
 */
type LogEvent =
  | "sync.request"
  | "sync.job.started"
  | "sync.job.progress"
  | "sync.job.blocked"
  | "sync.job.retrying"
  | "sync.job.completed"
  | "sync.job.failed"
  | "sync.job.cancelled"
  | "sync.job.recovered"
  | "sync.people.listed"
  | "watchlist.scorecard_unreadable"
  | "notify.push_expired"
  | "sync.people.refused"
  | "sync.migration.dropDeprecated"
  | "model.migration.changedLines"
  | "webhook.invalid"
  | "webhook.dead_letter"
  | "webhook.recovery"
  | "model.installation.purged"
  | "notify.queue_failed"
  | "notify.destination_disabled"
  | "notify.delivery_failed";

type LogLevel = "debug" | "info" | "warn" | "error";

function write(level: LogLevel, event: LogEvent, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  debug: (event: LogEvent, fields: Record<string, unknown> = {}) => write("debug", event, fields),
  info: (event: LogEvent, fields: Record<string, unknown> = {}) => write("info", event, fields),
  warn: (event: LogEvent, fields: Record<string, unknown> = {}) => write("warn", event, fields),
  error: (event: LogEvent, fields: Record<string, unknown> = {}) => write("error", event, fields),
};
