/**
 * syncPolicy: decides whether a sync may start now. Pure and I/O-free: the service loads the
 * state, this decides, the service acts. Every caller gets a decision with a reason code;
 * `convex/messages.ts` turns codes into words.
 */

/**
 * "members": the organisation's people alone (a job of kind "people", plan.ts); "watchlist": the
 * installation's watchlist alone (a job of kind "watchlist").
 */
export type Trigger = "manual" | "cron" | "webhook" | "maintenance" | "members" | "watchlist";
type Action = "start" | "skip" | "block";

export interface PolicyState {
  installationStatus: "active" | "suspended" | "deleted";
  /** Repositories currently in the installation. */
  repositoryCount: number;
  /** A job that is queued, running, retrying or blocked. */
  activeJob: null | {
    /** Its lease expired and no continuation is due: the slice died or its schedule was lost. */
    stalled: boolean;
  };
  /** Set while GitHub told us to wait (rate limit). */
  blockedUntil?: number;
  /** End of the last successful sync. */
  lastSyncedAt?: number;
  /** Start of the last sync a user asked for. */
  lastManualSyncAt?: number;
  /** The lowest remaining primary budget across resources we use; absent if never observed. */
  rateLimit?: { remaining: number; limit: number; resetAt: number };
}

/** Defaults, tuned for GitHub's 5,000 requests/hour installation minimum. */
export const POLICY = {
  /** A user may start a sync at most once per this interval… */
  MANUAL_COOLDOWN_MS: 2 * 60_000,
  /** …unless the data is older than this: stale data may always be refreshed. */
  STALE_DATA_MS: 60 * 60_000,
  /** The 30-minute cron skips installations synced more recently than this. */
  CRON_MIN_INTERVAL_MS: 25 * 60_000,
  /** A sync starts only if at least this much primary budget remains. */
  MIN_BUDGET_TO_START: 100,
  /** Manual and cron syncs also leave this much for webhook-driven work (backfills of new repos). */
  WEBHOOK_RESERVE: 500,
  /**
   * The watchlist spends only what the installation's own sync does not need: it starts, and sends each
   * request, only while more than this share of the budget is left (and never below the floors above).
   */
  WATCHLIST_FLOOR_SHARE: 0.2,
} as const;

/** The budget below which the watchlist sends nothing: a fifth of the limit, at least the sync's own reserves. */
export function watchlistFloor(limit: number): number {
  return Math.max(POLICY.MIN_BUDGET_TO_START + POLICY.WEBHOOK_RESERVE, Math.ceil(limit * POLICY.WATCHLIST_FLOOR_SHARE));
}

type Reason =
  | "installation_suspended"
  | "installation_deleted"
  | "no_repositories"
  | "already_syncing"
  | "recover_stalled_job"
  | "rate_limit_blocked"
  | "manual_cooldown"
  | "recently_synced"
  | "rate_limit_low"
  | "reserved_for_webhooks"
  | "budget_unknown"
  | "manual_requested"
  | "stale_data_refresh"
  | "scheduled"
  | "webhook_backfill"
  | "people_listing"
  | "watchlist_refresh"
  | "reserved_for_sync"
  | "maintenance";

export interface SyncDecision {
  action: Action;
  reason: Reason;
  metadata?: { cooldownMs?: number; blockedUntil?: number };
}

/** The budget as of `now`: a figure whose reset time has passed has refilled. */
export function effectiveBudget(rateLimit: PolicyState["rateLimit"], now: number) {
  if (!rateLimit) return undefined;
  return now >= rateLimit.resetAt ? { ...rateLimit, remaining: rateLimit.limit } : rateLimit;
}

export function evaluate(state: PolicyState, trigger: Trigger, now: number): SyncDecision {
  if (state.installationStatus !== "active") {
    return {
      action: "skip",
      reason: state.installationStatus === "deleted" ? "installation_deleted" : "installation_suspended",
    };
  }
  // The watchlist follows outside repositories: an installation without its own may still have some.
  if (state.repositoryCount === 0 && trigger !== "watchlist") return { action: "skip", reason: "no_repositories" };
  if (state.activeJob) {
    // Only maintenance may take over a job nobody is running any more (it resumes from its cursor).
    if (trigger === "maintenance" && state.activeJob.stalled) return { action: "start", reason: "recover_stalled_job" };
    return { action: "skip", reason: "already_syncing" };
  }
  if (state.blockedUntil !== undefined && state.blockedUntil > now) {
    return { action: "block", reason: "rate_limit_blocked", metadata: { blockedUntil: state.blockedUntil } };
  }

  const stale = state.lastSyncedAt === undefined || now - state.lastSyncedAt >= POLICY.STALE_DATA_MS;
  if (trigger === "manual" && !stale && state.lastManualSyncAt !== undefined) {
    const cooldownMs = state.lastManualSyncAt + POLICY.MANUAL_COOLDOWN_MS - now;
    if (cooldownMs > 0) return { action: "skip", reason: "manual_cooldown", metadata: { cooldownMs } };
  }
  if (
    trigger === "cron" &&
    state.lastSyncedAt !== undefined &&
    now - state.lastSyncedAt < POLICY.CRON_MIN_INTERVAL_MS
  ) {
    return { action: "skip", reason: "recently_synced" };
  }

  const budget = effectiveBudget(state.rateLimit, now);
  const startReason: Reason =
    trigger === "manual"
      ? stale && state.lastSyncedAt !== undefined
        ? "stale_data_refresh"
        : "manual_requested"
      : trigger === "cron"
        ? "scheduled"
        : trigger === "webhook"
          ? "webhook_backfill"
          : trigger === "members"
            ? "people_listing"
            : trigger === "watchlist"
              ? "watchlist_refresh"
              : "maintenance";
  // Unknown budget is not assumed full: the worker reads GET /rate_limit (free) before fetching.
  if (!budget) return { action: "start", reason: "budget_unknown" };
  if (trigger === "watchlist" && budget.remaining < watchlistFloor(budget.limit)) {
    return { action: "block", reason: "reserved_for_sync", metadata: { blockedUntil: budget.resetAt } };
  }
  const userDriven = trigger === "manual" || trigger === "cron";
  if (budget.remaining < POLICY.MIN_BUDGET_TO_START) {
    return { action: "block", reason: "rate_limit_low", metadata: { blockedUntil: budget.resetAt } };
  }
  if (userDriven && budget.remaining < POLICY.MIN_BUDGET_TO_START + POLICY.WEBHOOK_RESERVE) {
    return { action: "block", reason: "reserved_for_webhooks", metadata: { blockedUntil: budget.resetAt } };
  }
  return { action: "start", reason: startReason };
}
