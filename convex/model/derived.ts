/**
 * Accumulates the derived-figure deltas of one transaction and writes each touched counter
 * document once at the end (`flush`), instead of once per record: a 100-record batch touching
 * one day bucket writes that bucket once.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import {
  addCounts,
  DAILY_FIELD,
  HIST_BINS,
  isZero,
  shardOf,
  ZERO_DAILY,
  ZERO_OPEN,
  type ActivityType,
  type DailyCounts,
  type OpenCounts,
} from "./contribution";

type ShardDelta = { repos: number; open: OpenCounts };
type DayDelta = { counts: DailyCounts; firstReviewHist: number[]; mergeHist: number[] };

const zeroHist = () => new Array<number>(HIST_BINS).fill(0);

export class DerivedDeltas {
  private repoStats = new Map<Id<"repositories">, OpenCounts>();
  private shards = new Map<number, ShardDelta>();
  private days = new Map<number, DayDelta>();
  private userDays = new Map<string, { login: string; day: number; counts: DailyCounts }>();

  constructor(
    private readonly ctx: MutationCtx,
    private readonly installationId: Id<"installations">,
  ) {}

  /** Open-count change of one repository; counted installation-wide only while it is visible. */
  open(repo: { _id: Id<"repositories">; githubId: number; removed: boolean }, delta: OpenCounts) {
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

  activity(type: ActivityType, day: number, login: string) {
    const field = DAILY_FIELD[type];
    this.dayDelta(day).counts[field] += 1;
    const key = `${login}\u0000${day}`;
    const user = this.userDays.get(key) ?? { login, day, counts: { ...ZERO_DAILY } };
    user.counts[field] += 1;
    this.userDays.set(key, user);
  }

  histogram(kind: "firstReviewHist" | "mergeHist", sample: { day: number; bin: number }, sign: 1 | -1) {
    const hist = this.dayDelta(sample.day)[kind];
    hist[sample.bin] = (hist[sample.bin] ?? 0) + sign;
  }

  private dayDelta(day: number): DayDelta {
    let d = this.days.get(day);
    if (!d) {
      d = { counts: { ...ZERO_DAILY }, firstReviewHist: zeroHist(), mergeHist: zeroHist() };
      this.days.set(day, d);
    }
    return d;
  }

  async flush() {
    const { db } = this.ctx;
    for (const [repoId, delta] of this.repoStats) {
      const repo = await db.get(repoId);
      if (repo && !isZero(delta)) await db.patch(repoId, { stats: addCounts(repo.stats, delta) });
    }
    for (const [shard, delta] of this.shards) {
      if (delta.repos === 0 && isZero(delta.open)) continue;
      const doc = await db
        .query("installationCounters")
        .withIndex("by_installation_shard", (q) => q.eq("installationId", this.installationId).eq("shard", shard))
        .unique();
      if (doc) {
        const { openPrs, green, yellow, red, openIssues } = doc;
        await db.patch(doc._id, {
          repos: doc.repos + delta.repos,
          ...addCounts({ openPrs, green, yellow, red, openIssues }, delta.open),
        });
      } else {
        await db.insert("installationCounters", {
          installationId: this.installationId,
          shard,
          repos: delta.repos,
          ...delta.open,
        });
      }
    }
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
    this.repoStats.clear();
    this.shards.clear();
    this.days.clear();
    this.userDays.clear();
  }
}

export function pickDaily(doc: DailyCounts): DailyCounts {
  const { prsOpened, prsMerged, prsClosed, reviews, commits, issuesOpened, issuesClosed, comments } = doc;
  return { prsOpened, prsMerged, prsClosed, reviews, commits, issuesOpened, issuesClosed, comments };
}
