/**
 * Organisations overview (seed 004): every installation the caller can see, with rollups from the same
 * counters and buckets as each installation's pages, so it costs a fixed number of documents per
 * installation (counter shards, ≤ 30 `cycleDaily` and ≤ 30 `deploymentDaily` days per visibility
 * scope the caller reads), never a scan of pull requests.
 *
 * A caller who reads every repository reads the installation-wide scope ("all"); a restricted member
 * reads "public" plus the scopes of the private repositories granted to them (dashboard/scoped.ts),
 * so a private repository they cannot read never reaches their rollup.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { query, type QueryCtx } from "../_generated/server";
import { repositoryAccess, viewableInstallations } from "../access";
import { HIST_BINS } from "../model/contribution";
import { bucketScopes, newestDay, openTotals, sumHist } from "./scoped";
import { percentileHours } from "./ranges";
import { validateToday } from "./trends";

export type OrganisationRollup = {
  installationId: Id<"installations">;
  account: { login: string; type: "User" | "Organization" };
  repositories: number;
  openPullRequests: number;
  openPullRequestsByHealth: { green: number; yellow: number; red: number };
  /** Over the 30 days ending on `today` (or the newest data). */
  merged30d: number;
  medianCycleHours30d: number | null;
  deployments30d: number;
  syncState: "idle" | "syncing" | "blocked" | "error";
  lastSyncedAt: number | null;
};

const WINDOW_DAYS = 30;

export const overview = query({
  args: { today: v.optional(v.number()) },
  handler: async (ctx, args): Promise<OrganisationRollup[]> => {
    const today = validateToday(args.today);
    const installations = await viewableInstallations(ctx);
    return Promise.all(installations.map((installation) => rollup(ctx, installation, today)));
  },
});

async function rollup(
  ctx: QueryCtx,
  installation: Doc<"installations">,
  given: number | undefined,
): Promise<OrganisationRollup> {
  const installationId = installation._id;
  const access = await repositoryAccess(ctx, installation);
  const [totals, scopes, end] = await Promise.all([
    openTotals(ctx, installationId, access),
    bucketScopes(ctx, installationId, access),
    given ?? newestDay(ctx, installationId, access),
  ]);
  let [merged, deployments, cycleHist] = [0, 0, new Array<number>(HIST_BINS).fill(0)];
  if (end !== null) {
    const from = end - WINDOW_DAYS + 1;
    for (const scope of scopes) {
      const [cycle, deployed] = await Promise.all([
        ctx.db
          .query("cycleDaily")
          .withIndex("by_installation_scope_author_day", (q) =>
            q.eq("installationId", installationId).eq("scope", scope).eq("author", "").gte("day", from).lte("day", end),
          )
          .collect(),
        ctx.db
          .query("deploymentDaily")
          .withIndex("by_installation_scope_day", (q) =>
            q.eq("installationId", installationId).eq("scope", scope).gte("day", from).lte("day", end),
          )
          .collect(),
      ]);
      for (const d of cycle) [merged, cycleHist] = [merged + d.merged, sumHist(cycleHist, d.cycleHist)];
      for (const d of deployed) deployments += d.deployments;
    }
  }
  return {
    installationId,
    account: { login: installation.accountLogin, type: installation.accountType },
    repositories: totals.repos,
    openPullRequests: totals.openPrs,
    openPullRequestsByHealth: { green: totals.green, yellow: totals.yellow, red: totals.red },
    merged30d: merged,
    medianCycleHours30d: percentileHours(cycleHist, 0.5),
    deployments30d: deployments,
    syncState: installation.sync.state,
    lastSyncedAt: installation.sync.lastSyncedAt ?? null,
  };
}
