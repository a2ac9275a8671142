/**
 * Every day-bucketed figure, declared once: what one base document contributes (pure), which counters
 * and histograms it keeps, and how it is scoped. The engine (engine.ts) keeps `metricBuckets` equal to
 * the sum of these contributions — in the write path's transaction, on a privacy flip, in a backfill and
 * in a recount — so adding a figure is one declaration here plus the query that reads it.
 *
 * Scopes: "visibility" figures are kept per repository, in "public" while the repository is public,
 * and in "all" (history stays counted when a repository leaves the installation); "repository" only
 * per repository; "installation" only in "all". Bump `version` when a contribution's definition changes:
 * the new version is backfilled from the base tables and the old one's documents are deleted.
 *
 * Durations are histogram samples in ms (binned by histogram.ts `DURATIONS`).
 */
import type { Doc } from "../_generated/dataModel";
import { dayOf } from "../model/contribution";
import { CYCLE_STAGES, stageDurations } from "../model/cycle";

import type { SourceTable } from "../model/changes";

export type { SourceTable };

/** What one base document adds to one bucket: its day, its key and entry, counters and duration samples. */
export type Contribution = {
  day: number;
  /** The bucket's key beyond scope and day (an author, a login); "" when the figure has none. */
  key?: string;
  /** An entry inside the bucket (a reviewer); "" when the figure has none. */
  entry?: string;
  n?: Record<string, number>;
  /** Histogram name → one sample's duration (ms). */
  h?: Record<string, number>;
};

export type Figure = {
  name: string;
  version: number;
  scopes: "visibility" | "repository" | "installation";
  counters: readonly string[];
  histograms: readonly string[];
  from: { [T in SourceTable]?: (doc: Doc<T>) => Contribution[] };
};

/** The `metricBuckets.figure` of a declaration: its name and version. */
export const figureId = (f: Pick<Figure, "name" | "version">) => `${f.name}@${f.version}`;

/** Which daily counter an activity event increments. */
const ACTIVITY_COUNTER = {
  pr_opened: "prsOpened",
  pr_merged: "prsMerged",
  pr_closed: "prsClosed",
  review_submitted: "reviews",
  commit_pushed: "commits",
  issue_opened: "issuesOpened",
  issue_closed: "issuesClosed",
  comment_created: "comments",
} as const satisfies Record<Doc<"activityEvents">["type"], string>;
export const ACTIVITY_COUNTERS = Object.values(ACTIVITY_COUNTER);

/**
 * Activity per day (Trends, the repository health's activity): events by type on their day, and two
 * durations of pull requests — opened → first review by someone else (on the review's day) and
 * opened → merged (on the merge's day).
 */
export const ACTIVITY: Figure = {
  name: "activity",
  version: 1,
  scopes: "visibility",
  counters: ACTIVITY_COUNTERS,
  histograms: ["toFirstReview", "toMerge"],
  from: {
    activityEvents: (e) => [{ day: dayOf(e.occurredAt), n: { [ACTIVITY_COUNTER[e.type]]: 1 } }],
    pullRequests: (pr) => {
      const out: Contribution[] = [];
      if (pr.firstReviewAt !== undefined)
        out.push({ day: dayOf(pr.firstReviewAt), h: { toFirstReview: pr.firstReviewAt - pr.createdAt } });
      if (pr.state === "merged" && pr.mergedAt !== undefined)
        out.push({ day: dayOf(pr.mergedAt), h: { toMerge: pr.mergedAt - pr.createdAt } });
      return out;
    },
  },
};

/** A person's own activity per day (Your stats): their events by type, wherever they acted. */
export const PERSONAL_ACTIVITY: Figure = {
  name: "personalActivity",
  version: 1,
  scopes: "installation",
  counters: ACTIVITY_COUNTERS,
  histograms: [],
  from: {
    activityEvents: (e) => [{ day: dayOf(e.occurredAt), key: e.actorLogin, n: { [ACTIVITY_COUNTER[e.type]]: 1 } }],
  },
};

/**
 * Reviewer load per day, one entry per reviewer (a login or `team:<slug>`): reviews they submitted, and
 * their response time — from each review request to that reviewer's first review after it (for a team,
 * anyone's but the author's), on the review's day.
 */
export const REVIEWERS: Figure = {
  name: "reviewers",
  version: 1,
  scopes: "visibility",
  counters: ["reviews"],
  histograms: ["response"],
  from: {
    activityEvents: (e) =>
      e.type === "review_submitted" ? [{ day: dayOf(e.occurredAt), entry: e.actorLogin, n: { reviews: 1 } }] : [],
    pullRequests: (pr) =>
      (pr.pickups ?? []).map((p) => ({ day: p.day, entry: p.reviewer, h: { response: pickupMs(p) } })),
  },
};

/** A response sample's wait; a sample stored before waits were kept is read as its old log2-hour bin's middle. */
function pickupMs(p: { ms?: number | undefined; bin?: number | undefined }): number {
  if (p.ms !== undefined) return p.ms;
  const bin = p.bin ?? 0;
  return (bin === 0 ? 0.5 : 2 ** (bin - 1) * Math.SQRT2) * 3_600_000;
}

/**
 * Cycle time of merged pull requests, on the merge's day, for everyone (key "") and the author: how many
 * merged, unapproved and deployed, and each stage's duration (model/cycle.ts `stageDurations`).
 */
export const CYCLE: Figure = {
  name: "cycle",
  version: 1,
  scopes: "visibility",
  counters: ["merged", "unapproved", "deployed"],
  histograms: CYCLE_STAGES,
  from: {
    pullRequests: (pr) => {
      if (pr.state !== "merged" || pr.mergedAt === undefined) return [];
      const durations = stageDurations(pr);
      const h: Record<string, number> = {};
      for (const stage of CYCLE_STAGES) {
        const ms = durations[stage];
        if (ms !== null) h[stage] = ms;
      }
      const n = {
        merged: 1,
        unapproved: pr.approvedAt === undefined ? 1 : 0,
        deployed: pr.deployedAt === undefined ? 0 : 1,
      };
      const day = dayOf(pr.mergedAt);
      return [
        { day, n, h },
        { day, key: pr.authorLogin, n, h },
      ];
    },
  },
};

/**
 * DORA's production deployments, on the day of their outcome (first success, else first failure):
 * deployments, successes, failures, and the time to restore of each success ending a failure run.
 */
export const DEPLOYMENTS: Figure = {
  name: "deployments",
  version: 1,
  scopes: "visibility",
  counters: ["deployments", "successes", "failures"],
  histograms: ["restore"],
  from: {
    deployments: (d) => {
      if (!d.production) return [];
      const success = d.succeededAt !== undefined;
      const at = d.succeededAt ?? d.failedAt;
      if (at === undefined) return [];
      return [
        {
          day: dayOf(at),
          n: { deployments: 1, successes: success ? 1 : 0, failures: success ? 0 : 1 },
          ...(success && d.restoreMs !== undefined && { h: { restore: d.restoreMs } }),
        },
      ];
    },
  },
};

/**
 * CI results per repository, on the day of the result: a check or status counts once by its latest
 * state (passed or failed; pending counts nothing), and as flaky when it failed and then passed.
 */
export const CI: Figure = {
  name: "ci",
  version: 1,
  scopes: "repository",
  counters: ["passed", "failed", "flaky"],
  histograms: [],
  from: {
    ciResults: (r) =>
      r.state === "pending"
        ? []
        : [
            {
              day: dayOf(r.updatedAt),
              n: {
                passed: r.state === "success" ? 1 : 0,
                failed: r.state === "failure" ? 1 : 0,
                flaky: r.flaky === true ? 1 : 0,
              },
            },
          ],
  },
};

/** Size classes of a pull request by changed lines (additions + deletions): under 10, 100, 500, 1,000, and more. */
export const SIZE_CLASSES = [
  ["xs", 10],
  ["s", 100],
  ["m", 500],
  ["l", 1_000],
  ["xl", Infinity],
] as const;

/**
 * Merged pull requests by size, on the merge's day, for everyone (key "") and the author: how many
 * changed under 10, 100, 500 and 1,000 lines, and more (PRs whose size GitHub did not tell are left out).
 */
export const SIZES: Figure = {
  name: "sizes",
  version: 1,
  scopes: "visibility",
  counters: SIZE_CLASSES.map(([name]) => name),
  histograms: [],
  from: {
    pullRequests: (pr) => {
      if (pr.state !== "merged" || pr.mergedAt === undefined) return [];
      if (pr.additions === undefined && pr.deletions === undefined) return [];
      const lines = (pr.additions ?? 0) + (pr.deletions ?? 0);
      const [size] = SIZE_CLASSES.find(([, under]) => lines < under)!;
      const day = dayOf(pr.mergedAt);
      return [
        { day, n: { [size]: 1 } },
        { day, key: pr.authorLogin, n: { [size]: 1 } },
      ];
    },
  },
};

export const FIGURES: readonly Figure[] = [ACTIVITY, PERSONAL_ACTIVITY, REVIEWERS, CYCLE, DEPLOYMENTS, CI, SIZES];
