/**
 * getStatus: the whole contract the UI reads about syncing. Computed with the same policy as
 * `request`, so `canSyncNow` never disagrees with what pressing "Sync Now" would do.
 */
import { stream } from "convex-helpers/server/stream";
import type { Doc } from "../_generated/dataModel";
import { installationMutation, installationQuery } from "../builders";
import schema from "../schema";
import { syncDecisionMessage } from "../messages";
import { evaluate } from "./policy";
import { loadPolicyState, statusInstant } from "./policyState";
import { requestSync } from "./service";

/** At most this many failed repositories are listed by name (the rest are counted). */
const FAILED_REPOSITORIES_SHOWN = 10;

export const getStatus = installationQuery({
  hidden: null,
  args: {},
  handler: async (ctx, { installationId }) => {
    const { installation } = ctx;
    // Computed at an instant taken from data (never the clock): scheduled status ticks move it at
    // every boundary (cooldown end, block end), so an open status updates by itself then.
    const job = installation.sync.activeJobId ? await ctx.db.get(installation.sync.activeJobId) : null;
    const now = statusInstant(installation, job);
    const { state: policyState, activeJob } = await loadPolicyState(ctx.db, installation, now);
    const decision = evaluate(policyState, "manual", now);
    // Names of private repositories the caller cannot read are not shown to them, nor counted: the
    // figures that move with every repository (progress, budget, last webhook) are the operators'.
    const { visibility } = ctx;
    const operator = visibility.access.kind === "all";
    const lastDelivery = operator
      ? await ctx.db
          .query("webhookDeliveries")
          .withIndex("by_installation_received", (q) => q.eq("installationGithubId", installation.githubInstallationId))
          .order("desc")
          .first()
      : null;
    const failed = await stream(ctx.db, schema)
      .query("repositories")
      .withIndex("by_installation_sync_status", (q) =>
        q.eq("installationId", installationId).eq("removed", false).eq("syncStatus", "failed"),
      )
      .filterWith(async (r) => visibility.visibleRepository(r))
      .take(FAILED_REPOSITORIES_SHOWN);
    const readableName = async (fullName: string | undefined) => {
      if (fullName === undefined || operator) return fullName;
      const repo = await ctx.db
        .query("repositories")
        .withIndex("by_installation", (q) =>
          q.eq("installationId", installationId).eq("removed", false).eq("fullName", fullName),
        )
        .first();
      return repo && visibility.visibleRepository(repo) ? fullName : undefined;
    };

    const state = activeJob
      ? activeJob.state === "blocked"
        ? "blocked"
        : "syncing"
      : installation.sync.state === "error"
        ? "error"
        : decision.action === "block"
          ? "blocked"
          : "idle";
    const blockedUntil =
      activeJob?.blockedUntil ?? (decision.action === "block" ? decision.metadata?.blockedUntil : undefined);
    return {
      state,
      canSyncNow: decision.action === "start",
      ...(decision.reason === "manual_cooldown" && {
        cooldownMs: decision.metadata?.cooldownMs,
        // Absolute too: Convex serves a cached query result until its data changes, so a duration
        // measured at query time goes stale; the UI counts down to this instant.
        cooldownEndsAt: now + (decision.metadata?.cooldownMs ?? 0),
      }),
      ...(state === "blocked" && blockedUntil !== undefined && { blockedUntil }),
      /** Whether the caller sees the installation-wide figures below (they read every repository). */
      operator,
      ...(activeJob &&
        operator && { activeJobProgress: { current: activeJob.progress.current, total: activeJob.progress.total } }),
      /**
       * Which stage the running sync is in: "open_work" (the listing, then every repository's open pull
       * requests and issues) until the dashboard is complete for open work, "people" (the organisation's
       * members, teams and collaborators), then "history".
       */
      ...(activeJob && { phase: syncPhase(activeJob) }),
      ...(installation.sync.lastSyncedAt !== undefined && { lastSyncedAt: installation.sync.lastSyncedAt }),
      ...(state === "error" && installation.sync.lastSyncError && { lastSyncError: installation.sync.lastSyncError }),
      /** In words: why the running sync is paused, else why "Sync Now" is (un)available. */
      message: syncDecisionMessage(activeJob?.state === "blocked" ? { reason: "rate_limit_blocked" } : decision),
      currentRepository: await readableName(activeJob?.progress.currentRepository),
      failedRepositories: failed.map((r) => ({ fullName: r.fullName, reason: r.syncError ?? "Sync failed." })),
      /** For the health card (operators): GitHub budget left (lowest resource) and the last webhook received. */
      rateLimit:
        operator && policyState.rateLimit
          ? {
              remaining: policyState.rateLimit.remaining,
              limit: policyState.rateLimit.limit,
              resetAt: policyState.rateLimit.resetAt,
            }
          : null,
      lastWebhookAt: lastDelivery?.receivedAt ?? null,
    };
  },
});

function syncPhase(job: Doc<"syncJobs">): "open_work" | "people" | "watchlist" | "history" {
  const { phase, stage } = job.cursor;
  if (phase === "list" || phase === "prune") return "open_work";
  if (phase === "people") return "people";
  if (phase === "watchlist") return "watchlist";
  return stage === "open_work" ? "open_work" : "history";
}

/** The "Sync Now" button. Answers with the policy's decision and its message. */
export const syncNow = installationMutation({
  args: {},
  handler: async (ctx) => {
    const decision = await requestSync(ctx, ctx.installation._id, "manual");
    return {
      action: decision.action,
      reason: decision.reason,
      message: syncDecisionMessage(decision),
      ...(decision.metadata && { metadata: decision.metadata }),
    };
  },
});
