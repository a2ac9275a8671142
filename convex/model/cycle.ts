/**
 * Cycle time of merged pull requests (issue 14): what one PR contributes to `cycleDaily`, pure, and
 * the writer that keeps the buckets equal to a recount. All of a PR's figures go in the bucket of its
 * merge day; the write path applies `cycleContribution(after) − cycleContribution(before)` for every
 * change (a late deployment moves the deploy and lead figures, a late approval the review and merge
 * ones), and `CycleDeltas.flush` writes each touched document once.
 *
 * Series: per scope ("all", "public" while the repository is public, the repository's own) and author
 * ("" = everyone, and the PR's author): up to 6 documents per merged PR. A repository's own documents
 * carry `inPublic` (whether "public" counts them) and move with its privacy (`moveCycleBuckets`, called
 * from scopes.ts `moveRepositoryBuckets`), as the other visibility groups do.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { ALL_SCOPE, dayOf, HIST_BINS, histBin, PUBLIC_SCOPE, repositoryScope } from "./contribution";

type Db = MutationCtx["db"];

/** The stages of a merged PR, then the totals: cycle (first commit → merge) and lead (first commit → deployed). */
export const CYCLE_STAGES = ["coding", "pickup", "review", "merge", "deploy", "cycle", "lead"] as const;
type CycleStage = (typeof CYCLE_STAGES)[number];
/** The `cycleDaily` histogram field of each stage. */
export const STAGE_HIST = {
  coding: "codingHist",
  pickup: "pickupHist",
  review: "reviewHist",
  merge: "mergeHist",
  deploy: "deployHist",
  cycle: "cycleHist",
  lead: "leadHist",
} as const satisfies Record<CycleStage, keyof Doc<"cycleDaily">>;

type CyclePullRequest = Pick<
  Doc<"pullRequests">,
  | "state"
  | "authorLogin"
  | "createdAt"
  | "readyForReviewAt"
  | "firstCommitAt"
  | "firstReviewAt"
  | "approvedAt"
  | "mergedAt"
  | "deployedAt"
>;

/** When the PR became ready for review: its ready-for-review event, else its creation. */
export const readyAt = (pr: Pick<Doc<"pullRequests">, "readyForReviewAt" | "createdAt">) =>
  pr.readyForReviewAt ?? pr.createdAt;

/**
 * Each stage's duration (ms) of a PR, null where an end is unknown. Pickup is 0 when the first review
 * came before the PR was ready (GitHub allows reviewing drafts); other negative spans (clock skew,
 * rebased commits) count as 0 in the histograms (`histBin`).
 */
export function stageDurations(pr: CyclePullRequest): Record<CycleStage, number | null> {
  const span = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : b - a);
  const ready = readyAt(pr);
  const start = pr.firstCommitAt ?? pr.createdAt;
  const pickup = span(ready, pr.firstReviewAt);
  return {
    coding: span(pr.firstCommitAt, ready),
    pickup: pickup === null ? null : Math.max(0, pickup),
    review: span(pr.firstReviewAt, pr.approvedAt),
    merge: span(pr.approvedAt, pr.mergedAt),
    deploy: span(pr.mergedAt, pr.deployedAt),
    cycle: span(start, pr.mergedAt),
    lead: span(start, pr.deployedAt),
  };
}

type CycleContribution = {
  day: number;
  author: string;
  merged: number;
  unapproved: number;
  deployed: number;
  /** Histogram bin of each stage whose ends are known. */
  bins: Partial<Record<CycleStage, number>>;
};

/** What a PR contributes to `cycleDaily`: nothing unless merged; then one sample in its merge day. */
export function cycleContribution(pr: CyclePullRequest | null): CycleContribution | null {
  if (!pr || pr.state !== "merged" || pr.mergedAt === undefined) return null;
  const bins: Partial<Record<CycleStage, number>> = {};
  const durations = stageDurations(pr);
  for (const stage of CYCLE_STAGES) {
    const ms = durations[stage];
    if (ms !== null) bins[stage] = histBin(ms);
  }
  return {
    day: dayOf(pr.mergedAt),
    author: pr.authorLogin,
    merged: 1,
    unapproved: pr.approvedAt === undefined ? 1 : 0,
    deployed: pr.deployedAt === undefined ? 0 : 1,
    bins,
  };
}

/** A change of one `cycleDaily` document (or a recount of it). */
export type CycleFigures = {
  merged: number;
  unapproved: number;
  deployed: number;
  hists: Record<CycleStage, number[]>;
};

export const zeroCycle = (): CycleFigures => ({
  merged: 0,
  unapproved: 0,
  deployed: 0,
  hists: Object.fromEntries(CYCLE_STAGES.map((s) => [s, new Array<number>(HIST_BINS).fill(0)])) as Record<
    CycleStage,
    number[]
  >,
});

/** `acc += sign × b`, in place. */
export function addCycle(acc: CycleFigures, b: CycleFigures, sign = 1): CycleFigures {
  acc.merged += sign * b.merged;
  acc.unapproved += sign * b.unapproved;
  acc.deployed += sign * b.deployed;
  for (const s of CYCLE_STAGES) {
    const h = acc.hists[s];
    b.hists[s].forEach((n, i) => (h[i] = (h[i] ?? 0) + sign * n));
  }
  return acc;
}

/** `acc += sign × contribution`, in place. */
export function addContribution(acc: CycleFigures, c: CycleContribution, sign: number): void {
  acc.merged += sign * c.merged;
  acc.unapproved += sign * c.unapproved;
  acc.deployed += sign * c.deployed;
  for (const s of CYCLE_STAGES) {
    const bin = c.bins[s];
    if (bin !== undefined) acc.hists[s][bin] = (acc.hists[s][bin] ?? 0) + sign;
  }
}

export const figuresOf = (doc: Doc<"cycleDaily">): CycleFigures => ({
  merged: doc.merged,
  unapproved: doc.unapproved,
  deployed: doc.deployed,
  hists: Object.fromEntries(CYCLE_STAGES.map((s) => [s, [...doc[STAGE_HIST[s]]]])) as Record<CycleStage, number[]>,
});

const isZeroCycle = (f: CycleFigures) =>
  f.merged === 0 &&
  f.unapproved === 0 &&
  f.deployed === 0 &&
  CYCLE_STAGES.every((s) => f.hists[s].every((n) => n === 0));

const histFields = (f: CycleFigures) =>
  Object.fromEntries(
    CYCLE_STAGES.map((s) => [STAGE_HIST[s], Array.from({ length: HIST_BINS }, (_, i) => f.hists[s][i] ?? 0)]),
  ) as Pick<Doc<"cycleDaily">, (typeof STAGE_HIST)[CycleStage]>;

/**
 * Add `sign × delta` to one series' day document (deleted when back at zero). A repository's scope
 * passes `inPublic` (where a new document is counted); returns where the document is counted.
 */
async function addCycleDay(
  db: Db,
  installationId: Id<"installations">,
  key: { scope: string; author: string; day: number },
  delta: CycleFigures,
  sign: 1 | -1,
  inPublic?: boolean,
): Promise<boolean | undefined> {
  const { scope, author, day } = key;
  const doc = await db
    .query("cycleDaily")
    .withIndex("by_installation_scope_author_day", (q) =>
      q.eq("installationId", installationId).eq("scope", scope).eq("author", author).eq("day", day),
    )
    .unique();
  const sum = addCycle(doc ? figuresOf(doc) : zeroCycle(), delta, sign);
  if (doc && isZeroCycle(sum)) await db.delete(doc._id);
  else if (doc)
    await db.patch(doc._id, {
      merged: sum.merged,
      unapproved: sum.unapproved,
      deployed: sum.deployed,
      ...histFields(sum),
    });
  else if (!isZeroCycle(sum)) {
    await db.insert("cycleDaily", {
      installationId,
      scope,
      author,
      day,
      merged: sum.merged,
      unapproved: sum.unapproved,
      deployed: sum.deployed,
      ...histFields(sum),
      ...(inPublic !== undefined && { inPublic }),
    });
  }
  return doc ? doc.inPublic : inPublic;
}

/** The series a PR's contribution lands in: everyone's, and its author's. */
const seriesOf = (author: string) => (author === "" ? [""] : ["", author]);
const seriesKey = (author: string, day: number) => `${author}\u0000${day}`;

/**
 * The cycle-time deltas of one write-path transaction, per repository and (author, day); `flush`
 * writes each touched document once.
 */
export class CycleDeltas {
  private readonly repos = new Map<Id<"repositories">, Map<string, { author: string; day: number; f: CycleFigures }>>();

  constructor(
    private readonly db: Db,
    private readonly installationId: Id<"installations">,
  ) {}

  pullRequestChanged(repositoryId: Id<"repositories">, before: CyclePullRequest | null, after: CyclePullRequest) {
    const [was, now] = [cycleContribution(before), cycleContribution(after)];
    if (JSON.stringify(was) === JSON.stringify(now)) return;
    if (was) this.add(repositoryId, was, -1);
    if (now) this.add(repositoryId, now, 1);
  }

  private add(repositoryId: Id<"repositories">, c: CycleContribution, sign: 1 | -1) {
    const m = this.repos.get(repositoryId) ?? new Map();
    this.repos.set(repositoryId, m);
    for (const author of seriesOf(c.author)) {
      const key = seriesKey(author, c.day);
      let e = m.get(key);
      if (!e) m.set(key, (e = { author, day: c.day, f: zeroCycle() }));
      addContribution(e.f, c, sign);
    }
  }

  async flush() {
    const all = new Map<string, { author: string; day: number; f: CycleFigures }>();
    const pub = new Map<string, { author: string; day: number; f: CycleFigures }>();
    const into = (target: typeof all, e: { author: string; day: number; f: CycleFigures }) => {
      const key = seriesKey(e.author, e.day);
      const acc = target.get(key) ?? { author: e.author, day: e.day, f: zeroCycle() };
      target.set(key, { ...acc, f: addCycle(acc.f, e.f) });
    };
    for (const [repositoryId, series] of this.repos) {
      const repo = await this.db.get(repositoryId);
      if (!repo) continue;
      for (const e of series.values()) {
        if (isZeroCycle(e.f)) continue;
        const scope = repositoryScope(repositoryId);
        into(all, e);
        if (await addCycleDay(this.db, this.installationId, { scope, ...e }, e.f, 1, !repo.private)) into(pub, e);
      }
    }
    for (const [scope, m] of [
      [ALL_SCOPE, all],
      [PUBLIC_SCOPE, pub],
    ] as const) {
      for (const e of m.values()) {
        if (!isZeroCycle(e.f)) await addCycleDay(this.db, this.installationId, { scope, ...e }, e.f, 1);
      }
    }
    this.repos.clear();
  }
}

/**
 * Move up to `budget` of a repository's cycle documents counted on the wrong side of "public" (newest
 * first) to `toPublic`; returns how many it moved (fewer than `budget`: none is left).
 */
export async function moveCycleBuckets(
  db: Db,
  installationId: Id<"installations">,
  repositoryId: Id<"repositories">,
  toPublic: boolean,
  budget: number,
): Promise<number> {
  if (budget <= 0) return 0;
  const docs = await db
    .query("cycleDaily")
    .withIndex("by_installation_scope_public_day", (q) =>
      q.eq("installationId", installationId).eq("scope", repositoryScope(repositoryId)).eq("inPublic", !toPublic),
    )
    .order("desc")
    .take(budget);
  for (const doc of docs) {
    const key = { scope: PUBLIC_SCOPE, author: doc.author, day: doc.day };
    await addCycleDay(db, installationId, key, figuresOf(doc), toPublic ? 1 : -1);
    await db.patch(doc._id, { inPublic: toPublic });
  }
  return docs.length;
}
