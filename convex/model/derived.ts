/**
 * The gauges of the write path — what is open now: each repository's open counts (`repositories.stats`),
 * the installation's and the public group's (`installationCounters`, `publicCounters`, in shards) and
 * outstanding review requests per reviewer and scope (`reviewerOpenRequests`). Accumulated per
 * transaction and written once per document at `flush`; a repository hidden, restored or changing
 * privacy moves its gauges here, and `flush` says which flipped (the write path tells its listeners).
 *
 * Why not metrics figures: a gauge counts a repository only while it is listed (history does not), its
 * repository's own figure lives on the repository document the lists already read, and its shards
 * spread the hottest writes; the engine's day buckets have none of these needs.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import {
  addCounts,
  ALL_SCOPE,
  inPublicCounters,
  isZero,
  PUBLIC_SCOPE,
  repositoryScope,
  shardOf,
  ZERO_OPEN,
  type OpenCounts,
} from "./contribution";
import { addOpenRequests } from "./scopes";

type ShardDelta = { repos: number; open: OpenCounts };
type RepoRef = Pick<Doc<"repositories">, "_id" | "githubId" | "removed" | "private">;
/** A repository's standing at the start of the transaction (absent: it did not exist). */
type Standing = { removed: boolean; private: boolean } | null;

export class DerivedDeltas {
  private repoStats = new Map<Id<"repositories">, OpenCounts>();
  private shards = new Map<number, ShardDelta>();
  /** Per repository: reviewer → change of outstanding requests. */
  private repoRequests = new Map<Id<"repositories">, Map<string, number>>();
  /** Repositories whose removal or privacy changed in this transaction, with their standing before. */
  private standing = new Map<Id<"repositories">, Standing>();

  constructor(
    private readonly ctx: MutationCtx,
    private readonly installationId: Id<"installations">,
  ) {}

  /** Open-count change of one repository; counted installation-wide only while it is visible. */
  open(repo: RepoRef, delta: OpenCounts) {
    if (isZero(delta)) return;
    this.repoStats.set(repo._id, addCounts(this.repoStats.get(repo._id) ?? ZERO_OPEN, delta));
    if (!repo.removed) this.shard(repo.githubId, 0, delta);
  }

  /** Installation-wide change only (a repository becoming visible or hidden). */
  shard(repoGithubId: number, repos: number, open: OpenCounts) {
    const key = shardOf(repoGithubId);
    const prev = this.shards.get(key) ?? { repos: 0, open: ZERO_OPEN };
    this.shards.set(key, { repos: prev.repos + repos, open: addCounts(prev.open, open) });
  }

  /**
   * A repository is about to be inserted (`before` null), hidden, restored or change visibility: the
   * visibility groups move its figures at flush, from its standing before the first such change.
   */
  repositoryChanging(repositoryId: Id<"repositories">, before: RepoRef | null) {
    if (!this.standing.has(repositoryId)) {
      this.standing.set(repositoryId, before && { removed: before.removed, private: before.private });
    }
  }

  /** An outstanding review request of `reviewer` in the repository appeared (+1) or ended (−1). */
  openRequest(repo: RepoRef, reviewer: string, delta: 1 | -1) {
    const m = this.repoRequests.get(repo._id) ?? new Map<string, number>();
    m.set(reviewer, (m.get(reviewer) ?? 0) + delta);
    this.repoRequests.set(repo._id, m);
  }

  /** Writes the gauges; returns the repositories whose privacy flipped (their day buckets move: the listeners'). */
  async flush(): Promise<Array<{ repositoryId: Id<"repositories">; isPublic: boolean }>> {
    const { db } = this.ctx;
    // Each touched repository as it stands now, before its stats take this transaction's deltas.
    const repos = new Map<Id<"repositories">, Doc<"repositories">>();
    for (const id of new Set([...this.repoStats.keys(), ...this.standing.keys(), ...this.repoRequests.keys()])) {
      const repo = await db.get(id);
      if (repo) repos.set(id, repo);
    }
    await this.flushPublicCounters(repos);
    for (const [repoId, delta] of this.repoStats) {
      const repo = repos.get(repoId);
      if (repo && !isZero(delta)) await db.patch(repoId, { stats: addCounts(repo.stats, delta) });
    }
    await this.addToShards("installationCounters", this.shards);
    await this.flushOpenRequests(repos);
    const flipped = [...this.standing].flatMap(([repositoryId, was]) => {
      const repo = repos.get(repositoryId);
      return repo && was && was.private !== repo.private ? [{ repositoryId, isPublic: !repo.private }] : [];
    });
    this.repoStats.clear();
    this.shards.clear();
    this.repoRequests.clear();
    this.standing.clear();
    return flipped;
  }

  /**
   * `publicCounters`: a repository counts while visible and public. Its stored stats follow a change of
   * standing; this transaction's deltas count as it stands at the end.
   */
  private async flushPublicCounters(repos: Map<Id<"repositories">, Doc<"repositories">>) {
    const shards = new Map<number, ShardDelta>();
    for (const [id, repo] of repos) {
      const pending = this.repoStats.get(id);
      const was = this.standing.has(id) ? this.standing.get(id) : repo;
      const [before, after] = [was ? Number(inPublicCounters(was)) : 0, Number(inPublicCounters(repo))];
      if (before === after && (!pending || after === 0)) continue;
      const key = shardOf(repo.githubId);
      const prev = shards.get(key) ?? { repos: 0, open: ZERO_OPEN };
      let open = addCounts(prev.open, repo.stats, after - before);
      if (pending) open = addCounts(open, pending, after);
      shards.set(key, { repos: prev.repos + after - before, open });
    }
    await this.addToShards("publicCounters", shards);
  }

  /** Add each shard's delta to its counter document (the installation's, or the public group's). */
  private async addToShards(table: "installationCounters" | "publicCounters", shards: Map<number, ShardDelta>) {
    const { db } = this.ctx;
    for (const [shard, delta] of shards) {
      if (delta.repos === 0 && isZero(delta.open)) continue;
      const doc = await db
        .query(table)
        .withIndex("by_installation_shard", (q) => q.eq("installationId", this.installationId).eq("shard", shard))
        .unique();
      if (doc) {
        const { openPrs, green, yellow, red, openIssues } = doc;
        await db.patch(doc._id, {
          repos: doc.repos + delta.repos,
          ...addCounts({ openPrs, green, yellow, red, openIssues }, delta.open),
        });
      } else {
        await db.insert(table, { installationId: this.installationId, shard, repos: delta.repos, ...delta.open });
      }
    }
  }

  /**
   * `reviewerOpenRequests`: each repository's own rows always; "all" while it is visible, "public"
   * while visible and public. A change of standing moves its stored rows (few: one per reviewer).
   */
  private async flushOpenRequests(repos: Map<Id<"repositories">, Doc<"repositories">>) {
    const { db } = this.ctx;
    const id = this.installationId;
    const groups = new Map<string, Map<string, number>>([
      [ALL_SCOPE, new Map()],
      [PUBLIC_SCOPE, new Map()],
    ]);
    const add = (scope: string, reviewer: string, n: number) => {
      const m = groups.get(scope)!;
      m.set(reviewer, (m.get(reviewer) ?? 0) + n);
    };
    for (const repoId of new Set([...this.repoRequests.keys(), ...this.standing.keys()])) {
      const repo = repos.get(repoId);
      if (!repo) continue;
      const pending = this.repoRequests.get(repoId) ?? new Map<string, number>();
      const was = this.standing.has(repoId) ? this.standing.get(repoId) : repo;
      const listed = (r: Standing) => Number(r !== null && !r.removed);
      const pub = (r: Standing) => Number(r !== null && inPublicCounters(r));
      const [dAll, dPublic] = [listed(repo) - listed(was ?? null), pub(repo) - pub(was ?? null)];
      // A new repository (no standing before) has no stored rows yet.
      if ((dAll !== 0 || dPublic !== 0) && was !== null) {
        const stored = await db
          .query("reviewerOpenRequests")
          .withIndex("by_installation_scope_reviewer", (q) =>
            q.eq("installationId", id).eq("scope", repositoryScope(repoId)),
          )
          .collect();
        for (const row of stored) {
          add(ALL_SCOPE, row.reviewer, dAll * row.open);
          add(PUBLIC_SCOPE, row.reviewer, dPublic * row.open);
        }
      }
      for (const [reviewer, n] of pending) {
        await addOpenRequests(db, id, repositoryScope(repoId), reviewer, n);
        add(ALL_SCOPE, reviewer, listed(repo) * n);
        add(PUBLIC_SCOPE, reviewer, pub(repo) * n);
      }
    }
    for (const [scope, m] of groups) {
      for (const [reviewer, n] of m) await addOpenRequests(db, id, scope, reviewer, n);
    }
  }
}
