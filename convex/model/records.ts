/**
 * Normalized records: the only shapes the write path accepts.
 *
 * Every source (GraphQL/REST sync pages, webhook payloads) is mapped to these by `convex/github/`
 * mappers, so the write path never sees a GitHub payload. Timestamps are epoch milliseconds.
 * `updatedAt` is GitHub's own `updated_at` and drives newer-wins.
 */
import { v, type Infer } from "convex/values";

export const repositoryRecord = v.object({
  githubId: v.number(),
  name: v.string(),
  fullName: v.string(),
  ownerLogin: v.string(),
  private: v.boolean(),
  defaultBranch: v.string(),
  archived: v.boolean(),
  htmlUrl: v.string(),
  /** GitHub's `updated_at`; absent in the trimmed repository objects of installation webhooks. */
  updatedAt: v.optional(v.number()),
  pushedAt: v.optional(v.number()),
});
export type RepositoryRecord = Infer<typeof repositoryRecord>;

/** The trimmed repository object of `installation` / `installation_repositories` payloads. */
export const repositoryRef = v.object({
  githubId: v.number(),
  name: v.string(),
  fullName: v.string(),
  private: v.boolean(),
});
export type RepositoryRef = Infer<typeof repositoryRef>;

const mergeableState = v.union(v.literal("mergeable"), v.literal("conflicting"), v.literal("unknown"));

export const pullRequestRecord = v.object({
  githubId: v.number(),
  repoGithubId: v.number(),
  number: v.number(),
  title: v.string(),
  authorLogin: v.string(),
  state: v.union(v.literal("open"), v.literal("closed"), v.literal("merged")),
  draft: v.boolean(),
  mergeable: mergeableState,
  headSha: v.string(),
  /** Reviewers (users or teams) whose review is requested and still outstanding. */
  requestedReviewers: v.number(),
  /**
   * Who is requested: a login, or `team:<slug>`; `requestedAt` when the source knows it (a
   * review_requested event, the timeline). Absent when the source does not list them.
   */
  reviewRequests: v.optional(v.array(v.object({ reviewer: v.string(), requestedAt: v.optional(v.number()) }))),
  /**
   * Every review request the source knows of, fulfilled ones included (the timeline's
   * ReviewRequestedEvents; a review_requested webhook's one request): reviewer load measures
   * request → first review from these. Absent when the source does not know them.
   */
  requestHistory: v.optional(v.array(v.object({ reviewer: v.string(), requestedAt: v.number() }))),
  /** When it left draft (ready_for_review), if the source knows it. */
  readyForReviewAt: v.optional(v.number()),
  /** Its first commit's time (cycle time's coding stage starts there), if the source knows it. */
  firstCommitAt: v.optional(v.number()),
  additions: v.optional(v.number()),
  deletions: v.optional(v.number()),
  changedFiles: v.optional(v.number()),
  url: v.string(),
  createdAt: v.number(),
  updatedAt: v.number(),
  closedAt: v.optional(v.number()),
  mergedAt: v.optional(v.number()),
});
export type PullRequestRecord = Infer<typeof pullRequestRecord>;

const reviewState = v.union(
  v.literal("approved"),
  v.literal("changes_requested"),
  v.literal("commented"),
  v.literal("dismissed"),
  v.literal("pending"),
);
export type ReviewState = Infer<typeof reviewState>;

export const reviewRecord = v.object({
  githubId: v.number(),
  repoGithubId: v.number(),
  /** Keyed by PR number, not PR document, so a review may arrive before its pull request. */
  prNumber: v.number(),
  authorLogin: v.string(),
  state: reviewState,
  /** Pending reviews have no submission time yet. */
  submittedAt: v.optional(v.number()),
  url: v.string(),
});
export type ReviewRecord = Infer<typeof reviewRecord>;

const ciState = v.union(v.literal("success"), v.literal("failure"), v.literal("pending"));
export type CiState = Infer<typeof ciState>;

/** One check run or one commit-status context on a commit; the latest per (sha, kind, name) wins. */
export const ciRecord = v.object({
  repoGithubId: v.number(),
  sha: v.string(),
  kind: v.union(v.literal("check_run"), v.literal("status")),
  name: v.string(),
  state: ciState,
  /** completed_at/started_at for check runs, updated_at for statuses. */
  updatedAt: v.number(),
  url: v.optional(v.string()),
});
export type CiRecord = Infer<typeof ciRecord>;

export const issueRecord = v.object({
  githubId: v.number(),
  repoGithubId: v.number(),
  number: v.number(),
  title: v.string(),
  authorLogin: v.string(),
  state: v.union(v.literal("open"), v.literal("closed")),
  url: v.string(),
  createdAt: v.number(),
  updatedAt: v.number(),
  closedAt: v.optional(v.number()),
});
export type IssueRecord = Infer<typeof issueRecord>;

export const commitRecord = v.object({
  repoGithubId: v.number(),
  sha: v.string(),
  /** GitHub login when the commit author maps to a user, else the git author name. */
  authorLogin: v.string(),
  /** First line of the message. */
  message: v.string(),
  committedAt: v.number(),
  url: v.string(),
});
export type CommitRecord = Infer<typeof commitRecord>;

export const commentRecord = v.object({
  githubId: v.number(),
  repoGithubId: v.number(),
  kind: v.union(v.literal("issue"), v.literal("review")),
  /** Issue or pull request number the comment belongs to. */
  issueNumber: v.number(),
  authorLogin: v.string(),
  url: v.string(),
  createdAt: v.number(),
  updatedAt: v.number(),
});
export type CommentRecord = Infer<typeof commentRecord>;

/**
 * A deployment of a repository: a GitHub deployment (`source` "deployment", keyed by its id) or, for a
 * repository that chose the fallback, a completed Actions workflow run on its default branch
 * ("workflow_run", keyed by the run id; `environment` is the workflow's name).
 */
export const deploymentRecord = v.object({
  githubId: v.number(),
  repoGithubId: v.number(),
  source: v.union(v.literal("deployment"), v.literal("workflow_run")),
  environment: v.string(),
  /** Workflow runs: the workflow file's path (`.github/workflows/deploy.yml`), matched by the repository's choice. */
  workflowPath: v.optional(v.string()),
  /** GitHub's `production_environment` when the source says so. */
  productionEnvironment: v.optional(v.boolean()),
  sha: v.string(),
  ref: v.optional(v.string()),
  creatorLogin: v.optional(v.string()),
  url: v.string(),
  createdAt: v.number(),
  /** The latest status's time: drives newer-wins. */
  updatedAt: v.number(),
  /** The latest status: error counts as failure; inactive (superseded) keeps an earlier success. */
  state: v.union(v.literal("pending"), v.literal("success"), v.literal("failure"), v.literal("inactive")),
  /** When it first succeeded / first failed, if the source knows it (kept across versions). */
  succeededAt: v.optional(v.number()),
  failedAt: v.optional(v.number()),
});
export type DeploymentRecord = Infer<typeof deploymentRecord>;

/** Something GitHub says no longer exists (an issue or comment was deleted). */
const deletionRecord = v.object({
  entity: v.union(v.literal("issue"), v.literal("comment")),
  repoGithubId: v.number(),
  githubId: v.number(),
});
export type DeletionRecord = Infer<typeof deletionRecord>;

/** A tagged record, so one batch can carry any mix (webhook events touch several kinds at once). */
export const anyRecord = v.union(
  v.object({ kind: v.literal("pullRequest"), record: pullRequestRecord }),
  v.object({ kind: v.literal("review"), record: reviewRecord }),
  v.object({ kind: v.literal("ci"), record: ciRecord }),
  v.object({ kind: v.literal("issue"), record: issueRecord }),
  v.object({ kind: v.literal("commit"), record: commitRecord }),
  v.object({ kind: v.literal("comment"), record: commentRecord }),
  v.object({ kind: v.literal("deletion"), record: deletionRecord }),
  v.object({ kind: v.literal("deployment"), record: deploymentRecord }),
);
export type AnyRecord = Infer<typeof anyRecord>;
