/**
 * Deployments in the read model (issue 14): which are production, when a production deployment
 * restores its environment, what they add to `deploymentDaily`, and which merged PRs they ship.
 *
 * The write path upserts the rows (`UPSERTS.deployment`) and calls `DeploymentEffects.changed` for
 * each change; every deployment whose counted fields changed (its own, and a later success whose time to
 * restore it moves) is told to the metrics engine (convex/metrics/figures.ts `DEPLOYMENTS`).
 *
 * A deployment's outcome: success when it ever succeeded (`succeededAt`, also after a later inactive
 * or a failure), else failure when it failed (`failedAt`), else none yet (pending, or inactive only).
 * DORA counts production deployments with an outcome, on the UTC day of that outcome.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type DatabaseReader, type MutationCtx } from "../_generated/server";
import type { DeploymentRecord } from "./records";

/** Days after a merge within which a production deployment is taken to ship it (beyond: not deployed). */
const DEPLOY_HORIZON_MS = 30 * 86_400_000;

type Deployment = Doc<"deployments">;
type DeploymentRow = Omit<Deployment, "_id" | "_creationTime">;
type Repo = Doc<"repositories">;

/** Merged PRs re-derived inside the transaction that changed a deployment; the rest in scheduled chunks. */
const INLINE_REDERIVE = 100;
/** Deployments looked at before or after one in its environment (a failure run longer than this is cut). */
const RUN_SCAN = 200;

/**
 * When the first successful production deployment created at or after `mergedAt` (within the horizon)
 * succeeded, or undefined. The deploy stage of a merged PR is `mergedAt` → this.
 */
export async function firstDeploymentAfter(
  db: DatabaseReader,
  repositoryId: Id<"repositories">,
  mergedAt: number,
): Promise<number | undefined> {
  const candidates = db.query("deployments").withIndex("by_repo_production_created", (q) =>
    q
      .eq("repositoryId", repositoryId)
      .eq("production", true)
      .gte("createdAt", mergedAt)
      .lte("createdAt", mergedAt + DEPLOY_HORIZON_MS),
  );
  for await (const d of candidates) if (d.succeededAt !== undefined) return d.succeededAt;
  return undefined;
}

/** GitHub's production flag, or a name that says production (prod, production, live, prod-eu, …). */
const productionName = (environment: string) => /^prod/i.test(environment) || /^live$/i.test(environment);

/** Whether a workflow run belongs to the chosen workflow (its name, file name or path). */
function chosenWorkflow(choice: string, rec: Pick<DeploymentRecord, "environment" | "workflowPath">): boolean {
  const path = rec.workflowPath;
  return choice === rec.environment || (path !== undefined && (choice === path || choice === path.split("/").pop()));
}

async function workflowChoice(db: DatabaseReader, repositoryId: Id<"repositories">): Promise<string | undefined> {
  const settings = await db
    .query("repositorySettings")
    .withIndex("by_repository", (q) => q.eq("repositoryId", repositoryId))
    .unique();
  return settings?.deploymentWorkflow;
}

/**
 * Whether a deployment counts for DORA and the deploy stage: the repository's chosen workflow's runs on
 * its default branch, or (no workflow chosen) GitHub deployments to a production environment.
 */
export async function isProduction(
  db: DatabaseReader,
  repositoryId: Id<"repositories">,
  rec: Pick<DeploymentRecord, "source" | "environment" | "workflowPath" | "productionEnvironment" | "ref">,
): Promise<boolean> {
  const choice = await workflowChoice(db, repositoryId);
  if (choice === undefined)
    return rec.source === "deployment" && (rec.productionEnvironment === true || productionName(rec.environment));
  if (rec.source !== "workflow_run" || !chosenWorkflow(choice, rec)) return false;
  const repo = await db.get(repositoryId);
  return repo !== null && rec.ref === repo.defaultBranch;
}

type Outcome = { at: number; success: boolean };
const outcomeOf = (d: Pick<DeploymentRow, "succeededAt" | "failedAt">): Outcome | undefined =>
  d.succeededAt !== undefined
    ? { at: d.succeededAt, success: true }
    : d.failedAt !== undefined
      ? { at: d.failedAt, success: false }
      : undefined;

/** When a deployment counts for DORA (stored as `countedAt`, the drill-down's order): production ones with an outcome. */
export const countedAt = (d: Pick<DeploymentRow, "production" | "succeededAt" | "failedAt">): number | undefined =>
  d.production ? outcomeOf(d)?.at : undefined;

/**
 * A production success that ends a run of failures in its environment: ms from the run's first
 * failure to this success (deployments ordered by creation; pending ones are skipped).
 */
async function restoreOf(
  db: DatabaseReader,
  d: Pick<DeploymentRow, "repositoryId" | "production" | "environment" | "createdAt" | "succeededAt">,
): Promise<number | undefined> {
  if (!d.production || d.succeededAt === undefined) return undefined;
  const earlier = db
    .query("deployments")
    .withIndex("by_repo_production_environment_created", (q) =>
      q
        .eq("repositoryId", d.repositoryId)
        .eq("production", true)
        .eq("environment", d.environment)
        .lt("createdAt", d.createdAt),
    )
    .order("desc");
  // Read only back to the previous success (at most RUN_SCAN), not a fixed page.
  let firstFailure: number | undefined;
  let seen = 0;
  for await (const e of earlier) {
    if (++seen > RUN_SCAN) break;
    const outcome = outcomeOf(e);
    if (!outcome) continue;
    if (outcome.success) break;
    firstFailure = Math.min(firstFailure ?? Infinity, outcome.at);
  }
  return firstFailure === undefined ? undefined : Math.max(0, d.succeededAt - firstFailure);
}

/**
 * One write path's deployment effects: time to restore, the deployments whose counted fields changed
 * (`counted`, the metrics engine), and the merged PRs whose `deployedAt` a change moves (`rederive` marks
 * them for the write path's re-derivation at its flush).
 */
export class DeploymentEffects {
  private inlineBudget = INLINE_REDERIVE;

  constructor(
    private readonly ctx: MutationCtx,
    private readonly counted: (
      repo: Repo,
      before: Deployment | null,
      after: DeploymentRow,
      id: Id<"deployments">,
    ) => Promise<void>,
    private readonly rederive: (repo: Repo, id: Id<"pullRequests">) => void,
  ) {}

  async changed(repo: Repo, id: Id<"deployments">, before: Deployment | null, row: DeploymentRow): Promise<void> {
    let after = row;
    const restoreMs = await restoreOf(this.ctx.db, after);
    if (restoreMs !== after.restoreMs) {
      await this.ctx.db.patch(id, { restoreMs });
      after = { ...after, restoreMs };
    }
    await this.counted(repo, before, after, id);
    const outcomeKey = (d: DeploymentRow | null) =>
      d?.production ? JSON.stringify([d.environment, outcomeOf(d) ?? null]) : "";
    if (outcomeKey(before) !== outcomeKey(after)) {
      // The run it left (another environment, or no longer production) changes as well as the one it joined.
      if (before?.production && (!after.production || before.environment !== after.environment))
        await this.refreshNextSuccess(repo, before);
      await this.refreshNextSuccess(repo, after);
    }
    const ships = (d: DeploymentRow | null) => (d?.production && d.succeededAt !== undefined ? d.succeededAt : null);
    if (ships(before) !== ships(after)) await this.shipped(repo, after);
  }

  /** The first success after `d` in its environment may start or stop ending a failure run. */
  private async refreshNextSuccess(repo: Repo, d: DeploymentRow) {
    const later = this.ctx.db
      .query("deployments")
      .withIndex("by_repo_production_environment_created", (q) =>
        q
          .eq("repositoryId", repo._id)
          .eq("production", true)
          .eq("environment", d.environment)
          .gt("createdAt", d.createdAt),
      );
    let next: Deployment | undefined;
    let seen = 0;
    for await (const e of later) {
      if (++seen > RUN_SCAN) break;
      if (outcomeOf(e)?.success) {
        next = e;
        break;
      }
    }
    if (!next) return;
    const restoreMs = await restoreOf(this.ctx.db, next);
    if (restoreMs === next.restoreMs) return;
    await this.ctx.db.patch(next._id, { restoreMs });
    await this.counted(repo, next, { ...next, restoreMs }, next._id);
  }

  /**
   * A production success appeared, moved or went: the PRs merged since the previous production
   * success (at most the horizon before this deployment's creation) may have it as their first.
   */
  private async shipped(repo: Repo, d: DeploymentRow) {
    const horizon = d.createdAt - DEPLOY_HORIZON_MS;
    let from = horizon;
    const earlier = this.ctx.db
      .query("deployments")
      .withIndex("by_repo_production_created", (q) =>
        q.eq("repositoryId", repo._id).eq("production", true).gte("createdAt", horizon).lt("createdAt", d.createdAt),
      )
      .order("desc");
    for await (const e of earlier) {
      if (e.succeededAt !== undefined) {
        from = e.createdAt;
        break;
      }
    }
    const to = d.createdAt;
    const prs = await this.ctx.db
      .query("pullRequests")
      .withIndex("by_repo_merged", (q) => q.eq("repositoryId", repo._id).gte("mergedAt", from).lte("mergedAt", to))
      .take(this.inlineBudget + 1);
    const inline = prs.slice(0, this.inlineBudget);
    for (const pr of inline) this.rederive(repo, pr._id);
    this.inlineBudget -= inline.length;
    if (prs.length > inline.length) {
      // The rest (from the last one taken: PRs merged in the same millisecond are re-derived twice, harmlessly).
      const resume = inline.at(-1)?.mergedAt ?? from;
      await this.ctx.scheduler.runAfter(0, internal.model.deploymentJobs.rederiveMerged, {
        repositoryId: repo._id,
        from: resume,
        to,
        cursor: null,
      });
    }
  }
}

/** The sync's question: which workflow's runs the repository counts (null: GitHub deployments), chosen when. */
export const deploymentSource = internalQuery({
  args: { repositoryId: v.id("repositories") },
  handler: async (ctx, { repositoryId }) => {
    const settings = await ctx.db
      .query("repositorySettings")
      .withIndex("by_repository", (q) => q.eq("repositoryId", repositoryId))
      .unique();
    return { workflow: settings?.deploymentWorkflow ?? null, changedAt: settings?.updatedAt ?? 0 };
  },
});

/** Whether the write path skips this record: a workflow run of a workflow the repository did not choose (never stored). */
export async function ignoredDeployment(db: DatabaseReader, repo: Repo, rec: DeploymentRecord): Promise<boolean> {
  if (rec.source !== "workflow_run") return false;
  const choice = await workflowChoice(db, repo._id);
  if (choice !== undefined && chosenWorkflow(choice, rec)) return false;
  const stored = await db
    .query("deployments")
    .withIndex("by_repo_source_github_id", (q) =>
      q.eq("repositoryId", repo._id).eq("source", "workflow_run").eq("githubId", rec.githubId),
    )
    .unique();
  return stored === null;
}

const RECOUNT_PAGE = 500;

/** `verifyAggregates`' deployment part: one page of a repository's deployments, their derived fields checked. */
export const checkDeploymentPage = internalQuery({
  args: { repositoryId: v.id("repositories"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, cursor }) => {
    const repo = (await ctx.db.get(repositoryId))!;
    const page = await ctx.db
      .query("deployments")
      .withIndex("by_repo_source_github_id", (q) => q.eq("repositoryId", repositoryId))
      .paginate({ numItems: RECOUNT_PAGE, cursor });
    const differences: string[] = [];
    for (const d of page.page) {
      const [production, restoreMs] = [await isProduction(ctx.db, repositoryId, d), await restoreOf(ctx.db, d)];
      const counted = countedAt({ ...d, production });
      if (production !== d.production || restoreMs !== d.restoreMs || counted !== d.countedAt) {
        differences.push(
          `${repo.fullName} deployment ${d.source} ${d.githubId}: stored production ${d.production} restore ${d.restoreMs} counted ${d.countedAt}, derived ${production} ${restoreMs} ${counted}`,
        );
      }
    }
    return { differences, isDone: page.isDone, continueCursor: page.continueCursor };
  },
});
