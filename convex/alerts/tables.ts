/**
 * The alert engine's tables (assembled by convex/schema.ts).
 *
 * - `alerts` — written by `alerts/` (the engine); read by `alerts/` (the bell, the Alerts page), `notify/` through the engine's events and the daily digest (`notify/digest.ts`).
 * - `alertReads` — written by `alerts/` (mark read); read by `alerts/` (the bell).
 * - `alertClocks, alertQueue, alertPullRequests, agreementDaily` — written by `alerts/`; read by `alerts/` only (the engine's own state).
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const alertKind = v.union(
  v.literal("pickup"),
  v.literal("open_too_long"),
  v.literal("size"),
  v.literal("open_requests"),
  v.literal("sync_failures"),
  v.literal("rate_limit"),
  v.literal("webhook_lag"),
  /** A watchlist entry's news (alerts/watchlist.ts): its score dropped, a check fell, archived, security policy removed, a new release. */
  v.literal("watchlist"),
);

export const alertTables = {
  /**
   * Alerts (convex/alerts/): one document per breach of a working agreement or of seed 000's sync health
   * conditions, opened once (`subject` names the breach) and resolved when the condition clears.
   */
  alerts: defineTable({
    installationId: v.id("installations"),
    /** Absent: about the installation (sync health, a person's open requests). */
    repositoryId: v.optional(v.id("repositories")),
    pullRequestId: v.optional(v.id("pullRequests")),
    /**
     * A person's open requests are counted per visibility group: "all" (every repository, for those who
     * read them all; also when absent) or "public" (public repositories, for every other member).
     */
    scope: v.optional(v.union(v.literal("all"), v.literal("public"))),
    kind: alertKind,
    /** The breach, e.g. `pickup:<pullRequestId>:<reviewer>`; at most one open alert per subject. */
    subject: v.string(),
    openedAt: v.number(),
    resolvedAt: v.optional(v.number()),
    message: v.string(),
    url: v.optional(v.string()),
    /**
     * What the Alerts page groups and filters by, as of the alert's opening (so its query reads no pull
     * request, a document the write path changes on every webhook): the PR, and the reviewer a pickup or
     * open-requests breach is about (a login or `team:<slug>`).
     */
    pullRequest: v.optional(v.object({ number: v.number(), title: v.string(), authorLogin: v.string() })),
    reviewer: v.optional(v.string()),
    /** A watchlist alert's entry, and its repository's name as of the opening (the page reads no entry). */
    watchEntryId: v.optional(v.id("watchEntries")),
    watchRepository: v.optional(v.string()),
  })
    .index("by_installation_opened", ["installationId", "openedAt"])
    .index("by_installation_subject_resolved", ["installationId", "subject", "resolvedAt"])
    .index("by_pull_request_resolved", ["pullRequestId", "resolvedAt"])
    .index("by_installation_kind_resolved", ["installationId", "kind", "resolvedAt"])
    .index("by_installation_resolved_opened", ["installationId", "resolvedAt", "openedAt"])
    .index("by_watch_entry_resolved", ["watchEntryId", "resolvedAt"]),

  /** Per user and installation: alerts opened at or before `readUpTo` are read (the bell's watermark). */
  alertReads: defineTable({
    userId: v.id("users"),
    installationId: v.id("installations"),
    readUpTo: v.number(),
  })
    .index("by_user_installation", ["userId", "installationId"])
    .index("by_installation", ["installationId"]),

  /**
   * The alert engine's own state per installation: how far its cron has evaluated the time-based
   * boundaries (request + pickup time, creation + open days), so each run reads only what crossed since.
   */
  alertClocks: defineTable({
    installationId: v.id("installations"),
    pickupScannedTo: v.number(),
    openScannedTo: v.number(),
  }).index("by_installation", ["installationId"]),

  /** PRs the write path changed in an alert-relevant way, waiting for the engine (drained in batches). */
  alertQueue: defineTable({
    installationId: v.id("installations"),
    pullRequestId: v.id("pullRequests"),
    /** Reviewers whose outstanding requests changed (their per-person count is re-checked). */
    reviewers: v.array(v.string()),
  }).index("by_installation", ["installationId"]),

  /** What each evaluated PR added to `agreementDaily` (its creation day and size), so a change moves it. */
  alertPullRequests: defineTable({
    installationId: v.id("installations"),
    pullRequestId: v.id("pullRequests"),
    day: v.number(),
    changedLines: v.number(),
  })
    .index("by_pull_request", ["pullRequestId"])
    .index("by_installation", ["installationId"]),

  /**
   * The agreements' buckets the read model does not keep, per installation and UTC day: the changed
   * lines of PRs opened that day (sorted), and each reviewer's peak of open requests that day.
   */
  agreementDaily: defineTable({
    installationId: v.id("installations"),
    day: v.number(),
    sizes: v.array(v.number()),
    requestPeaks: v.array(v.object({ reviewer: v.string(), peak: v.number() })),
  }).index("by_installation_day", ["installationId", "day"]),
};
