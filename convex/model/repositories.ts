/**
 * Repository membership of an installation, inside one write-path transaction: which repositories
 * belong to it (added, refreshed, hidden when removed), cached for the transaction, and how their
 * visibility moves the installation-wide counters.
 *
 * Usage: through `WritePath` (`w.repositories.add(...)`), never on its own.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { addCounts, ZERO_OPEN } from "./contribution";
import type { DerivedDeltas } from "./derived";
import type { RepositoryRecord, RepositoryRef } from "./records";
import { differs } from "./upsert";

type Repo = Doc<"repositories">;
export type Unwritable = "unknown_repository" | "repository_removed" | "installation_deleted";

export class RepositorySet {
  private readonly cache = new Map<number, Repo | null>();

  constructor(
    private readonly ctx: MutationCtx,
    private readonly installation: Doc<"installations">,
    private readonly derived: DerivedDeltas,
  ) {}

  /**
   * Record repositories as part of the installation (install, repos added, sync listing): inserts new
   * ones, makes removed ones visible again (their counts rejoin the installation totals). `listing`
   * stamps them with the sync listing that saw them, so the end of the listing can find the rest.
   */
  async add(repos: Array<RepositoryRecord | RepositoryRef>, listing?: number): Promise<Repo[]> {
    const out: Repo[] = [];
    for (const rec of repos) {
      const repo = await this.write(rec, { restore: true, ...(listing !== undefined && { listing }) });
      if (repo) out.push(repo);
    }
    return out;
  }

  /** Update a repository's own fields from an activity payload; never un-hides a removed one. */
  upsert(rec: RepositoryRecord): Promise<Repo | null> {
    return this.write(rec, { restore: false });
  }

  /** Hide repositories removed from the installation (or deleted); their counts leave the totals. */
  async remove(githubIds: number[]): Promise<void> {
    for (const githubId of githubIds) {
      const repo = await this.get(githubId);
      if (!repo || repo.removed) continue;
      this.derived.shard(repo.githubId, -1, addCounts(ZERO_OPEN, repo.stats, -1));
      this.derived.repositoryChanging(repo._id, repo);
      await this.ctx.db.patch(repo._id, { removed: true });
      this.cache.set(githubId, { ...repo, removed: true });
    }
  }

  /** The repository a record belongs to, if this installation may write to it. */
  async target(repoGithubId: number): Promise<Repo | Unwritable> {
    if (this.installation.status === "deleted") return "installation_deleted";
    const repo = await this.get(repoGithubId);
    if (!repo) return "unknown_repository";
    if (repo.removed) return "repository_removed";
    return repo;
  }

  async get(githubId: number): Promise<Repo | null> {
    if (!this.cache.has(githubId)) {
      const repo = await this.ctx.db
        .query("repositories")
        .withIndex("by_installation_github_id", (q) =>
          q.eq("installationId", this.installation._id).eq("githubId", githubId),
        )
        .unique();
      this.cache.set(githubId, repo);
    }
    return this.cache.get(githubId) ?? null;
  }

  private async write(
    rec: RepositoryRecord | RepositoryRef,
    opts: { restore: boolean; listing?: number },
  ): Promise<Repo | null> {
    if (this.installation.status === "deleted") return null;
    const existing = await this.get(rec.githubId);
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
    const stamp = opts.listing !== undefined ? { listing: opts.listing } : {};
    if (!existing) {
      const [owner = ""] = rec.fullName.split("/");
      const id = await this.ctx.db.insert("repositories", {
        installationId: this.installation._id,
        githubId: rec.githubId,
        ownerLogin: owner,
        defaultBranch: "main",
        archived: false,
        htmlUrl: `https://github.com/${rec.fullName}`,
        ...fields,
        ...stamp,
        removed: false,
        syncStatus: "processing",
        stats: ZERO_OPEN,
      });
      this.derived.shard(rec.githubId, 1, ZERO_OPEN);
      this.derived.repositoryChanging(id, null);
      return this.remember((await this.ctx.db.get(id))!);
    }
    // Newer-wins on the repository's own fields when both sides carry GitHub's updated_at.
    const stale =
      full?.updatedAt !== undefined &&
      existing.githubUpdatedAt !== undefined &&
      full.updatedAt < existing.githubUpdatedAt;
    const restore = opts.restore && existing.removed;
    const patch = { ...(stale ? {} : fields), ...stamp, ...(restore && { removed: false }) };
    if (restore) this.derived.shard(existing.githubId, 1, existing.stats);
    if (Object.keys(patch).length === 0 || !differs(existing, patch)) return existing;
    // Hidden, restored or privatized/publicized: its figures move between the visibility groups.
    if (restore || ("private" in patch && patch.private !== existing.private)) {
      this.derived.repositoryChanging(existing._id, existing);
    }
    await this.ctx.db.patch(existing._id, patch);
    return this.remember((await this.ctx.db.get(existing._id))!);
  }

  private remember(repo: Repo): Repo {
    this.cache.set(repo.githubId, repo);
    return repo;
  }
}

/**
 * The sync's per-repository state: its outcome (status shown on the Repositories page, incremental
 * watermarks) and, while a job runs, its own resume point (`syncProgress`, `null` clears it). A new
 * `syncStatus` clears the previous error.
 */
export async function recordRepositorySync(
  ctx: Pick<MutationCtx, "db">,
  repositoryId: Id<"repositories">,
  update: Partial<Pick<Repo, "syncStatus" | "syncError" | "syncErrorKind" | "syncCursor">> & {
    syncProgress?: Repo["syncProgress"] | null;
  },
): Promise<void> {
  const { syncProgress, ...rest } = update;
  const next = {
    ...(rest.syncStatus !== undefined && { syncError: undefined, syncErrorKind: undefined }),
    ...rest,
    ...(syncProgress !== undefined && { syncProgress: syncProgress ?? undefined }),
  };
  const repo = await ctx.db.get(repositoryId);
  // Unchanged: no write, so the lists that read the row do not re-run.
  if (repo && differs(repo, next)) await ctx.db.patch(repositoryId, next);
}
