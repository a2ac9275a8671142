/**
 * The builders of functions that write or recount the read model: `internalMutation` with
 * the rooms that react to the write path's changes (the metrics engine, the alert engine) and the
 * purgers of an uninstalled installation's documents; `internalAction` with the rooms' recounts. Wiring only: the write path (convex/model/)
 * knows the interfaces (model/changes.ts), this file the implementations, so `model/` imports none of
 * the rooms that subscribe to it. A function that calls `withWritePath` without these builders does
 * not type-check (it lacks `listeners`).
 */
import { customAction, customCtx, customMutation } from "convex-helpers/server/customFunctions";
import { internalAction as rawInternalAction, internalMutation as rawInternalMutation } from "./_generated/server";
import { alertListener } from "./alerts/listener";
import { purgeAlertsOf } from "./alerts/purge";
import { purgeMetricsOf } from "./metrics/backfill";
import { metricsListener } from "./metrics/moves";
import { verifyMetrics } from "./metrics/recount";
import type { ListenerFactory, Purger, Verifier } from "./model/changes";
import { purgeNotificationsOf } from "./notify/purge";
import { purgeGrantsOf } from "./people/grants";
import { purgeHourlyOf } from "./sync/health";
import { watchlistAlerts } from "./alerts/watchlist";
import type { WatchListener } from "./watchlist/record";
import { purgeReportsOf } from "./reports/purge";
import { purgeWatchlistOf } from "./watchlist/purge";

const listeners: readonly ListenerFactory[] = [metricsListener, alertListener];
const purgers: readonly Purger[] = [
  purgeGrantsOf,
  purgeMetricsOf,
  purgeAlertsOf,
  purgeNotificationsOf,
  purgeHourlyOf,
  purgeWatchlistOf,
  purgeReportsOf,
];
/** The rooms that react to watchlist entries' writes (convex/watchlist/record.ts `patchEntry`). */
export const watchListeners: readonly WatchListener[] = [watchlistAlerts];
const withRooms = customCtx(() => ({ listeners, purgers, watchListeners }));

const verifiers: readonly Verifier[] = [verifyMetrics];

export const internalMutation = customMutation(rawInternalMutation, withRooms);
/** Actions that recount what the rooms derive from the read model (`verifyAggregates`). */
export const internalAction = customAction(
  rawInternalAction,
  customCtx(() => ({ verifiers })),
);
