/**
 * The single write path of the read model. Every base-table write goes through a `WritePath`,
 * which (1) upserts by GitHub id, (2) lets an older GitHub version never overwrite a newer one
 * (`updatedAt` = GitHub's `updated_at`), and (3) in the same transaction keeps PR health,
 * open counters, activity events and daily buckets equal to a recount (see `verify.ts`).
 *
 * Usage: `const w = await WritePath.open(ctx, installationId); …; await w.flush();`
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader, MutationCtx } from "../_generated/server";
import {
  addCounts,
  dayOf,
  issueOpenCounts,
  pullRequestDurations,
  pullRequestOpenCounts,
  ZERO_OPEN,
  type ActivityType,
} from "./contribution";
import { DerivedDeltas } from "./derived";
import { computeHealth, summarizeChecks, summarizeReviews } from "./health";
import type {
  AnyRecord,
  CiRecord,
  CommentRecord,
  CommitRecord,
  DeletionRecord,
  IssueRecord,
  PullRequestRecord,
  RepositoryRecord,
  RepositoryRef,
  ReviewRecord,
} from "./records";

export type WriteOutcome =
  "inserted" | "updated" | "unchanged" | "stale" | "unknown_repository" | "repository_removed" | "installation_deleted";

type Repo = Doc<"repositories">;

export class WritePath {
  private readonly derived: DerivedDeltas;
  private readonly repos = new Map<number, Repo | null>();
  /** PRs whose reviews or head-commit CI changed: re-derived once each at flush, however many records touched them. */
  private readonly staleDerivations = new Map<Id<"pullRequests">, Repo>();

  private constructor(
    private readonly ctx: MutationCtx,
    readonly installation: Doc<"installations">,
  ) {
    this.derived = new DerivedDeltas(ctx, installation._id);
  }

  static async open(ctx: MutationCtx, installationId: Id<"installations">): Promise<WritePath> {
    const installation = await ctx.db.get(installationId);
    if (!installation) throw new Error(`installation ${installationId} not found`);
    return new WritePath(ctx, installation);
  }

  /** Re-derive touched PRs, then write every counter touched since the last flush. Call once at the end of the mutation. */
  async flush(): Promise<void> {
    for (const [id, repo] of this.staleDerivations) {
      const pr = await this.ctx.db.get(id);
      if (pr) await this.refreshPullRequest(repo, pr);
    }
    this.staleDerivations.clear();
    await this.derived.flush();
  }

  // ---------------------------------------------------------------- repositories

  /**
   * Record repositories as part of the installation (install, repos added, sync listing): inserts
   * new ones, makes removed ones visible again (their counts rejoin the installation totals).
   */
  async addRepositories(repos: Array<RepositoryRecord | RepositoryRef>): Promise<Repo[]> {
    const out: Repo[] = [];
    for (const rec of repos) {
      const repo = await this.writeRepository(rec, { restore: true });
      if (repo) out.push(repo);
    }
    return out;
  }

  /** Update a repository's own fields from an activity payload; never un-hides a removed one. */
  async upsertRepository(rec: RepositoryRecord): Promise<Repo | null> {
    return this.writeRepository(rec, { restore: false });
  }

  /** Hide repositories removed from the installation (or deleted); their counts leave the totals. */
  async removeRepositories(githubIds: number[]): Promise<void> {
    for (const githubId of githubIds) {
      const repo = await this.repository(githubId);
      if (!repo || repo.removed) continue;
      this.derived.shard(repo.githubId, -1, addCounts(ZERO_OPEN, repo.stats, -1));
      await this.ctx.db.patch(repo._id, { removed: true });
      this.repos.set(githubId, { ...repo, removed: true });
    }
  }

  private async writeRepository(
    rec: RepositoryRecord | RepositoryRef,
    opts: { restore: boolean },
  ): Promise<Repo | null> {
    if (this.installation.status === "deleted") return null;
    const existing = await this.repository(rec.githubId);
    const full = "defaultBranch" in rec ? rec : null;
    const fields = {
      name: rec.name,
      fullName: rec.fullName,
      private: rec.private,
      ...(full && {
        ownerLogin: full.ownerLogin,
        defaultBranch: full.defaultBranch,
        archived: full.archived,
        htmlUrl: full.htmlUrl,
        ...(full.updatedAt !== undefined && { githubUpdatedAt: full.updatedAt }),
        ...(full.pushedAt !== undefined && { pushedAt: full.pushedAt }),
      }),
    };
    if (!existing) {
      const [owner = ""] = rec.fullName.split("/");
      const doc = {
        installationId: this.installation._id,
        githubId: rec.githubId,
        ownerLogin: owner,
        defaultBranch: "main",
        archived: false,
        htmlUrl: `https://github.com/${rec.fullName}`,
        ...fields,
        removed: false,
        syncStatus: "processing" as const,
        stats: ZERO_OPEN,
      };
      const id = await this.ctx.db.insert("repositories", doc);
      this.derived.shard(rec.githubId, 1, ZERO_OPEN);
      return this.cache((await this.ctx.db.get(id))!);
    }
    // Newer-wins on the repository's own fields when both sides carry GitHub's updated_at.
    const stale =
      full?.updatedAt !== undefined &&
      existing.githubUpdatedAt !== undefined &&
      full.updatedAt < existing.githubUpdatedAt;
    const restore = opts.restore && existing.removed;
    const patch = {
      ...(stale ? {} : fields),
      ...(restore && { removed: false }),
    };
    if (restore) this.derived.shard(existing.githubId, 1, existing.stats);
    if (Object.keys(patch).length === 0 || !differs(existing, patch)) return existing;
    await this.ctx.db.patch(existing._id, patch);
    return this.cache((await this.ctx.db.get(existing._id))!);
  }

  private async repository(githubId: number): Promise<Repo | null> {
    if (!this.repos.has(githubId)) {
      const repo = await this.ctx.db
        .query("repositories")
        .withIndex("by_installation_github_id", (q) =>
          q.eq("installationId", this.installation._id).eq("githubId", githubId),
        )
        .unique();
      this.repos.set(githubId, repo);
    }
    return this.repos.get(githubId) ?? null;
  }

  private cache(repo: Repo): Repo {
    this.repos.set(repo.githubId, repo);
    return repo;
  }

  /** The repository a record belongs to, if this installation may write to it. */
  private async target(repoGithubId: number): Promise<Repo | Exclude<WriteOutcome, "inserted" | "updated">> {
    if (this.installation.status === "deleted") return "installation_deleted";
    const repo = await this.repository(repoGithubId);
    if (!repo) return "unknown_repository";
    if (repo.removed) return "repository_removed";
    return repo;
  }

  // ---------------------------------------------------------------- records

  async apply(item: AnyRecord): Promise<WriteOutcome> {
    const repo = await this.target(item.record.repoGithubId);
    if (typeof repo === "string") return repo;
    switch (item.kind) {
      case "pullRequest":
        return this.upsertPullRequest(repo, item.record);
      case "review":
        return this.upsertReview(repo, item.record);
      case "ci":
        return this.upsertCi(repo, item.record);
      case "issue":
        return this.upsertIssue(repo, item.record);
      case "commit":
        return this.upsertCommit(repo, item.record);
      case "comment":
        return this.upsertComment(repo, item.record);
      case "deletion":
        return this.applyDeletion(repo, item.record);
    }
  }

  async applyAll(items: AnyRecord[]): Promise<Record<WriteOutcome, number>> {
    const tally = {} as Record<WriteOutcome, number>;
    for (const item of items) {
      const outcome = await this.apply(item);
      tally[outcome] = (tally[outcome] ?? 0) + 1;
    }
    return tally;
  }

  private async upsertPullRequest(repo: Repo, rec: PullRequestRecord): Promise<WriteOutcome> {
    const existing = await this.ctx.db
      .query("pullRequests")
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", repo._id).eq("githubId", rec.githubId))
      .unique();
    if (existing && existing.updatedAt > rec.updatedAt) return "stale";
    const { repoGithubId: _, ...fields } = rec;
    // GitHub computes mergeability lazily: keep what we knew while the head commit is the same.
    const mergeable =
      rec.mergeable === "unknown" && existing?.headSha === rec.headSha ? existing.mergeable : rec.mergeable;
    const base = {
      installationId: this.installation._id,
      repositoryId: repo._id,
      closedAt: undefined,
      mergedAt: undefined,
      ...fields,
      mergeable,
    };
    const next = { ...base, ...(await this.derivePullRequest(repo, base)) };
    if (existing && !differs(existing, next)) return "unchanged";
    if (existing) await this.ctx.db.patch(existing._id, next);
    else await this.ctx.db.insert("pullRequests", next);
    await this.pullRequestChanged(repo, existing, next);
    return existing ? "updated" : "inserted";
  }

  private derivePullRequest(repo: Repo, pr: DerivationInput) {
    return derivePullRequest(this.ctx.db, repo._id, pr);
  }

  /** Re-derive a stored PR after one of its reviews or CI results changed. */
  private async refreshPullRequest(repo: Repo, pr: Doc<"pullRequests">) {
    const derived = await this.derivePullRequest(repo, pr);
    if (!differs(pr, derived)) return;
    await this.ctx.db.patch(pr._id, derived);
    await this.pullRequestChanged(repo, pr, { ...pr, ...derived });
  }

  private async pullRequestChanged(
    repo: Repo,
    before: Doc<"pullRequests"> | null,
    after: Omit<Doc<"pullRequests">, "_id" | "_creationTime">,
  ) {
    this.derived.open(repo, addCounts(pullRequestOpenCounts(after), pullRequestOpenCounts(before), -1));
    const [was, now] = [pullRequestDurations(before), pullRequestDurations(after)];
    for (const kind of ["firstReview", "merge"] as const) {
      const hist = kind === "merge" ? "mergeHist" : "firstReviewHist";
      const [a, b] = [was[kind], now[kind]];
      if (a?.day === b?.day && a?.bin === b?.bin) continue;
      if (a) this.derived.histogram(hist, a, -1);
      if (b) this.derived.histogram(hist, b, 1);
    }
    const event = { repo, actor: after.authorLogin, url: after.url, title: after.title };
    await this.recordActivity({ ...event, type: "pr_opened", key: `pr_opened:${after.githubId}`, at: after.createdAt });
    if (after.state === "merged" && after.mergedAt !== undefined) {
      await this.recordActivity({
        ...event,
        type: "pr_merged",
        key: `pr_merged:${after.githubId}`,
        at: after.mergedAt,
      });
    }
    if (after.state === "closed" && after.closedAt !== undefined) {
      const key = `pr_closed:${after.githubId}:${after.closedAt}`;
      await this.recordActivity({ ...event, type: "pr_closed", key, at: after.closedAt });
    }
  }

  private async upsertReview(repo: Repo, rec: ReviewRecord): Promise<WriteOutcome> {
    const existing = await this.ctx.db
      .query("reviews")
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", repo._id).eq("githubId", rec.githubId))
      .unique();
    // A review only moves forward: pending → submitted → dismissed.
    const rank = (s: ReviewRecord["state"]) => (s === "pending" ? 0 : s === "dismissed" ? 2 : 1);
    if (existing && rank(existing.state) > rank(rec.state)) return "stale";
    const { repoGithubId: _, ...fields } = rec;
    const next = { installationId: this.installation._id, repositoryId: repo._id, submittedAt: undefined, ...fields };
    if (existing && !differs(existing, next)) return "unchanged";
    if (existing) await this.ctx.db.patch(existing._id, next);
    else await this.ctx.db.insert("reviews", next);
    if (rec.state !== "pending" && rec.submittedAt !== undefined) {
      await this.recordActivity({
        repo,
        type: "review_submitted",
        key: `review_submitted:${rec.githubId}`,
        at: rec.submittedAt,
        actor: rec.authorLogin,
        url: rec.url,
        title: `#${rec.prNumber}`,
      });
    }
    const pr = await this.ctx.db
      .query("pullRequests")
      .withIndex("by_repo_number", (q) => q.eq("repositoryId", repo._id).eq("number", rec.prNumber))
      .unique();
    if (pr) this.staleDerivations.set(pr._id, repo);
    return existing ? "updated" : "inserted";
  }

  private async upsertCi(repo: Repo, rec: CiRecord): Promise<WriteOutcome> {
    const existing = await this.ctx.db
      .query("ciResults")
      .withIndex("by_repo_sha_name", (q) =>
        q.eq("repositoryId", repo._id).eq("sha", rec.sha).eq("kind", rec.kind).eq("name", rec.name),
      )
      .unique();
    if (existing && existing.updatedAt > rec.updatedAt) return "stale";
    const { repoGithubId: _, ...fields } = rec;
    const next = { installationId: this.installation._id, repositoryId: repo._id, url: undefined, ...fields };
    if (existing && !differs(existing, next)) return "unchanged";
    if (existing) await this.ctx.db.patch(existing._id, next);
    else await this.ctx.db.insert("ciResults", next);
    // Linked by head SHA, not by the payload's PR list (empty for pushes from forks).
    const prs = await this.ctx.db
      .query("pullRequests")
      .withIndex("by_repo_head_sha", (q) => q.eq("repositoryId", repo._id).eq("headSha", rec.sha))
      .collect();
    for (const pr of prs) this.staleDerivations.set(pr._id, repo);
    return existing ? "updated" : "inserted";
  }

  private async upsertIssue(repo: Repo, rec: IssueRecord): Promise<WriteOutcome> {
    const existing = await this.ctx.db
      .query("issues")
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", repo._id).eq("githubId", rec.githubId))
      .unique();
    if (existing && (existing.deleted || existing.updatedAt > rec.updatedAt)) return "stale";
    const { repoGithubId: _, ...fields } = rec;
    const next = {
      installationId: this.installation._id,
      repositoryId: repo._id,
      closedAt: undefined,
      ...fields,
      deleted: false,
    };
    if (existing && !differs(existing, next)) return "unchanged";
    if (existing) await this.ctx.db.patch(existing._id, next);
    else await this.ctx.db.insert("issues", next);
    this.derived.open(repo, addCounts(issueOpenCounts(next), issueOpenCounts(existing), -1));
    const event = { repo, actor: rec.authorLogin, url: rec.url, title: rec.title };
    await this.recordActivity({
      ...event,
      type: "issue_opened",
      key: `issue_opened:${rec.githubId}`,
      at: rec.createdAt,
    });
    if (rec.state === "closed" && rec.closedAt !== undefined) {
      const key = `issue_closed:${rec.githubId}:${rec.closedAt}`;
      await this.recordActivity({ ...event, type: "issue_closed", key, at: rec.closedAt });
    }
    return existing ? "updated" : "inserted";
  }

  private async upsertCommit(repo: Repo, rec: CommitRecord): Promise<WriteOutcome> {
    const existing = await this.ctx.db
      .query("commits")
      .withIndex("by_repo_sha", (q) => q.eq("repositoryId", repo._id).eq("sha", rec.sha))
      .unique();
    if (existing) return "unchanged"; // a commit never changes
    const { repoGithubId: _, ...fields } = rec;
    await this.ctx.db.insert("commits", { installationId: this.installation._id, repositoryId: repo._id, ...fields });
    await this.recordActivity({
      repo,
      type: "commit_pushed",
      key: `commit_pushed:${repo.githubId}:${rec.sha}`,
      at: rec.committedAt,
      actor: rec.authorLogin,
      url: rec.url,
      title: rec.message,
    });
    return "inserted";
  }

  private async upsertComment(repo: Repo, rec: CommentRecord): Promise<WriteOutcome> {
    const existing = await this.ctx.db
      .query("comments")
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", repo._id).eq("githubId", rec.githubId))
      .unique();
    if (existing && (existing.deleted || existing.updatedAt > rec.updatedAt)) return "stale";
    const { repoGithubId: _, ...fields } = rec;
    const next = { installationId: this.installation._id, repositoryId: repo._id, ...fields, deleted: false };
    if (existing && !differs(existing, next)) return "unchanged";
    if (existing) await this.ctx.db.patch(existing._id, next);
    else await this.ctx.db.insert("comments", next);
    await this.recordActivity({
      repo,
      type: "comment_created",
      key: `comment_created:${rec.githubId}`,
      at: rec.createdAt,
      actor: rec.authorLogin,
      url: rec.url,
      title: `#${rec.issueNumber}`,
    });
    return existing ? "updated" : "inserted";
  }

  private async applyDeletion(repo: Repo, rec: DeletionRecord): Promise<WriteOutcome> {
    const table = rec.entity === "issue" ? "issues" : "comments";
    const existing = await this.ctx.db
      .query(table)
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", repo._id).eq("githubId", rec.githubId))
      .unique();
    if (!existing || existing.deleted || existing.repositoryId !== repo._id) return "unchanged";
    await this.ctx.db.patch(existing._id, { deleted: true });
    if (rec.entity === "issue") {
      this.derived.open(repo, addCounts(ZERO_OPEN, issueOpenCounts(existing as Doc<"issues">), -1));
    }
    return "updated";
  }

  /** Insert an activity event once per idempotency key and count it in the day buckets. */
  private async recordActivity(e: {
    repo: Repo;
    type: ActivityType;
    key: string;
    at: number;
    actor: string;
    url: string;
    title?: string;
  }): Promise<void> {
    const seen = await this.ctx.db
      .query("activityEvents")
      .withIndex("by_repo_key", (q) => q.eq("repositoryId", e.repo._id).eq("key", e.key))
      .first();
    if (seen) return;
    await this.ctx.db.insert("activityEvents", {
      installationId: this.installation._id,
      repositoryId: e.repo._id,
      key: e.key,
      type: e.type,
      actorLogin: e.actor,
      occurredAt: e.at,
      url: e.url,
      ...(e.title !== undefined && { title: e.title }),
    });
    this.derived.activity(e.type, dayOf(e.at), e.actor);
  }
}

type DerivationInput = Pick<
  Doc<"pullRequests">,
  "number" | "headSha" | "requestedReviewers" | "authorLogin" | "draft" | "mergeable"
>;

/** A PR's derived fields (checks, review, health) from its reviews and head-commit CI results. */
export async function derivePullRequest(db: DatabaseReader, repositoryId: Id<"repositories">, pr: DerivationInput) {
  const [reviews, ci] = await Promise.all([
    db
      .query("reviews")
      .withIndex("by_repo_pr", (q) => q.eq("repositoryId", repositoryId).eq("prNumber", pr.number))
      .collect(),
    db
      .query("ciResults")
      .withIndex("by_repo_sha_name", (q) => q.eq("repositoryId", repositoryId).eq("sha", pr.headSha))
      .collect(),
  ]);
  const { checks, failing } = summarizeChecks(ci);
  const { review, firstReviewAt } = summarizeReviews(reviews, pr.requestedReviewers, pr.authorLogin);
  const { health, reasons } = computeHealth({ checks, review, mergeable: pr.mergeable, draft: pr.draft });
  return { checks, failingChecks: failing, review, firstReviewAt, health, healthReasons: reasons };
}

/** True when any field of `next` differs from `doc` (undefined and absent are the same). */
function differs(doc: object, next: object): boolean {
  const d = doc as Record<string, unknown>;
  return Object.entries(next).some(([k, v]) => JSON.stringify(d[k]) !== JSON.stringify(v));
}
