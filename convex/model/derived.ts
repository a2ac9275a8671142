/**
 * Accumulates the derived-figure deltas of one transaction and writes each touched counter
 * document once at the end (`flush`), instead of once per record: a 100-record batch touching
 * one day bucket writes that bucket once.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import {
  addCounts,
  ALL_SCOPE,
  DAILY_FIELD,
  inPublicCounters,
  isZero,
  PUBLIC_SCOPE,
  repositoryScope,
  shardOf,
  ZERO_DAILY,
  ZERO_OPEN,
  type ActivityType,
  type DailyCounts,
  type OpenCounts,
  type Pickup,
} from "./contribution";
import {
  addHist,
  addOpenRequests,
  addReviewerDay,
  addScopedDay,
  moveRepositoryBuckets,
  scheduleScopeMove,
  zeroDay,
  zeroHist,
  type DayDelta,
  type ReviewerDelta,
} from "./scopes";

type ShardDelta = { repos: number; open: OpenCounts };
type RepoRef = Pick<Doc<"repositories">, "_id" | "githubId" | "removed" | "private">;
/** A repository's standing at the start of the transaction (absent: it did not exist). */
type Standing = { removed: boolean; private: boolean } | null;

const zeroArray = (a: number[]) => a.every((x) => x === 0);

/** Scope-bucket documents moved into or out of "public" inside the write path's transaction. */
const INLINE_MOVE_BUDGET = 400;

export class DerivedDeltas {
  private repoStats = new Map<Id<"repositories">, OpenCounts>();
  private shards = new Map<number, ShardDelta>();
  private days = new Map<number, DayDelta>();
  private userDays = new Map<string, { login: string; day: number; counts: DailyCounts }>();
  /** Per repository and day: its scope's activity change, and its reviewers' change. */
  private repoDays = new Map<Id<"repositories">, Map<number, DayDelta>>();
  private repoReviewers = new Map<Id<"repositories">, Map<number, ReviewerDelta>>();
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

  activity(repo: RepoRef, type: ActivityType, day: number, login: string) {
    const field = DAILY_FIELD[type];
    this.dayDelta(day).counts[field] += 1;
    this.repoDayDelta(repo, day).counts[field] += 1;
    const key = `${login}\u0000${day}`;
    const user = this.userDays.get(key) ?? { login, day, counts: { ...ZERO_DAILY } };
    user.counts[field] += 1;
    this.userDays.set(key, user);
    if (type === "review_submitted") this.reviewerDelta(repo, day, login).reviews += 1;
  }

  histogram(repo: RepoRef, kind: "firstReviewHist" | "mergeHist", sample: { day: number; bin: number }, sign: 1 | -1) {
    for (const d of [this.dayDelta(sample.day), this.repoDayDelta(repo, sample.day)]) {
      d[kind][sample.bin] = (d[kind][sample.bin] ?? 0) + sign;
    }
  }

  /** A review-request pickup sample (reviewer load) added or withdrawn. */
  pickup(repo: RepoRef, sample: Pickup, sign: 1 | -1) {
    const hist = this.reviewerDelta(repo, sample.day, sample.reviewer).pickupHist;
    hist[sample.bin] = (hist[sample.bin] ?? 0) + sign;
  }

  /** An outstanding review request of `reviewer` in the repository appeared (+1) or ended (−1). */
  openRequest(repo: RepoRef, reviewer: string, delta: 1 | -1) {
    const m = this.repoRequests.get(repo._id) ?? new Map<string, number>();
    m.set(reviewer, (m.get(reviewer) ?? 0) + delta);
    this.repoRequests.set(repo._id, m);
  }

  private dayDelta(day: number): DayDelta {
    let d = this.days.get(day);
    if (!d) this.days.set(day, (d = zeroDay()));
    return d;
  }

  private repoDayDelta(repo: RepoRef, day: number): DayDelta {
    const m = this.repoDays.get(repo._id) ?? new Map<number, DayDelta>();
    this.repoDays.set(repo._id, m);
    let d = m.get(day);
    if (!d) m.set(day, (d = zeroDay()));
    return d;
  }

  private reviewerDelta(repo: RepoRef, day: number, reviewer: string) {
    const m = this.repoReviewers.get(repo._id) ?? new Map<number, ReviewerDelta>();
    this.repoReviewers.set(repo._id, m);
    const dayMap = m.get(day) ?? new Map();
    m.set(day, dayMap);
    let e = dayMap.get(reviewer);
    if (!e) dayMap.set(reviewer, (e = { reviews: 0, pickupHist: zeroHist() }));
    return e;
  }

  async flush() {
    const { db } = this.ctx;
    // Each touched repository as it stands now, before its stats take this transaction's deltas.
    const repos = new Map<Id<"repositories">, Doc<"repositories">>();
    for (const id of new Set([
      ...this.repoStats.keys(),
      ...this.standing.keys(),
      ...this.repoDays.keys(),
      ...this.repoReviewers.keys(),
      ...this.repoRequests.keys(),
    ])) {
      const repo = await db.get(id);
      if (repo) repos.set(id, repo);
    }
    await this.flushPublicCounters(repos);
    for (const [repoId, delta] of this.repoStats) {
      const repo = repos.get(repoId);
      if (repo && !isZero(delta)) await db.patch(repoId, { stats: addCounts(repo.stats, delta) });
    }
    await this.addToShards("installationCounters", this.shards);
    for (const [day, delta] of this.days) {
      const doc = await db
        .query("dailyActivity")
        .withIndex("by_installation_day", (q) => q.eq("installationId", this.installationId).eq("day", day))
        .unique();
      const add = (a: number[], b: number[]) => a.map((x, i) => x + (b[i] ?? 0));
      if (doc) {
        await db.patch(doc._id, {
          ...addCounts(pickDaily(doc), delta.counts),
          firstReviewHist: add(doc.firstReviewHist, delta.firstReviewHist),
          mergeHist: add(doc.mergeHist, delta.mergeHist),
        });
      } else {
        await db.insert("dailyActivity", {
          installationId: this.installationId,
          day,
          ...delta.counts,
          firstReviewHist: delta.firstReviewHist,
          mergeHist: delta.mergeHist,
        });
      }
    }
    for (const { login, day, counts } of this.userDays.values()) {
      const doc = await db
        .query("userDailyActivity")
        .withIndex("by_installation_login_day", (q) =>
          q.eq("installationId", this.installationId).eq("login", login).eq("day", day),
        )
        .unique();
      if (doc) await db.patch(doc._id, addCounts(pickDaily(doc), counts));
      else await db.insert("userDailyActivity", { installationId: this.installationId, login, day, ...counts });
    }
    await this.flushScopes(repos);
    this.repoStats.clear();
    this.shards.clear();
    this.days.clear();
    this.userDays.clear();
    this.repoDays.clear();
    this.repoReviewers.clear();
    this.repoRequests.clear();
    this.standing.clear();
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
   * The visibility groups' day documents and open requests: each repository's own scope, "public" as
   * its documents say (`inPublic`), "all" for reviewers; then the scope moves of repositories whose
   * privacy or removal changed.
   */
  private async flushScopes(repos: Map<Id<"repositories">, Doc<"repositories">>) {
    const { db } = this.ctx;
    const id = this.installationId;
    const publicDays = new Map<number, DayDelta>();
    for (const [repoId, days] of this.repoDays) {
      const repo = repos.get(repoId);
      if (!repo) continue;
      for (const [day, delta] of days) {
        if (isZero(delta.counts) && zeroArray(delta.firstReviewHist) && zeroArray(delta.mergeHist)) continue;
        if (await addScopedDay(db, id, repositoryScope(repoId), day, delta, 1, !repo.private)) {
          const p = publicDays.get(day) ?? zeroDay();
          publicDays.set(day, {
            counts: addCounts(p.counts, delta.counts),
            firstReviewHist: addHist(p.firstReviewHist, delta.firstReviewHist),
            mergeHist: addHist(p.mergeHist, delta.mergeHist),
          });
        }
      }
    }
    for (const [day, delta] of publicDays) await addScopedDay(db, id, PUBLIC_SCOPE, day, delta, 1);

    const allReviewers = new Map<number, ReviewerDelta>();
    const publicReviewers = new Map<number, ReviewerDelta>();
    const into = (target: Map<number, ReviewerDelta>, day: number, delta: ReviewerDelta) => {
      const m = target.get(day) ?? new Map();
      target.set(day, m);
      for (const [reviewer, d] of delta) {
        const e = m.get(reviewer) ?? { reviews: 0, pickupHist: zeroHist() };
        m.set(reviewer, { reviews: e.reviews + d.reviews, pickupHist: addHist(e.pickupHist, d.pickupHist) });
      }
    };
    for (const [repoId, days] of this.repoReviewers) {
      const repo = repos.get(repoId);
      if (!repo) continue;
      for (const [day, delta] of days) {
        for (const [reviewer, d] of delta) if (d.reviews === 0 && zeroArray(d.pickupHist)) delta.delete(reviewer);
        if (delta.size === 0) continue;
        into(allReviewers, day, delta);
        if (await addReviewerDay(db, id, repositoryScope(repoId), day, delta, 1, !repo.private)) {
          into(publicReviewers, day, delta);
        }
      }
    }
    for (const [day, delta] of allReviewers) await addReviewerDay(db, id, ALL_SCOPE, day, delta, 1);
    for (const [day, delta] of publicReviewers) await addReviewerDay(db, id, PUBLIC_SCOPE, day, delta, 1);

    await this.flushOpenRequests(repos);

    let budget = INLINE_MOVE_BUDGET;
    for (const [repoId, was] of this.standing) {
      const repo = repos.get(repoId);
      if (!repo || !was || was.private === repo.private) continue;
      // What the budget does not cover moves in later transactions.
      const { moved, done } =
        budget > 0 ? await moveRepositoryBuckets(db, id, repoId, !repo.private, budget) : { moved: 0, done: false };
      if (!done) await scheduleScopeMove(this.ctx, repoId);
      budget -= moved;
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

export function pickDaily(doc: DailyCounts): DailyCounts {
  const { prsOpened, prsMerged, prsClosed, reviews, commits, issuesOpened, issuesClosed, comments } = doc;
  return { prsOpened, prsMerged, prsClosed, reviews, commits, issuesOpened, issuesClosed, comments };
}
