/**
 * Convex wiring of the GitHub boundary: installation tokens persisted in `githubTokens` (so every
 * action reuses a token until shortly before it expires). Rate-limit snapshots are kept by
 * `budgets.ts`.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, internalQuery, type ActionCtx } from "../_generated/server";
import { GitHubApp, type InstallationToken, type TokenStore } from "./client";
import { githubAppCredentials } from "./config";

export const readToken = internalQuery({
  args: { installationGithubId: v.number() },
  handler: async (ctx, { installationGithubId }) => {
    const row = await ctx.db
      .query("githubTokens")
      .withIndex("by_installation", (q) => q.eq("installationGithubId", installationGithubId))
      .unique();
    return row && { token: row.token, expiresAt: row.expiresAt };
  },
});

export const storeToken = internalMutation({
  args: { installationGithubId: v.number(), token: v.string(), expiresAt: v.number() },
  handler: async (ctx, args) => {
    const row = await ctx.db
      .query("githubTokens")
      .withIndex("by_installation", (q) => q.eq("installationGithubId", args.installationGithubId))
      .unique();
    if (row) await ctx.db.patch(row._id, args);
    else await ctx.db.insert("githubTokens", args);
  },
});

/** GitHub rejected `token` (revoked, or minted before a permission change): forget it, unless already replaced. */
export const deleteToken = internalMutation({
  args: { installationGithubId: v.number(), token: v.string() },
  handler: async (ctx, { installationGithubId, token }) => {
    const row = await ctx.db
      .query("githubTokens")
      .withIndex("by_installation", (q) => q.eq("installationGithubId", installationGithubId))
      .unique();
    if (row?.token === token) await ctx.db.delete(row._id);
  },
});

/**
 * Tokens persisted across actions (one token per installation, not one per action), and held in
 * memory for the rest of this action so each GitHub request does not cost a database read.
 */
function convexTokenStore(ctx: Pick<ActionCtx, "runQuery" | "runMutation">): TokenStore {
  const held = new Map<number, InstallationToken>();
  return {
    get: async (installationGithubId) => {
      const token =
        held.get(installationGithubId) ??
        (await ctx.runQuery(internal.github.connection.readToken, { installationGithubId }));
      if (token) held.set(installationGithubId, token);
      return token;
    },
    set: async (installationGithubId, t) => {
      held.set(installationGithubId, t);
      await ctx.runMutation(internal.github.connection.storeToken, { installationGithubId, ...t });
    },
    drop: async (installationGithubId, token) => {
      if (held.get(installationGithubId)?.token === token) held.delete(installationGithubId);
      await ctx.runMutation(internal.github.connection.deleteToken, { installationGithubId, token });
    },
  };
}

/** The GitHub App for an action, configured from the environment (GitHub's API or the fake). */
export function githubAppForAction(ctx: Pick<ActionCtx, "runQuery" | "runMutation">): GitHubApp {
  return new GitHubApp({ credentials: githubAppCredentials(), tokens: convexTokenStore(ctx) });
}
