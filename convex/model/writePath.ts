/**
 * The single write path of the read model. Every base-table write goes through a `WritePath`, which
 * (1) upserts by GitHub id through the table-driven `upsert`, (2) never lets an older GitHub version
 * overwrite a newer one, and (3) in the same transaction keeps PR health, open counters, activity
 * events and every declared day-bucketed figure (the metrics engine) equal to a recount (`verify.ts`).
 *
 * Usage: `await withWritePath(ctx, installationId, (w) => w.applyAll(records))` — opens, applies and
 * always flushes. Callers never open or flush a write path by hand.
 */
import type { Doc, Id } from "../_generated/dataModel";
import { newActivity, type ActivityDraft, type ActivitySource } from "./activity";
import type { Change, WriteCtx, WriteListener } from "./changes";
import { addCounts, issueOpenCounts, pullRequestOpenCounts, ZERO_OPEN } from "./contribution";
import { DeploymentEffects, ignoredDeployment } from "./deployments";
import { DerivedDeltas } from "./derived";
import { derivePullRequest } from "./derivePullRequest";
import { syncReviewRequests } from "./reviewRequests";
import type { AnyRecord, DeletionRecord } from "./records";
import { RepositorySet, type Unwritable } from "./repositories";
import { differs, upsert, UPSERTS, type BaseTable, type Row, type UpsertSpec } from "./upsert";

type WriteOutcome = "inserted" | "updated" | "unchanged" | "stale" | Unwritable;
type Tally = Partial<Record<WriteOutcome, number>>;

type Repo = Doc<"repositories">;

/** Open a write path on the installation, run `fn`, then flush every derived figure it moved. */
export async function withWritePath<T>(
  ctx: WriteCtx,
  installationId: Id<"installations">,
  fn: (w: WritePath) => Promise<T>,
): Promise<T> {
  const installation = await ctx.db.get(installationId);
  if (!installation) throw new Error(`installation ${installationId} not found`);
  const listeners = await Promise.all(ctx.listeners.map((open) => open(ctx, installation)));
  const w = new WritePath(ctx, installation, listeners);
  const result = await fn(w);
  await w.flush();
  return result;
}

class WritePath {
  /** What is open now: counters and outstanding requests. */
  private readonly derived: DerivedDeltas;
  readonly repositories: RepositorySet;
  /** PRs whose reviews or head-commit CI changed: re-derived once each at flush, however many records touched them. */
  private readonly staleDerivations = new Map<Id<"pullRequests">, Repo>();
  /** Time to restore, and the merged PRs production deployments ship. */
  private readonly deployments: DeploymentEffects;

  constructor(
    private readonly ctx: WriteCtx,
    readonly installation: Doc<"installations">,
    /** The rooms that react to base documents changing (convex/functions.ts: metrics, alerts). */
    private readonly listeners: readonly WriteListener[],
  ) {
    this.derived = new DerivedDeltas(ctx, installation._id);
    this.deployments = new DeploymentEffects(
      ctx,
      (repo, before, after, id) => this.emit({ table: "deployments", repositoryId: repo._id, id, before, after }),
      (repo, id) => this.rederive(repo, id),
    );
    this.repositories = new RepositorySet(ctx, installation, this.derived);
  }

  private async emit(change: Change) {
    for (const l of this.listeners) await l.changed(change);
  }

  /** Re-derive touched PRs, then write every counter touched since the last flush. */
  async flush(): Promise<void> {
    for (const [id, repo] of this.staleDerivations) {
      const pr = await this.ctx.db.get(id);
      if (pr) await this.refreshPullRequest(repo, pr);
    }
    this.staleDerivations.clear();
    for (const flip of await this.derived.flush()) await this.emit({ table: "repositories", ...flip });
    for (const l of this.listeners) await l.flush();
  }

  /** Re-derive a stored PR at flush (a deployment may have changed its `deployedAt`). */
  rederive(repo: Repo, id: Id<"pullRequests">) {
    this.staleDerivations.set(id, repo);
  }

  async applyAll(items: AnyRecord[]): Promise<Tally> {
    const tally: Tally = {};
    for (const item of items) {
      const outcome = await this.apply(item);
      tally[outcome] = (tally[outcome] ?? 0) + 1;
    }
    return tally;
  }

  async apply(item: AnyRecord): Promise<WriteOutcome> {
    const repo = await this.repositories.target(item.record.repoGithubId);
    if (typeof repo === "string") return repo;
    const scope = { installationId: this.installation._id, repositoryId: repo._id };
    switch (item.kind) {
      case "pullRequest":
        return this.write(repo, UPSERTS.pullRequest, item.record, async (before, after, id) => {
          await this.pullRequestChanged(repo, id, before, after);
          return { kind: "pullRequest", doc: after };
        });
      case "review":
        return this.write(repo, UPSERTS.review, item.record, async (_before, after) => {
          await this.pullRequestsByNumber(repo, after.prNumber);
          return { kind: "review", doc: after };
        });
      case "ci":
        return this.write(repo, UPSERTS.ci, item.record, async (before, after, id) => {
          await this.emit({ table: "ciResults", repositoryId: repo._id, id, before, after });
          // Linked by head SHA, not by the payload's PR list (empty for pushes from forks).
          const prs = await this.ctx.db
            .query("pullRequests")
            .withIndex("by_repo_head_sha", (q) => q.eq("repositoryId", scope.repositoryId).eq("headSha", after.sha))
            .collect();
          for (const pr of prs) this.staleDerivations.set(pr._id, repo);
          return null;
        });
      case "issue":
        return this.write(repo, UPSERTS.issue, item.record, (before, after) => {
          this.derived.open(repo, addCounts(issueOpenCounts(after), issueOpenCounts(before), -1));
          return { kind: "issue", doc: after };
        });
      case "commit":
        return this.write(repo, UPSERTS.commit, item.record, (_before, after) => ({
          kind: "commit",
          doc: after,
          repoGithubId: repo.githubId,
        }));
      case "comment":
        return this.write(repo, UPSERTS.comment, item.record, (_before, after) => ({ kind: "comment", doc: after }));
      case "deletion":
        return this.applyDeletion(repo, item.record);
      case "deployment":
        if (await ignoredDeployment(this.ctx.db, repo, item.record)) return "unchanged";
        return this.write(repo, UPSERTS.deployment, item.record, async (before, after, id) => {
          await this.deployments.changed(repo, id, before, after);
          return null;
        });
    }
  }

  /**
   * Upsert one record; when it changed, apply its derived effects (`effects` returns what activity
   * source the new version is) and record the activity it newly implies.
   */
  private async write<T extends BaseTable, R>(
    repo: Repo,
    spec: UpsertSpec<T, R>,
    rec: R,
    effects: (
      before: Doc<T> | null,
      after: Row<T>,
      id: Id<T>,
    ) => ActivitySource | null | Promise<ActivitySource | null>,
  ): Promise<WriteOutcome> {
    const scope = { installationId: this.installation._id, repositoryId: repo._id };
    const result = await upsert(this.ctx.db, spec, scope, rec);
    if (!("after" in result)) return result.outcome;
    const after = await effects(result.before, result.after, result.id);
    if (after) {
      const before = result.before ? ({ ...after, doc: result.before } as unknown as ActivitySource) : null;
      for (const event of newActivity(before, after)) await this.recordActivity(repo, event);
    }
    return result.outcome;
  }

  private async pullRequestsByNumber(repo: Repo, prNumber: number) {
    const pr = await this.ctx.db
      .query("pullRequests")
      .withIndex("by_repo_number", (q) => q.eq("repositoryId", repo._id).eq("number", prNumber))
      .unique();
    if (pr) this.staleDerivations.set(pr._id, repo);
  }

  /** Re-derive a stored PR after one of its reviews or CI results changed. */
  private async refreshPullRequest(repo: Repo, pr: Doc<"pullRequests">) {
    const derived = await derivePullRequest(this.ctx.db, repo._id, pr);
    if (!differs(pr, derived)) return;
    await this.ctx.db.patch(pr._id, derived);
    await this.pullRequestChanged(repo, pr._id, pr, { ...pr, ...derived });
  }

  /**
   * Open counters and day buckets follow `contribution(after) − contribution(before)`; the PR's
   * outstanding review requests (the inbox's rows, counted per reviewer) follow its turn.
   */
  private async pullRequestChanged(
    repo: Repo,
    id: Id<"pullRequests">,
    before: Doc<"pullRequests"> | null,
    after: Row<"pullRequests">,
  ) {
    await syncReviewRequests(this.ctx, { id, ...after }, before, (reviewer, delta) =>
      this.derived.openRequest(repo, reviewer, delta),
    );
    this.derived.open(repo, addCounts(pullRequestOpenCounts(after), pullRequestOpenCounts(before), -1));
    await this.emit({ table: "pullRequests", repositoryId: repo._id, id, before, after });
  }

  private async applyDeletion(repo: Repo, rec: DeletionRecord): Promise<WriteOutcome> {
    const table = rec.entity === "issue" ? "issues" : "comments";
    const existing = await this.ctx.db
      .query(table)
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", repo._id).eq("githubId", rec.githubId))
      .unique();
    if (!existing || existing.deleted) return "unchanged";
    await this.ctx.db.patch(existing._id, { deleted: true });
    if (rec.entity === "issue") {
      this.derived.open(repo, addCounts(ZERO_OPEN, issueOpenCounts(existing as Doc<"issues">), -1));
    }
    return "updated";
  }

  /** Insert an activity event once per idempotency key and count it in the day buckets. */
  private async recordActivity(repo: Repo, e: ActivityDraft): Promise<void> {
    const seen = await this.ctx.db
      .query("activityEvents")
      .withIndex("by_repo_key", (q) => q.eq("repositoryId", repo._id).eq("key", e.key))
      .first();
    if (seen) return;
    // A review or comment is named by its pull request's title, read once here rather than per row shown.
    const about =
      e.aboutNumber === undefined
        ? null
        : await this.ctx.db
            .query("pullRequests")
            .withIndex("by_repo_number", (q) => q.eq("repositoryId", repo._id).eq("number", e.aboutNumber!))
            .first();
    const event = {
      installationId: this.installation._id,
      repositoryId: repo._id,
      key: e.key,
      type: e.type,
      actorLogin: e.actor,
      occurredAt: e.at,
      url: e.url,
      ...(about ? { title: `${about.title} (#${about.number})` } : e.title !== undefined && { title: e.title }),
      ...(e.verdict !== undefined && { verdict: e.verdict }),
    };
    const id = await this.ctx.db.insert("activityEvents", event);
    await this.emit({ table: "activityEvents", repositoryId: repo._id, id, before: null, after: event });
  }
}
