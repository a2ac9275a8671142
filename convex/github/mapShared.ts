/**
 * The mapping both GitHub sources share: the sync path's REST/GraphQL responses (mapSync.ts) and
 * webhook payloads (mapWebhook.ts) describe the same things with slightly different fields, so each
 * concept (author, timestamp, repository, issue, comment, review) is mapped once, here.
 *
 *   authorLogin: loginOf(i.user)                       // "ghost" for deleted accounts
 *   createdAt: timeMs(i.created_at), ...optionalTimeMs("closedAt", i.closed_at)
 *   issueRecord(repoGithubId, i) / commentRecord(repoGithubId, "issue", number, c) / reviewRecord(…)
 */
import type { z } from "zod";
import type { CommentRecord, IssueRecord, RepositoryRecord, ReviewRecord, ReviewState } from "../model/records";
import type { restRepository } from "./schemas";

type GitHubTime = string | number | null | undefined;
type Author = { login: string } | null | undefined;

/** GitHub's stand-in for deleted accounts, which arrive as a null user. */
export const GHOST_LOGIN = "ghost";

export const loginOf = (user: Author): string => user?.login ?? GHOST_LOGIN;

/** GitHub timestamps → epoch ms. ISO strings, or epoch seconds (push payloads' repository). */
function parseGitHubTime(t: GitHubTime): number | undefined {
  if (t === null || t === undefined) return undefined;
  if (typeof t === "number") return t * 1000;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A required timestamp; 0 when GitHub sent none (a record field cannot be absent or NaN). */
export const timeMs = (t: GitHubTime): number => parseGitHubTime(t) ?? 0;

/** An optional timestamp as `{ [key]: ms }`, or `{}` so the record carries no null (Convex rejects it). */
export function optionalTimeMs<K extends string>(key: K, t: GitHubTime): { [P in K]?: number } {
  const value = parseGitHubTime(t);
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

/** A repository object of the REST API or of a webhook payload (whose `push` uses epoch seconds). */
export function mapRepository(
  r: Omit<z.infer<typeof restRepository>, "archived" | "updated_at" | "pushed_at"> & {
    archived?: boolean | undefined;
    updated_at?: GitHubTime;
    pushed_at?: GitHubTime;
  },
): RepositoryRecord {
  return {
    githubId: r.id,
    name: r.name,
    fullName: r.full_name,
    ownerLogin: r.owner.login,
    private: r.private,
    defaultBranch: r.default_branch,
    archived: r.archived ?? false,
    htmlUrl: r.html_url,
    ...optionalTimeMs("updatedAt", r.updated_at),
    ...optionalTimeMs("pushedAt", r.pushed_at),
  };
}

/** An issue of the REST issues list or an `issues` payload (callers drop pull requests first). */
export function issueRecord(
  repoGithubId: number,
  i: {
    id: number;
    number: number;
    title: string;
    user?: Author;
    /** Absent in some webhook payloads: derived from `closed_at` then. */
    state?: "open" | "closed" | undefined;
    html_url: string;
    created_at: string;
    updated_at: string;
    closed_at?: string | null | undefined;
  },
): IssueRecord {
  return {
    githubId: i.id,
    repoGithubId,
    number: i.number,
    title: i.title,
    authorLogin: loginOf(i.user),
    state: i.state ?? (i.closed_at ? "closed" : "open"),
    url: i.html_url,
    createdAt: timeMs(i.created_at),
    updatedAt: timeMs(i.updated_at),
    ...optionalTimeMs("closedAt", i.closed_at),
  };
}

/** A conversation ("issue") or diff ("review") comment on issue or pull request `issueNumber`. */
export function commentRecord(
  repoGithubId: number,
  kind: CommentRecord["kind"],
  issueNumber: number,
  c: { id: number; user?: Author; html_url: string; created_at: string; updated_at: string },
): CommentRecord {
  return {
    githubId: c.id,
    repoGithubId,
    kind,
    issueNumber,
    authorLogin: loginOf(c.user),
    url: c.html_url,
    createdAt: timeMs(c.created_at),
    updatedAt: timeMs(c.updated_at),
  };
}

/** GitHub's review state in either spelling (REST `approved`, GraphQL `APPROVED`); null if unknown. */
export function reviewState(state: string): ReviewState | null {
  const s = state.toLowerCase();
  return s === "approved" || s === "changes_requested" || s === "commented" || s === "dismissed" || s === "pending"
    ? s
    : null;
}

/** A review of pull request `prNumber`; the fields are named as neutrally as REST and GraphQL allow. */
export function reviewRecord(
  repoGithubId: number,
  prNumber: number,
  r: { id: number; author: Author; state: ReviewState; url: string; submittedAt: string | null | undefined },
): ReviewRecord {
  return {
    githubId: r.id,
    repoGithubId,
    prNumber,
    authorLogin: loginOf(r.author),
    state: r.state,
    url: r.url,
    ...optionalTimeMs("submittedAt", r.submittedAt),
  };
}
