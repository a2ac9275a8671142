/** Builders for normalized records in tests; every field overridable. */
import type {
  CiRecord,
  CommentRecord,
  CommitRecord,
  IssueRecord,
  PullRequestRecord,
  RepositoryRecord,
  ReviewRecord,
} from "../../convex/model/records";

export const T0 = Date.UTC(2026, 9, 1, 12); // 2026-10-01 12:00 UTC
export const HOUR = 3_600_000;

export const repo = (o: Partial<RepositoryRecord> = {}): RepositoryRecord => {
  const name = o.name ?? "widgets";
  return {
    githubId: 500,
    name,
    fullName: `acme/${name}`,
    ownerLogin: "acme",
    private: false,
    defaultBranch: "main",
    archived: false,
    htmlUrl: `https://github.com/acme/${name}`,
    ...o,
  };
};

export const pr = (o: Partial<PullRequestRecord> = {}): PullRequestRecord => ({
  githubId: 7000 + (o.number ?? 1),
  repoGithubId: 500,
  number: 1,
  title: "Add widgets",
  authorLogin: "octocat",
  state: "open",
  draft: false,
  mergeable: "mergeable",
  headSha: "a".repeat(40),
  requestedReviewers: 0,
  url: "https://github.com/acme/widgets/pull/1",
  createdAt: T0,
  updatedAt: T0,
  ...o,
});

export const review = (o: Partial<ReviewRecord> = {}): ReviewRecord => ({
  githubId: 80_000,
  repoGithubId: 500,
  prNumber: 1,
  authorLogin: "hubot",
  state: "approved",
  submittedAt: T0 + 2 * HOUR,
  url: "https://github.com/acme/widgets/pull/1#pullrequestreview-80000",
  ...o,
});

export const ci = (o: Partial<CiRecord> = {}): CiRecord => ({
  repoGithubId: 500,
  sha: "a".repeat(40),
  kind: "check_run",
  name: "build",
  state: "success",
  updatedAt: T0 + HOUR,
  ...o,
});

export const issue = (o: Partial<IssueRecord> = {}): IssueRecord => ({
  githubId: 9000 + (o.number ?? 2),
  repoGithubId: 500,
  number: 2,
  title: "Widgets are broken",
  authorLogin: "octocat",
  state: "open",
  url: "https://github.com/acme/widgets/issues/2",
  createdAt: T0,
  updatedAt: T0,
  ...o,
});

export const commit = (o: Partial<CommitRecord> = {}): CommitRecord => ({
  repoGithubId: 500,
  sha: "c".repeat(40),
  authorLogin: "octocat",
  message: "Fix widgets",
  committedAt: T0,
  url: "https://github.com/acme/widgets/commit/" + "c".repeat(40),
  ...o,
});

export const comment = (o: Partial<CommentRecord> = {}): CommentRecord => ({
  githubId: 60_000,
  repoGithubId: 500,
  kind: "issue",
  issueNumber: 2,
  authorLogin: "hubot",
  url: "https://github.com/acme/widgets/issues/2#issuecomment-60000",
  createdAt: T0,
  updatedAt: T0,
  ...o,
});
