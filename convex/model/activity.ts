/**
 * Which activity events a stored document implies, pure (as `contribution.ts` is for counters). The
 * write path records `activityOf(after)` minus `activityOf(before)`, each once per key, so the feed
 * and the daily counts follow every change whatever order GitHub's data arrives in.
 *
 * Keys are `<type>:<github id>[:<event time>]`, never built from content, so edits never duplicate.
 */
import type { Doc } from "../_generated/dataModel";

type ActivityType = Doc<"activityEvents">["type"];

export type ActivityDraft = {
  type: ActivityType;
  key: string;
  at: number;
  actor: string;
  url: string;
  title?: string;
  verdict?: Doc<"activityEvents">["verdict"];
  /** A review's or comment's pull request (or issue) number: the write path names it by its title. */
  aboutNumber?: number;
};

type Stored<T extends "pullRequests" | "reviews" | "issues" | "commits" | "comments"> = Omit<
  Doc<T>,
  "_id" | "_creationTime" | "installationId" | "repositoryId"
>;

export type ActivitySource =
  | { kind: "pullRequest"; doc: Stored<"pullRequests"> }
  | { kind: "review"; doc: Stored<"reviews"> }
  | { kind: "issue"; doc: Stored<"issues"> }
  | { kind: "commit"; doc: Stored<"commits">; repoGithubId: number }
  | { kind: "comment"; doc: Stored<"comments"> };

/** Every event the document's current state implies. */
function activityOf(source: ActivitySource): ActivityDraft[] {
  switch (source.kind) {
    case "pullRequest": {
      const pr = source.doc;
      const base = { actor: pr.authorLogin, url: pr.url, title: pr.title };
      const out: ActivityDraft[] = [{ ...base, type: "pr_opened", key: `pr_opened:${pr.githubId}`, at: pr.createdAt }];
      if (pr.state === "merged" && pr.mergedAt !== undefined) {
        out.push({ ...base, type: "pr_merged", key: `pr_merged:${pr.githubId}`, at: pr.mergedAt });
      }
      if (pr.state === "closed" && pr.closedAt !== undefined) {
        out.push({ ...base, type: "pr_closed", key: `pr_closed:${pr.githubId}:${pr.closedAt}`, at: pr.closedAt });
      }
      return out;
    }
    case "review": {
      const r = source.doc;
      if (r.state === "pending" || r.submittedAt === undefined) return [];
      const key = `review_submitted:${r.githubId}`;
      const verdict = r.state;
      return [
        {
          type: "review_submitted",
          key,
          at: r.submittedAt,
          actor: r.authorLogin,
          url: r.url,
          title: `#${r.prNumber}`,
          verdict,
          aboutNumber: r.prNumber,
        },
      ];
    }
    case "issue": {
      const i = source.doc;
      const base = { actor: i.authorLogin, url: i.url, title: i.title };
      const out: ActivityDraft[] = [
        { ...base, type: "issue_opened", key: `issue_opened:${i.githubId}`, at: i.createdAt },
      ];
      if (i.state === "closed" && i.closedAt !== undefined) {
        out.push({ ...base, type: "issue_closed", key: `issue_closed:${i.githubId}:${i.closedAt}`, at: i.closedAt });
      }
      return out;
    }
    case "commit": {
      const c = source.doc;
      const key = `commit_pushed:${source.repoGithubId}:${c.sha}`;
      return [{ type: "commit_pushed", key, at: c.committedAt, actor: c.authorLogin, url: c.url, title: c.message }];
    }
    case "comment": {
      const c = source.doc;
      const key = `comment_created:${c.githubId}`;
      return [
        {
          type: "comment_created",
          key,
          at: c.createdAt,
          actor: c.authorLogin,
          url: c.url,
          title: `#${c.issueNumber}`,
          aboutNumber: c.issueNumber,
        },
      ];
    }
  }
}

/** Events `after` implies that `before` did not (those were recorded when `before` was written). */
export function newActivity(before: ActivitySource | null, after: ActivitySource): ActivityDraft[] {
  const seen = new Set(before ? activityOf(before).map((e) => e.key) : []);
  return activityOf(after).filter((e) => !seen.has(e.key));
}
