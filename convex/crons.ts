import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Every active installation, through syncService.request("cron"), fanned out 25 per transaction.
crons.interval("periodic sync", { minutes: 30 }, internal.sync.maintenance.syncAllInstallations, {});
// Jobs whose slice died or whose continuation was lost, through request("maintenance").
crons.interval("recover stalled sync jobs", { minutes: 5 }, internal.sync.maintenance.recoverStalledJobs, {});
// Keep the last 100 completed / 50 failed jobs per installation.
crons.daily("prune sync jobs", { hourUTC: 3, minuteUTC: 17 }, internal.sync.maintenance.pruneJobs, {});

export default crons;
