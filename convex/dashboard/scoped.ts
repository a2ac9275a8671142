/**
 * Read helpers of the visibility groups: what a caller may see of an installation's counters and day
 * buckets, given `repositoryAccess`. `all` reads the installation-wide scope; `restricted` reads the
 * public group plus the scope of each private repository granted to the caller — a cost bounded by the
 * repositories they can read privately, never by pull requests.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { RepositoryAccess } from "../access";
import { ACTIVITY } from "../metrics/figures";
import { newestDay as newestBucketDay } from "../metrics/read";
import { addCounts, ALL_SCOPE, PUBLIC_SCOPE, repositoryScope, ZERO_OPEN, type OpenCounts } from "../model/contribution";

type Ctx = Pick<QueryCtx, "db">;
type OpenTotals = OpenCounts & { repos: number };

/** The private repositories of this installation the caller was granted and that are private now. */
async function readablePrivateRepositories(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<Doc<"repositories">[]> {
  if (access.kind === "all") return [];
  const repos = await Promise.all([...access.privateRepositoryIds].map((id) => ctx.db.get(id)));
  // A granted repository made public since is counted in the public group already.
  return repos.filter((r): r is Doc<"repositories"> => r !== null && r.installationId === installationId && r.private);
}

/** Sum counter shards (`installationCounters` or `publicCounters`). */
function sumShards(shards: Array<OpenTotals>): OpenTotals {
  return shards.reduce<OpenTotals>((acc, s) => addTotals(acc, s), { ...ZERO_OPEN, repos: 0 });
}
function addTotals(a: OpenTotals, b: OpenTotals): OpenTotals {
  const { openPrs, green, yellow, red, openIssues, repos } = b;
  return addCounts(a, { openPrs, green, yellow, red, openIssues, repos });
}

/**
 * Open counts the caller sees: the installation's shards (`all`), or the public shards plus each
 * readable, visible private repository's own stats.
 */
export async function openTotals(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<OpenTotals> {
  const table = access.kind === "all" ? "installationCounters" : "publicCounters";
  const shards = await ctx.db
    .query(table)
    .withIndex("by_installation_shard", (q) => q.eq("installationId", installationId))
    .collect();
  let total = sumShards(shards);
  for (const repo of await readablePrivateRepositories(ctx, installationId, access)) {
    if (!repo.removed) total = addTotals(total, { ...repo.stats, repos: 1 });
  }
  return total;
}

/** The scopes a restricted caller reads: "public", then each readable private repository's own. */
async function restrictedScopes(ctx: Ctx, installationId: Id<"installations">, access: RepositoryAccess) {
  const repos = await readablePrivateRepositories(ctx, installationId, access);
  return [PUBLIC_SCOPE, ...repos.map((r) => repositoryScope(r._id))];
}

/** The bucket scopes a caller reads: "all", or "public" plus each readable private repository's own. */
export async function bucketScopes(ctx: Ctx, installationId: Id<"installations">, access: RepositoryAccess) {
  return access.kind === "all" ? [ALL_SCOPE] : restrictedScopes(ctx, installationId, access);
}

/** The newest day with activity the caller sees (a window's end without `today`), or null. */
export async function newestDay(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<number | null> {
  return newestBucketDay(ctx.db, installationId, ACTIVITY, await bucketScopes(ctx, installationId, access));
}

/**
 * Outstanding review requests per reviewer the caller sees: "all" (visible repositories), or "public"
 * (visible, public ones) plus each readable private repository that is still part of the installation.
 */
export async function openRequestsByReviewer(
  ctx: Ctx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
): Promise<Map<string, number>> {
  const repos = (await readablePrivateRepositories(ctx, installationId, access)).filter((r) => !r.removed);
  const scopes = access.kind === "all" ? [ALL_SCOPE] : [PUBLIC_SCOPE, ...repos.map((r) => repositoryScope(r._id))];
  const out = new Map<string, number>();
  for (const scope of scopes) {
    const rows = await ctx.db
      .query("reviewerOpenRequests")
      .withIndex("by_installation_scope_reviewer", (q) => q.eq("installationId", installationId).eq("scope", scope))
      .collect();
    for (const r of rows) out.set(r.reviewer, (out.get(r.reviewer) ?? 0) + r.open);
  }
  return out;
}
