/**
 * GitHub's side: budgets and tokens (assembled by convex/schema.ts).
 *
 * - `rateLimits` — written by `github/` (every answered request of a sync page); read by `sync/` (policy, status), `alerts/` (rate-limit alert), `dashboard/` (sync health).
 * - `githubTokens` — written by `github/`; read by `github/` only (a token never leaves it).
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** One rate-limit budget as GitHub last reported it (resetAt in epoch ms). */
export const rateLimitSnapshot = v.object({
  resource: v.string(),
  limit: v.number(),
  remaining: v.number(),
  used: v.number(),
  resetAt: v.number(),
  observedAt: v.number(),
});

export const githubTables = {
  /**
   * The latest GitHub budget per installation and resource (`core`, `graphql`), written by sync pages
   * (`github/connection.ts`); read by the sync policy and `getStatus`, never by dashboard queries.
   */
  rateLimits: defineTable({
    installationId: v.id("installations"),
    ...rateLimitSnapshot.fields,
  }).index("by_installation_resource", ["installationId", "resource"]),

  /** Installation access tokens, reused until shortly before they expire. Internal only. */
  githubTokens: defineTable({
    installationGithubId: v.number(),
    token: v.string(),
    expiresAt: v.number(),
  }).index("by_installation", ["installationGithubId"]),
};
