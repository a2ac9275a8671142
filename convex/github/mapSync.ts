/** REST and GraphQL responses → normalized records (the sync path's counterpart of mapWebhook). */
import type { AnyRecord, CommentRecord, CommitRecord, IssueRecord, RepositoryRecord } from "../model/records";
import { checkRunState, commitStatusState } from "./ciStates";
import { parseGitHubTime } from "./time";
import type {
  GqlPullRequest,
  restCommit,
  restIssue,
  restIssueComment,
  restRepository,
  restReviewComment,
} from "./schemas";
import type { z } from "zod";

const GHOST = "ghost";
const time = (iso: string) => Date.parse(iso);
const optionalTime = (iso: string | null | undefined) => (iso ? { value: Date.parse(iso) } : null);

/** A repository object of the REST API or of a webhook payload (whose `push` uses epoch seconds). */
export function mapRepository(
  r: Omit<z.infer<typeof restRepository>, "archived" | "updated_at" | "pushed_at"> & {
    archived?: boolean | undefined;
    updated_at?: string | number | null | undefined;
    pushed_at?: string | number | null | undefined;
  },
): RepositoryRecord {
  const updatedAt = parseGitHubTime(r.updated_at);
  const pushedAt = parseGitHubTime(r.pushed_at);
  return {
    githubId: r.id,
    name: r.name,
    fullName: r.full_name,
    ownerLogin: r.owner.login,
    private: r.private,
    defaultBranch: r.default_branch,
    archived: r.archived ?? false,
    htmlUrl: r.html_url,
    ...(updatedAt !== undefined && { updatedAt }),
    ...(pushedAt !== undefined && { pushedAt }),
  };
}

/** Issues only: the issues endpoint also lists pull requests, which come from GraphQL instead. */
export function mapIssue(repoGithubId: number, i: z.infer<typeof restIssue>): IssueRecord | null {
  if (i.pull_request) return null;
  const closedAt = optionalTime(i.closed_at);
  return {
    githubId: i.id,
    repoGithubId,
    number: i.number,
    title: i.title,
    authorLogin: i.user?.login ?? GHOST,
    state: i.state,
    url: i.html_url,
    createdAt: time(i.created_at),
    updatedAt: time(i.updated_at),
    ...(closedAt && { closedAt: closedAt.value }),
  };
}

export function mapCommit(repoGithubId: number, c: z.infer<typeof restCommit>): CommitRecord {
  const date = c.commit.committer?.date ?? c.commit.author?.date;
  return {
    repoGithubId,
    sha: c.sha,
    authorLogin: c.author?.login ?? c.commit.author?.name ?? GHOST,
    message: c.commit.message.split("\n", 1)[0] ?? "",
    committedAt: date ? time(date) : 0,
    url: c.html_url,
  };
}

const trailingNumber = (url: string) => Number(url.slice(url.lastIndexOf("/") + 1));

export function mapIssueComment(repoGithubId: number, c: z.infer<typeof restIssueComment>): CommentRecord {
  return {
    githubId: c.id,
    repoGithubId,
    kind: "issue",
    issueNumber: trailingNumber(c.issue_url),
    authorLogin: c.user?.login ?? GHOST,
    url: c.html_url,
    createdAt: time(c.created_at),
    updatedAt: time(c.updated_at),
  };
}

export function mapReviewComment(repoGithubId: number, c: z.infer<typeof restReviewComment>): CommentRecord {
  return { ...mapIssueComment(repoGithubId, { ...c, issue_url: c.pull_request_url }), kind: "review" };
}

/** One GraphQL pull request node → the PR, its reviews and its head commit's CI results. */
export function mapGraphqlPullRequest(repoGithubId: number, pr: GqlPullRequest): AnyRecord[] {
  const head = pr.commits.nodes[0]?.commit;
  const headSha = head?.oid ?? pr.headRefOid;
  const closedAt = optionalTime(pr.closedAt);
  const mergedAt = optionalTime(pr.mergedAt);
  const out: AnyRecord[] = [
    {
      kind: "pullRequest",
      record: {
        githubId: pr.databaseId,
        repoGithubId,
        number: pr.number,
        title: pr.title,
        authorLogin: pr.author?.login ?? GHOST,
        state: pr.state === "OPEN" ? "open" : pr.state === "MERGED" ? "merged" : "closed",
        draft: pr.isDraft,
        mergeable:
          pr.mergeable === "MERGEABLE" ? "mergeable" : pr.mergeable === "CONFLICTING" ? "conflicting" : "unknown",
        headSha,
        requestedReviewers: pr.reviewRequests?.totalCount ?? 0,
        url: pr.url,
        createdAt: time(pr.createdAt),
        updatedAt: time(pr.updatedAt),
        ...(closedAt && { closedAt: closedAt.value }),
        ...(mergedAt && { mergedAt: mergedAt.value }),
      },
    },
  ];
  for (const r of pr.reviews?.nodes ?? []) {
    if (r.databaseId === null) continue;
    const submittedAt = optionalTime(r.submittedAt);
    out.push({
      kind: "review",
      record: {
        githubId: r.databaseId,
        repoGithubId,
        prNumber: pr.number,
        authorLogin: r.author?.login ?? GHOST,
        state: r.state.toLowerCase() as Lowercase<typeof r.state>,
        url: r.url,
        ...(submittedAt && { submittedAt: submittedAt.value }),
      },
    });
  }
  for (const c of head?.statusCheckRollup?.contexts.nodes ?? []) {
    if (c.__typename === "CheckRun") {
      const at = c.completedAt ?? c.startedAt;
      out.push({
        kind: "ci",
        record: {
          repoGithubId,
          sha: headSha,
          kind: "check_run",
          name: c.name,
          state: checkRunState(c.status, c.conclusion),
          updatedAt: at ? time(at) : time(pr.updatedAt),
          ...(c.detailsUrl && { url: c.detailsUrl }),
        },
      });
    } else {
      out.push({
        kind: "ci",
        record: {
          repoGithubId,
          sha: headSha,
          kind: "status",
          name: c.context,
          state: commitStatusState(c.state),
          updatedAt: time(c.createdAt),
          ...(c.targetUrl && { url: c.targetUrl }),
        },
      });
    }
  }
  return out;
}
