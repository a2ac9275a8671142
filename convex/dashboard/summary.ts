/**
 * Constant-cost summaries: they read the installation and its counter shards (and nothing that
 * grows with repositories or pull requests). A caller with restricted access (`repositoryAccess`)
 * reads the public repositories' shards plus the private repositories granted to them, one each
 * (`scoped.ts`).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { query, type QueryCtx } from "../_generated/server";
import { repositoryAccess, viewableInstallation, viewableInstallations } from "../access";
import { openTotals } from "./scoped";

async function totals(ctx: Pick<QueryCtx, "db" | "auth">, installation: Doc<"installations">) {
  const access = await repositoryAccess(ctx, installation);
  const sum = await openTotals(ctx, installation._id, access);
  return {
    installationId: installation._id as Id<"installations">,
    account: { login: installation.accountLogin, type: installation.accountType },
    repositories: sum.repos,
    openPullRequests: sum.openPrs,
    openPullRequestsByHealth: { green: sum.green, yellow: sum.yellow, red: sum.red },
    openIssues: sum.openIssues,
    lastSyncedAt: installation.sync.lastSyncedAt ?? null,
  };
}

/** The selected installation's totals. */
export const summary = query({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const installation = await viewableInstallation(ctx, installationId);
    return installation ? totals(ctx, installation) : null;
  },
});

/** The caller's installations (for the picker), each with its totals. */
export const myInstallations = query({
  args: {},
  handler: async (ctx) => {
    const installations = await viewableInstallations(ctx);
    return Promise.all(installations.map((i) => totals(ctx, i)));
  },
});
