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
import { viewerQuery } from "../builders";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { type QueryCtx } from "../_generated/server";
import { repositoryAccess, viewableInstallations } from "../access";
import { CYCLE, DEPLOYMENTS } from "../metrics/figures";
import { quantileHours, type Hist } from "../metrics/histogram";
import { readBuckets, total } from "../metrics/read";
import { bucketScopes, newestDay, openTotals } from "./scoped";
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

export const overview = viewerQuery({
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
  let [merged, deployments, cycleHist]: [number, number, Hist] = [0, 0, {}];
  if (end !== null) {
    const range = { from: end - WINDOW_DAYS + 1, to: end };
    const [cycle, deployed] = await Promise.all([
      readBuckets(ctx.db, installationId, CYCLE, scopes, range).then(total),
      readBuckets(ctx.db, installationId, DEPLOYMENTS, scopes, range).then(total),
    ]);
    merged = cycle.n.merged ?? 0;
    cycleHist = cycle.h.cycle ?? {};
    // Successful production deployments: DORA's deployment frequency counts the same.
    deployments = deployed.n.successes ?? 0;
  }
  return {
    installationId,
    account: { login: installation.accountLogin, type: installation.accountType },
    repositories: totals.repos,
    openPullRequests: totals.openPrs,
    openPullRequestsByHealth: { green: totals.green, yellow: totals.yellow, red: totals.red },
    merged30d: merged,
    medianCycleHours30d: quantileHours(cycleHist, 0.5),
    deployments30d: deployments,
    syncState: installation.sync.state,
    lastSyncedAt: installation.sync.lastSyncedAt ?? null,
  };
}
