import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Every active installation, through syncService.request("cron"), fanned out 25 per transaction.
crons.interval("periodic sync", { minutes: 30 }, internal.sync.maintenance.syncAllInstallations, {});
// Jobs whose slice died or whose continuation was lost, through request("maintenance").
crons.interval("recover stalled sync jobs", { minutes: 5 }, internal.sync.maintenance.recoverStalledJobs, {});
// Keep the last 100 completed / 50 failed jobs per installation.
crons.daily("prune sync jobs", { hourUTC: 3, minuteUTC: 17 }, internal.sync.maintenance.pruneJobs, {});
// Organisations' members, owners, teams and collaborators listed again where due (hourly), as SyncService jobs.
crons.interval("list organisation people", { minutes: 15 }, internal.sync.maintenance.listPeople, {});

// Watchlist entries due for their daily refresh (conditional requests; Scorecard weekly), as SyncService jobs.
crons.interval("refresh watchlists", { minutes: 30 }, internal.sync.maintenance.refreshWatchlists, {});

// Webhook deliveries whose scheduled processing was lost (retried, then dead-lettered).
crons.interval("sweep stuck webhook deliveries", { minutes: 5 }, internal.webhooks.deliveries.sweepStuck, {});
// Applied and ignored deliveries older than a week, with their bodies.
crons.daily(
  "prune webhook deliveries",
  { hourUTC: 3, minuteUTC: 37 },
  internal.webhooks.deliveries.pruneDeliveries,
  {},
);
// Deliveries GitHub failed to deliver: ask for a redelivery once each.
crons.interval(
  "recover missed webhook deliveries",
  { minutes: 15 },
  internal.webhooks.recovery.recoverMissedDeliveries,
  {},
);
// Slack notification attempts whose scheduled action was lost (rescheduled; retries are in notify/slack.ts).
crons.interval("sweep lost Slack deliveries", { minutes: 10 }, internal.notify.slack.sweepLost, {});
// Destinations on the daily cadence: one digest each (what broke, what waits longest, what was fixed).
crons.daily("send daily digests", { hourUTC: 8, minuteUTC: 0 }, internal.notify.digest.sendDigests, {});
// Saved reports with a weekly destination: one summary per report per week (the first pass of the week).
crons.daily("send weekly reports", { hourUTC: 8, minuteUTC: 5 }, internal.reports.weekly.sendWeekly, {});
// The Slack delivery log keeps 30 days (the destinations' audit log is kept).
crons.daily("prune Slack deliveries", { hourUTC: 3, minuteUTC: 47 }, internal.notify.purge.pruneDeliveries, {});

// Alerts whose breach is a matter of time (a review request or a PR getting old), and seed 000's sync health.
crons.interval("evaluate time-based alerts", { minutes: 5 }, internal.alerts.engine.tick, {});

// Repository health scores of today, with their trend (metrics/repositoryHealth.ts); also refreshed after each sync.
crons.interval("refresh repository health", { hours: 1 }, internal.metrics.repositoryHealth.refreshAll, {});

// Figures declared (or re-versioned) after data was stored are counted from the base tables (convex/metrics/backfill.ts).
crons.interval("backfill metrics", { minutes: 10 }, internal.metrics.backfill.ensureAll, {});

export default crons;
