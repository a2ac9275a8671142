/**
 * One upsert for every base table, driven by a table of specs: how a record finds its document, when
 * the stored version must be kept (newer-wins, tombstones, immutable commits), and what document it
 * becomes. The write path adds the derived effects; this module only decides and writes the row.
 *
 * Usage: `const r = await upsert(ctx.db, UPSERTS.issue, scope, record)`
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import type { WithoutSystemFields } from "convex/server";
import { countedAt, isProduction } from "./deployments";
import { derivePullRequest } from "./derivePullRequest";
import type {
  CiRecord,
  CommentRecord,
  CommitRecord,
  DeploymentRecord,
  IssueRecord,
  PullRequestRecord,
  ReviewRecord,
} from "./records";

export type BaseTable = "pullRequests" | "reviews" | "ciResults" | "issues" | "commits" | "comments" | "deployments";
export type Row<T extends BaseTable> = WithoutSystemFields<Doc<T>>;
type Scope = { installationId: Id<"installations">; repositoryId: Id<"repositories"> };

export type UpsertSpec<T extends BaseTable, R> = {
  table: T;
  find(db: DatabaseReader, scope: Scope, rec: R): Promise<Doc<T> | null>;
  /** Why the stored document must not be overwritten by `rec`, if it must not. */
  keep(existing: Doc<T>, rec: R): "stale" | "unchanged" | undefined;
  build(db: DatabaseReader, scope: Scope, rec: R, existing: Doc<T> | null): Promise<Row<T>>;
};

type Upserted<T extends BaseTable> =
  | { outcome: "inserted" | "updated"; id: Id<T>; before: Doc<T> | null; after: Row<T> }
  | { outcome: "unchanged" | "stale" };

export async function upsert<T extends BaseTable, R>(
  db: DatabaseWriter,
  spec: UpsertSpec<T, R>,
  scope: Scope,
  rec: R,
): Promise<Upserted<T>> {
  const existing = await spec.find(db, scope, rec);
  const kept = existing && spec.keep(existing, rec);
  if (kept) return { outcome: kept };
  const next = await spec.build(db, scope, rec, existing);
  if (existing && !differs(existing, next)) return { outcome: "unchanged" };
  if (existing) await db.patch(existing._id, next as Partial<Doc<T>>);
  const id = existing ? existing._id : ((await db.insert(spec.table, next as never)) as Id<T>);
  return { outcome: existing ? "updated" : "inserted", id, before: existing, after: stored(existing, next) };
}

/**
 * The document as stored after patching `existing` with `next`: a field `next` does not name keeps its
 * value (a webhook's record may not carry a PR's size), one it sets to undefined is removed. What the
 * write path's listeners count must be what a recount of the stored document finds.
 */
function stored<T extends BaseTable>(existing: Doc<T> | null, next: Row<T>): Row<T> {
  if (!existing) return next;
  const { _id, _creationTime, ...fields } = existing;
  const merged: Record<string, unknown> = { ...fields, ...next };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged as Row<T>;
}

/** True when any field of `next` differs from `doc` (undefined and absent are the same). */
export function differs(doc: object, next: object): boolean {
  const d = doc as Record<string, unknown>;
  return Object.entries(next).some(([k, v]) => JSON.stringify(d[k]) !== JSON.stringify(v));
}

const byGithubId =
  <T extends "pullRequests" | "reviews" | "issues" | "comments">(table: T) =>
  (db: DatabaseReader, scope: Scope, rec: { githubId: number }) =>
    // Every one of these tables has `by_repo_github_id`; TypeScript cannot see that through the union.
    (db.query(table as "issues") as ReturnType<DatabaseReader["query"]> & ReturnType<typeof db.query<"issues">>)
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", scope.repositoryId).eq("githubId", rec.githubId))
      .unique() as Promise<Doc<T> | null>;

/** The record's own fields, scoped by documents instead of the repository's GitHub id. */
const scoped = <R extends { repoGithubId: number }>(scope: Scope, rec: R) => {
  const { repoGithubId: _, ...fields } = rec;
  return { ...scope, ...fields };
};

/**
 * Outstanding requests with their times: a time the source gives wins (a re-request moves it); else the
 * time we first saw the request; a request first seen now was made at the latest by this version.
 * A source that does not list requests keeps what is stored.
 */
function reviewRequestsOf(rec: PullRequestRecord, existing: Doc<"pullRequests"> | null) {
  if (rec.reviewRequests === undefined) return existing?.reviewRequests;
  const known = new Map((existing?.reviewRequests ?? []).map((r) => [r.reviewer, r.requestedAt]));
  return rec.reviewRequests.map((r) => ({
    reviewer: r.reviewer,
    requestedAt: r.requestedAt ?? known.get(r.reviewer) ?? rec.updatedAt,
  }));
}

const laterReady = (rec: PullRequestRecord, existing: Doc<"pullRequests"> | null) =>
  rec.readyForReviewAt !== undefined && rec.readyForReviewAt > (existing?.readyForReviewAt ?? -Infinity);

/** The first commit's time: the earliest known wins (webhook payloads don't carry it; the sync does). */
const earlierFirstCommit = (rec: PullRequestRecord, existing: Doc<"pullRequests"> | null) =>
  rec.firstCommitAt !== undefined && rec.firstCommitAt < (existing?.firstCommitAt ?? Infinity);

/** The most review requests a pull request's history keeps: the latest. */
const REQUEST_HISTORY_CAP = 100;

/**
 * Every review request known, across versions and sources: the stored and incoming entries, one per
 * (reviewer, time), oldest first, the latest `REQUEST_HISTORY_CAP`. A source without history keeps
 * what is stored. Requests are facts: an older version may add them too (see `addsHistory`).
 */
function requestHistoryOf(rec: PullRequestRecord, existing: Doc<"pullRequests"> | null) {
  if (rec.requestHistory === undefined) return existing?.requestHistory;
  const entries = new Map<string, { reviewer: string; requestedAt: number }>();
  for (const h of [...(existing?.requestHistory ?? []), ...rec.requestHistory]) {
    entries.set(JSON.stringify([h.requestedAt, h.reviewer]), { reviewer: h.reviewer, requestedAt: h.requestedAt });
  }
  if (entries.size === 0) return existing?.requestHistory;
  return [...entries.values()]
    .sort((a, b) => a.requestedAt - b.requestedAt || (a.reviewer < b.reviewer ? -1 : a.reviewer > b.reviewer ? 1 : 0))
    .slice(-REQUEST_HISTORY_CAP);
}

const addsHistory = (rec: PullRequestRecord, existing: Doc<"pullRequests">) =>
  JSON.stringify(requestHistoryOf(rec, existing) ?? []) !== JSON.stringify(existing.requestHistory ?? []);

/**
 * A check that failed and then passed on the same (sha, kind, name) is a re-run that passed: `flaky`,
 * never unset. `false` remembers a failure seen, so failure → pending (the re-run) → success counts too.
 */
function flakyOf(existing: Doc<"ciResults"> | null, rec: CiRecord): { flaky?: boolean } {
  if (existing?.flaky) return { flaky: true };
  const failedBefore = existing?.state === "failure" || existing?.flaky === false;
  if (rec.state === "success" && failedBefore) return { flaky: true };
  return rec.state === "failure" || failedBefore ? { flaky: false } : {};
}

/** The earlier of two known times. */
const earliest = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** A deployment's first success / failure are facts: an older version that knows an earlier one still adds it. */
const earlierOutcome = (existing: Doc<"deployments">, rec: DeploymentRecord) =>
  earliest(existing.succeededAt, rec.succeededAt) !== existing.succeededAt ||
  earliest(existing.failedAt, rec.failedAt) !== existing.failedAt;

/** A review only moves forward: pending → submitted → dismissed. */
const reviewRank = (s: ReviewRecord["state"]) => (s === "pending" ? 0 : s === "dismissed" ? 2 : 1);

export const UPSERTS = {
  pullRequest: {
    table: "pullRequests",
    find: byGithubId("pullRequests"),
    // An older version is stale, unless it carries a later ready-for-review time or review requests
    // not yet in the history (facts, kept in any order).
    keep: (existing, rec) =>
      existing.updatedAt > rec.updatedAt &&
      !laterReady(rec, existing) &&
      !addsHistory(rec, existing) &&
      !earlierFirstCommit(rec, existing)
        ? "stale"
        : undefined,
    build: async (db, scope, rec, existing) => {
      const readyForReviewAt = laterReady(rec, existing) ? rec.readyForReviewAt : existing?.readyForReviewAt;
      const requestHistory = requestHistoryOf(rec, existing);
      const firstCommitAt = earlierFirstCommit(rec, existing) ? rec.firstCommitAt : existing?.firstCommitAt;
      if (existing && existing.updatedAt > rec.updatedAt) {
        const { _id, _creationTime, ...stored } = existing;
        const base = { ...stored, readyForReviewAt, requestHistory, firstCommitAt };
        return { ...base, ...(await derivePullRequest(db, scope.repositoryId, base)) };
      }
      // GitHub computes mergeability lazily: keep what we knew while the head commit is the same.
      const mergeable =
        rec.mergeable === "unknown" && existing?.headSha === rec.headSha ? existing.mergeable : rec.mergeable;
      const base = {
        closedAt: undefined,
        mergedAt: undefined,
        ...scoped(scope, rec),
        mergeable,
        reviewRequests: reviewRequestsOf(rec, existing),
        readyForReviewAt,
        requestHistory,
        firstCommitAt,
      };
      // Derived from the document as it will be stored: a field the record does not name (a webhook's
      // may lack the PR's size) keeps its stored value, and the derivation must see it too.
      const { _id, _creationTime, ...kept } = existing ?? { _id: null, _creationTime: null };
      return { ...base, ...(await derivePullRequest(db, scope.repositoryId, { ...kept, ...base })) };
    },
  } satisfies UpsertSpec<"pullRequests", PullRequestRecord>,
  review: {
    table: "reviews",
    find: byGithubId("reviews"),
    keep: (existing, rec) => (reviewRank(existing.state) > reviewRank(rec.state) ? "stale" : undefined),
    build: async (_db, scope, rec) => ({ submittedAt: undefined, ...scoped(scope, rec) }),
  } satisfies UpsertSpec<"reviews", ReviewRecord>,
  ci: {
    table: "ciResults",
    find: (db, scope, rec) =>
      db
        .query("ciResults")
        .withIndex("by_repo_sha_name", (q) =>
          q.eq("repositoryId", scope.repositoryId).eq("sha", rec.sha).eq("kind", rec.kind).eq("name", rec.name),
        )
        .unique(),
    keep: (existing, rec) => (existing.updatedAt > rec.updatedAt ? "stale" : undefined),
    build: async (_db, scope, rec, existing) => ({ url: undefined, ...scoped(scope, rec), ...flakyOf(existing, rec) }),
  } satisfies UpsertSpec<"ciResults", CiRecord>,
  issue: {
    table: "issues",
    find: byGithubId("issues"),
    // A tombstone is final: a late, older event cannot resurrect a deleted issue.
    keep: (existing, rec) => (existing.deleted || existing.updatedAt > rec.updatedAt ? "stale" : undefined),
    build: async (_db, scope, rec) => ({ closedAt: undefined, ...scoped(scope, rec), deleted: false }),
  } satisfies UpsertSpec<"issues", IssueRecord>,
  commit: {
    table: "commits",
    find: (db, scope, rec) =>
      db
        .query("commits")
        .withIndex("by_repo_sha", (q) => q.eq("repositoryId", scope.repositoryId).eq("sha", rec.sha))
        .unique(),
    keep: () => "unchanged", // a commit never changes
    build: async (_db, scope, rec) => scoped(scope, rec),
  } satisfies UpsertSpec<"commits", CommitRecord>,
  comment: {
    table: "comments",
    find: byGithubId("comments"),
    keep: (existing, rec) => (existing.deleted || existing.updatedAt > rec.updatedAt ? "stale" : undefined),
    build: async (_db, scope, rec) => ({ ...scoped(scope, rec), deleted: false }),
  } satisfies UpsertSpec<"comments", CommentRecord>,
  deployment: {
    table: "deployments",
    find: (db, scope, rec) =>
      db
        .query("deployments")
        .withIndex("by_repo_source_github_id", (q) =>
          q.eq("repositoryId", scope.repositoryId).eq("source", rec.source).eq("githubId", rec.githubId),
        )
        .unique(),
    // Newer-wins by the latest status's time; at the same time a terminal state beats "pending" (the
    // `deployment` event of a deployment whose status arrived first).
    keep: (existing, rec) =>
      (existing.updatedAt > rec.updatedAt ||
        (existing.updatedAt === rec.updatedAt && rec.state === "pending" && existing.state !== "pending")) &&
      !earlierOutcome(existing, rec)
        ? "stale"
        : undefined,
    build: async (db, scope, rec, existing) => {
      const { _id, _creationTime, production: _p, ...stored } = existing ?? ({} as Partial<Doc<"deployments">>);
      const newer =
        !existing ||
        existing.updatedAt < rec.updatedAt ||
        (existing.updatedAt === rec.updatedAt && rec.state !== "pending");
      const base = newer
        ? {
            // What only some sources carry (GraphQL has no production flag) stays known.
            workflowPath: existing?.workflowPath,
            productionEnvironment: existing?.productionEnvironment,
            ref: existing?.ref,
            creatorLogin: existing?.creatorLogin,
            ...scoped(scope, rec),
            restoreMs: existing?.restoreMs,
          }
        : (stored as Omit<Doc<"deployments">, "_id" | "_creationTime" | "production">);
      const outcomes = {
        succeededAt: earliest(existing?.succeededAt, rec.succeededAt),
        failedAt: earliest(existing?.failedAt, rec.failedAt),
      };
      const production = await isProduction(db, scope.repositoryId, base);
      return { ...base, ...outcomes, production, countedAt: countedAt({ production, ...outcomes }) };
    },
  } satisfies UpsertSpec<"deployments", DeploymentRecord>,
};
