/**
 * Constant-cost summaries: they read the installation and its counter shards (and nothing that
 * grows with repositories or pull requests). A caller with restricted access (`repositoryAccess`)
 * reads the public repositories' shards plus the private repositories granted to them, one each
 * (`scoped.ts`).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { repositoryAccess, viewableInstallations, type RepositoryAccess } from "../access";
import { installationQuery, viewerQuery } from "../builders";
import { openTotals } from "./scoped";

async function totals(
  ctx: Pick<QueryCtx, "db" | "auth">,
  installation: Doc<"installations">,
  access: RepositoryAccess,
) {
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
export const summary = installationQuery({
  args: {},
  hidden: null,
  handler: (ctx) => totals(ctx, ctx.installation, ctx.visibility.access),
});

/** Who is signed in (the app keeps offline answers under their id), or null. */
export const me = viewerQuery({
  args: {},
  handler: async (ctx) => (ctx.viewer ? { userId: ctx.viewer.userId, login: ctx.viewer.login } : null),
});

/** The caller's installations (for the picker), each with its totals. */
export const myInstallations = viewerQuery({
  args: {},
  handler: async (ctx) => {
    const installations = await viewableInstallations(ctx);
    return Promise.all(installations.map(async (i) => totals(ctx, i, await repositoryAccess(ctx, i, ctx.viewer))));
  },
});
