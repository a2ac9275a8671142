/** REST and GraphQL responses → normalized records (the sync path's counterpart of mapWebhook). */
import type { AnyRecord, CommentRecord, CommitRecord, IssueRecord } from "../model/records";
import { checkRunState, commitStatusState } from "./ciStates";
import { commentRecord, GHOST_LOGIN, issueRecord, loginOf, optionalTimeMs, reviewRecord, timeMs } from "./mapShared";
import type { GqlPullRequest, gqlIssue, restCommit, restIssue, restIssueComment, restReviewComment } from "./schemas";
import type { z } from "zod";

/** A GraphQL issue node → the same record as its REST form. */
export function mapGraphqlIssue(repoGithubId: number, i: z.infer<typeof gqlIssue>): IssueRecord {
  return issueRecord(repoGithubId, {
    id: i.databaseId,
    number: i.number,
    title: i.title,
    user: i.author,
    state: i.state === "OPEN" ? "open" : "closed",
    html_url: i.url,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
  });
}

/** Issues only: the issues endpoint also lists pull requests, which come from GraphQL instead. */
export function mapIssue(repoGithubId: number, i: z.infer<typeof restIssue>): IssueRecord | null {
  return i.pull_request ? null : issueRecord(repoGithubId, i);
}

export function mapCommit(repoGithubId: number, c: z.infer<typeof restCommit>): CommitRecord {
  return {
    repoGithubId,
    sha: c.sha,
    authorLogin: c.author?.login ?? c.commit.author?.name ?? GHOST_LOGIN,
    message: c.commit.message.split("\n", 1)[0] ?? "",
    committedAt: timeMs(c.commit.committer?.date ?? c.commit.author?.date),
    url: c.html_url,
  };
}

/** The comment lists name the issue or pull request only by its API URL, which ends in its number. */
const trailingNumber = (url: string) => Number(url.slice(url.lastIndexOf("/") + 1));

export function mapIssueComment(repoGithubId: number, c: z.infer<typeof restIssueComment>): CommentRecord {
  return commentRecord(repoGithubId, "issue", trailingNumber(c.issue_url), c);
}

export function mapReviewComment(repoGithubId: number, c: z.infer<typeof restReviewComment>): CommentRecord {
  return commentRecord(repoGithubId, "review", trailingNumber(c.pull_request_url), c);
}

/** One GraphQL pull request node → the PR, its reviews and its head commit's CI results. */
export function mapGraphqlPullRequest(repoGithubId: number, pr: GqlPullRequest): AnyRecord[] {
  const head = pr.commits.nodes[0]?.commit;
  const headSha = head?.oid ?? pr.headRefOid;
  const out: AnyRecord[] = [
    {
      kind: "pullRequest",
      record: {
        githubId: pr.databaseId,
        repoGithubId,
        number: pr.number,
        title: pr.title,
        authorLogin: loginOf(pr.author),
        state: pr.state === "OPEN" ? "open" : pr.state === "MERGED" ? "merged" : "closed",
        draft: pr.isDraft,
        mergeable:
          pr.mergeable === "MERGEABLE" ? "mergeable" : pr.mergeable === "CONFLICTING" ? "conflicting" : "unknown",
        headSha,
        requestedReviewers: pr.reviewRequests?.totalCount ?? 0,
        url: pr.url,
        createdAt: timeMs(pr.createdAt),
        updatedAt: timeMs(pr.updatedAt),
        ...optionalTimeMs("closedAt", pr.closedAt),
        ...optionalTimeMs("mergedAt", pr.mergedAt),
      },
    },
  ];
  for (const r of pr.reviews?.nodes ?? []) {
    if (r.databaseId === null) continue;
    out.push({
      kind: "review",
      record: reviewRecord(repoGithubId, pr.number, {
        id: r.databaseId,
        author: r.author,
        // The schema admits exactly GraphQL's five states, whose lower case are ours.
        state: r.state.toLowerCase() as Lowercase<typeof r.state>,
        url: r.url,
        submittedAt: r.submittedAt,
      }),
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
          updatedAt: timeMs(at ? at : pr.updatedAt),
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
          updatedAt: timeMs(c.createdAt),
          ...(c.targetUrl && { url: c.targetUrl }),
        },
      });
    }
  }
  return out;
}
