/**
 * Deployments in the read model (issue 14): which are production, when a production deployment
 * restores its environment, what they add to `deploymentDaily`, and which merged PRs they ship.
 *
 * The write path upserts the rows (`UPSERTS.deployment`) and calls `DeploymentEffects.changed` for
 * each change; like every derived figure, the buckets follow contribution(after) − contribution(before).
 *
 * A deployment's outcome: success when it ever succeeded (`succeededAt`, also after a later inactive
 * or a failure), else failure when it failed (`failedAt`), else none yet (pending, or inactive only).
 * DORA counts production deployments with an outcome, on the UTC day of that outcome.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import {
  internalMutation,
  internalQuery,
  type ActionCtx,
  type DatabaseReader,
  type MutationCtx,
} from "../_generated/server";
import { ALL_SCOPE, dayOf, HIST_BINS, histBin, PUBLIC_SCOPE, repositoryScope } from "./contribution";
import type { DeploymentRecord } from "./records";
import { withWritePath } from "./writePath";

/** Days after a merge within which a production deployment is taken to ship it (beyond: not deployed). */
const DEPLOY_HORIZON_MS = 30 * 86_400_000;

type Deployment = Doc<"deployments">;
type DeploymentRow = Omit<Deployment, "_id" | "_creationTime">;
type Repo = Doc<"repositories">;
type Db = MutationCtx["db"];

/** Merged PRs re-derived inside the transaction that changed a deployment; the rest in scheduled chunks. */
const INLINE_REDERIVE = 100;
const REDERIVE_CHUNK = 200;
/** Deployments looked at before or after one in its environment (a failure run longer than this is cut). */
const RUN_SCAN = 200;
/** Deployments reclassified per transaction after a repository's choice changed. */
const RECLASSIFY_CHUNK = 50;

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

/** A production deployment's `deploymentDaily` figures (null: it adds nothing). */
function deploymentContribution(
  d: Pick<DeploymentRow, "production" | "succeededAt" | "failedAt" | "restoreMs"> | null,
): { day: number; success: boolean; restoreBin?: number } | null {
  const outcome = d?.production ? outcomeOf(d) : undefined;
  if (!d || !outcome) return null;
  return {
    day: dayOf(outcome.at),
    success: outcome.success,
    ...(outcome.success && d.restoreMs !== undefined && { restoreBin: histBin(d.restoreMs) }),
  };
}

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

type DayDelta = { deployments: number; successes: number; failures: number; restoreHist: number[] };
const zeroDelta = (): DayDelta => ({
  deployments: 0,
  successes: 0,
  failures: 0,
  restoreHist: new Array<number>(HIST_BINS).fill(0),
});
const isZeroDelta = (d: DayDelta) =>
  d.deployments === 0 && d.successes === 0 && d.failures === 0 && d.restoreHist.every((x) => x === 0);

/** Add `sign × delta` to a scope's `deploymentDaily` document; returns where it is counted (the stored marker wins). */
async function addDeploymentDay(
  db: Db,
  installationId: Id<"installations">,
  scope: string,
  day: number,
  delta: DayDelta,
  sign: 1 | -1,
  inPublic?: boolean,
): Promise<boolean | undefined> {
  const doc = await db
    .query("deploymentDaily")
    .withIndex("by_installation_scope_day", (q) =>
      q.eq("installationId", installationId).eq("scope", scope).eq("day", day),
    )
    .unique();
  const base = doc ?? { ...zeroDelta(), inPublic };
  const next = {
    deployments: base.deployments + sign * delta.deployments,
    successes: base.successes + sign * delta.successes,
    failures: base.failures + sign * delta.failures,
    restoreHist: Array.from(
      { length: HIST_BINS },
      (_, i) => (base.restoreHist[i] ?? 0) + sign * (delta.restoreHist[i] ?? 0),
    ),
  };
  if (doc) await db.patch(doc._id, next);
  else
    await db.insert("deploymentDaily", {
      installationId,
      scope,
      day,
      ...next,
      ...(inPublic !== undefined && { inPublic }),
    });
  return base.inPublic;
}

/**
 * Move up to `budget` of a repository's `deploymentDaily` documents counted on the wrong side of
 * "public" (newest first) to `toPublic`; returns how many (fewer than `budget`: none left). Called by
 * `moveRepositoryBuckets` when the repository's privacy flips.
 */
export async function moveDeploymentDays(
  db: Db,
  installationId: Id<"installations">,
  repositoryId: Id<"repositories">,
  toPublic: boolean,
  budget: number,
): Promise<number> {
  const docs = await db
    .query("deploymentDaily")
    .withIndex("by_installation_scope_public_day", (q) =>
      q.eq("installationId", installationId).eq("scope", repositoryId).eq("inPublic", !toPublic),
    )
    .order("desc")
    .take(budget);
  for (const doc of docs) {
    await addDeploymentDay(db, installationId, PUBLIC_SCOPE, doc.day, doc, toPublic ? 1 : -1);
    await db.patch(doc._id, { inPublic: toPublic });
  }
  return docs.length;
}

/**
 * One write path's deployment effects: `deploymentDaily` deltas (written once per document at
 * `flush`), time to restore, and the merged PRs whose `deployedAt` a change moves (`rederive` marks
 * them for the write path's re-derivation at its flush).
 */
export class DeploymentEffects {
  private days = new Map<Id<"repositories">, { repo: Repo; days: Map<number, DayDelta> }>();
  private inlineBudget = INLINE_REDERIVE;

  constructor(
    private readonly ctx: MutationCtx,
    private readonly installationId: Id<"installations">,
    private readonly rederive: (repo: Repo, id: Id<"pullRequests">) => void,
  ) {}

  async changed(repo: Repo, id: Id<"deployments">, before: Deployment | null, row: DeploymentRow): Promise<void> {
    let after = row;
    const restoreMs = await restoreOf(this.ctx.db, after);
    if (restoreMs !== after.restoreMs) {
      await this.ctx.db.patch(id, { restoreMs });
      after = { ...after, restoreMs };
    }
    this.count(repo, before, after);
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

  /** The buckets follow contribution(after) − contribution(before). */
  private count(repo: Repo, before: DeploymentRow | null, after: DeploymentRow) {
    const [was, now] = [deploymentContribution(before), deploymentContribution(after)];
    if (JSON.stringify(was) === JSON.stringify(now)) return;
    for (const [c, sign] of [
      [was, -1],
      [now, 1],
    ] as const) {
      if (!c) continue;
      const entry = this.days.get(repo._id) ?? { repo, days: new Map<number, DayDelta>() };
      this.days.set(repo._id, entry);
      const d = entry.days.get(c.day) ?? zeroDelta();
      entry.days.set(c.day, d);
      d.deployments += sign;
      if (c.success) d.successes += sign;
      else d.failures += sign;
      if (c.restoreBin !== undefined) d.restoreHist[c.restoreBin]! += sign;
    }
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
    this.count(repo, next, { ...next, restoreMs });
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
      await this.ctx.scheduler.runAfter(0, internal.model.deployments.rederiveMerged, {
        repositoryId: repo._id,
        from: resume,
        to,
        cursor: null,
      });
    }
  }

  /** Write each touched `deploymentDaily` document: the repository's scope, then "public" (as it is counted) and "all". */
  async flush(): Promise<void> {
    const { db } = this.ctx;
    const groups = new Map<string, Map<number, DayDelta>>([
      [PUBLIC_SCOPE, new Map()],
      [ALL_SCOPE, new Map()],
    ]);
    const into = (scope: string, day: number, delta: DayDelta) => {
      const m = groups.get(scope)!;
      const acc = m.get(day) ?? zeroDelta();
      m.set(day, {
        deployments: acc.deployments + delta.deployments,
        successes: acc.successes + delta.successes,
        failures: acc.failures + delta.failures,
        restoreHist: acc.restoreHist.map((x, i) => x + (delta.restoreHist[i] ?? 0)),
      });
    };
    for (const [repoId, { days }] of this.days) {
      const repo = await db.get(repoId);
      if (!repo) continue;
      for (const [day, delta] of days) {
        if (isZeroDelta(delta)) continue;
        if (await addDeploymentDay(db, this.installationId, repositoryScope(repoId), day, delta, 1, !repo.private)) {
          into(PUBLIC_SCOPE, day, delta);
        }
        into(ALL_SCOPE, day, delta);
      }
    }
    for (const [scope, m] of groups) {
      for (const [day, delta] of m)
        if (!isZeroDelta(delta)) await addDeploymentDay(db, this.installationId, scope, day, delta, 1);
    }
    this.days.clear();
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

/** A chunk of the PRs merged in [from, to] of a repository re-derived (a deployment changed their first deployment). */
export const rederiveMerged = internalMutation({
  args: {
    repositoryId: v.id("repositories"),
    from: v.number(),
    to: v.number(),
    cursor: v.union(v.string(), v.null()),
  },
  handler: async (ctx, { repositoryId, from, to, cursor }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    const page = await ctx.db
      .query("pullRequests")
      .withIndex("by_repo_merged", (q) => q.eq("repositoryId", repositoryId).gte("mergedAt", from).lte("mergedAt", to))
      .paginate({ numItems: REDERIVE_CHUNK, cursor });
    await withWritePath(ctx, repo.installationId, async (w) => {
      for (const pr of page.page) w.rederive(repo, pr._id);
    });
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.model.deployments.rederiveMerged, {
        repositoryId,
        from,
        to,
        cursor: page.continueCursor,
      });
    }
  },
});

/** A stored deployment as the record it came from (re-applied to re-evaluate what depends on the repository's choice). */
function recordOf(d: Deployment, repoGithubId: number): DeploymentRecord {
  const { _id, _creationTime, installationId, repositoryId, production, restoreMs, countedAt: _counted, ...fields } = d;
  return { ...fields, repoGithubId };
}

/**
 * After a repository's deployment source changed: a chunk of its stored deployments re-applied through
 * the write path (production flips, buckets and restores follow, shipped PRs are re-derived); reschedules itself.
 */
export const reclassifyDeployments = internalMutation({
  args: { repositoryId: v.id("repositories"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, cursor }) => {
    const repo = await ctx.db.get(repositoryId);
    if (!repo) return;
    const page = await ctx.db
      .query("deployments")
      .withIndex("by_repo_source_github_id", (q) => q.eq("repositoryId", repositoryId))
      .paginate({ numItems: RECLASSIFY_CHUNK, cursor });
    await withWritePath(ctx, repo.installationId, (w) =>
      w.applyAll(page.page.map((d) => ({ kind: "deployment" as const, record: recordOf(d, repo.githubId) }))),
    );
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.model.deployments.reclassifyDeployments, {
        repositoryId,
        cursor: page.continueCursor,
      });
    }
  },
});

/** Start re-evaluating a repository's stored deployments (its deployment source changed). */
export async function scheduleReclassify(ctx: MutationCtx, repositoryId: Id<"repositories">) {
  await ctx.scheduler.runAfter(0, internal.model.deployments.reclassifyDeployments, { repositoryId, cursor: null });
}

type DayFigures = { day: number } & DayDelta;
const RECOUNT_PAGE = 500;

/** One page of a repository's deployments recounted: stored derived fields checked, contributions summed by day. */
export const recountDeploymentPage = internalQuery({
  args: { repositoryId: v.id("repositories"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, cursor }) => {
    const repo = (await ctx.db.get(repositoryId))!;
    const page = await ctx.db
      .query("deployments")
      .withIndex("by_repo_source_github_id", (q) => q.eq("repositoryId", repositoryId))
      .paginate({ numItems: RECOUNT_PAGE, cursor });
    const differences: string[] = [];
    const days = new Map<number, DayFigures>();
    for (const d of page.page) {
      const [production, restoreMs] = [await isProduction(ctx.db, repositoryId, d), await restoreOf(ctx.db, d)];
      const counted = countedAt({ ...d, production });
      if (production !== d.production || restoreMs !== d.restoreMs || counted !== d.countedAt) {
        differences.push(
          `${repo.fullName} deployment ${d.source} ${d.githubId}: stored production ${d.production} restore ${d.restoreMs} counted ${d.countedAt}, derived ${production} ${restoreMs} ${counted}`,
        );
      }
      const c = deploymentContribution(d);
      if (!c) continue;
      const f = days.get(c.day) ?? { day: c.day, ...zeroDelta() };
      days.set(c.day, f);
      f.deployments += 1;
      if (c.success) f.successes += 1;
      else f.failures += 1;
      if (c.restoreBin !== undefined) f.restoreHist[c.restoreBin]! += 1;
    }
    return {
      fullName: repo.fullName,
      private: repo.private,
      differences,
      days: [...days.values()],
      isDone: page.isDone,
      continueCursor: page.continueCursor,
    };
  },
});

/** One page of a scope's stored `deploymentDaily` documents. */
export const storedDeploymentDays = internalQuery({
  args: { installationId: v.id("installations"), scope: v.string(), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { installationId, scope, cursor }) => {
    const page = await ctx.db
      .query("deploymentDaily")
      .withIndex("by_installation_scope_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
      .paginate({ numItems: RECOUNT_PAGE, cursor });
    return {
      days: page.page.map(({ day, deployments, successes, failures, restoreHist, inPublic }) => ({
        day,
        deployments,
        successes,
        failures,
        restoreHist,
        inPublic,
      })),
      isDone: page.isDone,
      continueCursor: page.continueCursor,
    };
  },
});

/**
 * `verifyAggregates`' deployment part: each repository's deployments recounted against its own
 * `deploymentDaily` scope, and the sums against "public" (public repositories) and "all".
 */
export async function verifyDeployments(
  ctx: ActionCtx,
  installationId: Id<"installations">,
  repositoryIds: Id<"repositories">[],
): Promise<string[]> {
  const differences: string[] = [];
  const key = (f: DayDelta) => JSON.stringify([f.deployments, f.successes, f.failures, f.restoreHist]);
  const add = (m: Map<number, DayDelta>, f: DayFigures) => {
    const acc = m.get(f.day) ?? zeroDelta();
    m.set(f.day, {
      deployments: acc.deployments + f.deployments,
      successes: acc.successes + f.successes,
      failures: acc.failures + f.failures,
      restoreHist: acc.restoreHist.map((x, i) => x + (f.restoreHist[i] ?? 0)),
    });
  };
  const stored = async (scope: string) => {
    const out = new Map<number, DayDelta & { inPublic?: boolean }>();
    for (let cursor: string | null = null, done = false; !done;) {
      const page: { days: Array<DayFigures & { inPublic?: boolean }>; isDone: boolean; continueCursor: string } =
        await ctx.runQuery(internal.model.deployments.storedDeploymentDays, { installationId, scope, cursor });
      for (const d of page.days)
        out.set(d.day, { ...d, restoreHist: zeroDelta().restoreHist.map((_, i) => d.restoreHist[i] ?? 0) });
      [cursor, done] = [page.continueCursor, page.isDone];
    }
    return out;
  };
  const check = (label: string, recount: Map<number, DayDelta>, have: Map<number, DayDelta>) => {
    for (const day of new Set([...recount.keys(), ...have.keys()])) {
      const [want, got] = [recount.get(day) ?? zeroDelta(), have.get(day) ?? zeroDelta()];
      if (key(want) !== key(got))
        differences.push(`${label} deployment day ${day}: stored ${key(got)}, recount ${key(want)}`);
    }
  };
  const [publicDays, allDays] = [new Map<number, DayDelta>(), new Map<number, DayDelta>()];
  for (const repositoryId of repositoryIds) {
    const own = new Map<number, DayDelta>();
    let repo = { fullName: String(repositoryId), private: false };
    for (let cursor: string | null = null, done = false; !done;) {
      const page: {
        fullName: string;
        private: boolean;
        differences: string[];
        days: DayFigures[];
        isDone: boolean;
        continueCursor: string;
      } = await ctx.runQuery(internal.model.deployments.recountDeploymentPage, { repositoryId, cursor });
      repo = page;
      differences.push(...page.differences);
      for (const f of page.days) add(own, f);
      [cursor, done] = [page.continueCursor, page.isDone];
    }
    const have = await stored(repositoryScope(repositoryId));
    check(`${repo.fullName} scope`, own, have);
    for (const [day, d] of have) {
      if (d.inPublic === repo.private)
        differences.push(
          `${repo.fullName} scope deployment day ${day}: counted on the wrong side of "public" (move pending)`,
        );
    }
    for (const [day, f] of own) {
      add(allDays, { day, ...f });
      if (!repo.private) add(publicDays, { day, ...f });
    }
  }
  check("public", publicDays, await stored(PUBLIC_SCOPE));
  check("all", allDays, await stored(ALL_SCOPE));
  return differences;
}
