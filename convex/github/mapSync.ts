/** REST and GraphQL responses → normalized records (the sync path's counterpart of mapWebhook). */
import type { AnyRecord, CommentRecord, CommitRecord, IssueRecord } from "../model/records";
import { checkRunState, commitStatusState } from "./ciStates";
import { commentRecord, GHOST_LOGIN, issueRecord, loginOf, optionalTimeMs, reviewRecord, timeMs } from "./mapShared";
import type {
  GqlPullRequest,
  GqlRequestedReviewer,
  gqlIssue,
  restCommit,
  restIssue,
  restIssueComment,
  restReviewComment,
} from "./schemas";
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

/**
 * A requested reviewer's key, as webhooks name it: a login, or `team:<slug>`. GraphQL names a bot
 * without the `[bot]` suffix its REST login (and so the webhook payloads) carries. Undefined for a
 * deleted account or a kind of reviewer we do not know.
 */
function reviewerKey(r: GqlRequestedReviewer): string | undefined {
  if (!r) return undefined;
  if (r.__typename === "Team") return r.slug === undefined ? undefined : `team:${r.slug}`;
  if (r.login === undefined) return undefined;
  return r.__typename === "Bot" ? `${r.login}[bot]` : r.login;
}

/**
 * The PR's review requests and readiness from the sync: `reviewRequests` are the outstanding ones,
 * each dated by its reviewer's latest ReviewRequestedEvent in the timeline we read (undefined when
 * the event is older than that window: the write path then keeps the time it knew, or dates it by
 * this version); `requestHistory` every ReviewRequestedEvent read; `readyForReviewAt` the latest
 * ReadyForReviewEvent.
 */
function reviewRequestFields(pr: GqlPullRequest) {
  const requestHistory: Array<{ reviewer: string; requestedAt: number }> = [];
  let readyForReviewAt: number | undefined;
  for (const e of pr.timelineItems.nodes) {
    if (e?.__typename === "ReviewRequestedEvent") {
      const reviewer = reviewerKey(e.requestedReviewer);
      if (reviewer !== undefined) requestHistory.push({ reviewer, requestedAt: timeMs(e.createdAt) });
    } else if (e?.__typename === "ReadyForReviewEvent") {
      readyForReviewAt = Math.max(readyForReviewAt ?? 0, timeMs(e.createdAt));
    }
  }
  const latest = new Map<string, number>();
  for (const h of requestHistory) latest.set(h.reviewer, Math.max(latest.get(h.reviewer) ?? 0, h.requestedAt));
  const reviewers = new Set<string>();
  for (const n of pr.reviewRequests?.nodes ?? []) {
    const reviewer = reviewerKey(n?.requestedReviewer ?? null);
    if (reviewer !== undefined) reviewers.add(reviewer);
  }
  return {
    ...(pr.reviewRequests && {
      reviewRequests: [...reviewers].map((reviewer) => {
        const requestedAt = latest.get(reviewer);
        return { reviewer, ...(requestedAt !== undefined && { requestedAt }) };
      }),
    }),
    requestHistory: requestHistory.sort((a, b) => a.requestedAt - b.requestedAt),
    ...(readyForReviewAt !== undefined && { readyForReviewAt }),
  };
}

/** The first commit's time: the earlier of its authored and committed dates (a rebase moves only the latter). */
function firstCommitAt(pr: GqlPullRequest): { firstCommitAt?: number } {
  const c = pr.firstCommit.nodes[0]?.commit;
  return c ? { firstCommitAt: Math.min(timeMs(c.authoredDate), timeMs(c.committedDate)) } : {};
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
        ...reviewRequestFields(pr),
        additions: pr.additions,
        deletions: pr.deletions,
        changedFiles: pr.changedFiles,
        url: pr.url,
        createdAt: timeMs(pr.createdAt),
        updatedAt: timeMs(pr.updatedAt),
        ...optionalTimeMs("closedAt", pr.closedAt),
        ...optionalTimeMs("mergedAt", pr.mergedAt),
        ...firstCommitAt(pr),
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
