/**
 * The GitHub operations the product needs, each one request (one page), typed in and out.
 * Callers resume from the returned `next` cursor; nothing here loops over all pages, so a sync
 * slice decides how many pages it can afford.
 */
import type { AnyRecord, RepositoryRecord } from "../model/records";
import type { GitHubClient } from "./client";
import { GitHubError } from "./errors";
import { mapRepository } from "./mapShared";
import {
  mapCommit,
  mapGraphqlIssue,
  mapGraphqlPullRequest,
  mapIssue,
  mapIssueComment,
  mapReviewComment,
} from "./mapSync";
import { CLOSED_ISSUES_PAGE_QUERY, PULL_REQUESTS_PAGE_QUERY } from "./queries";
import type { RateLimitSnapshot } from "./rateLimit";
import {
  closedIssuesPage,
  hookDeliveries,
  installationRepositoriesPage,
  pullRequestsPage,
  rateLimitResponse,
  restCommits,
  restIssueComments,
  restIssues,
  restReviewComments,
} from "./schemas";
import { z } from "zod";

const PER_PAGE = 100;

interface RepoCoordinates {
  githubId: number;
  owner: string;
  name: string;
  defaultBranch: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The installation's repositories, one page; conditional on the first page's ETag. */
export async function listInstallationRepositories(
  client: GitHubClient,
  cursor: { next?: string; etag?: string } = {},
): Promise<
  | { notModified: true }
  | { notModified: false; repositories: RepositoryRecord[]; total: number; next?: string; etag?: string }
> {
  const res = await client.get(
    cursor.next ?? "/installation/repositories",
    { per_page: PER_PAGE },
    installationRepositoriesPage,
    {
      ...(cursor.etag && { etag: cursor.etag }),
    },
  );
  if (res.notModified) return { notModified: true };
  return {
    notModified: false,
    repositories: res.data.repositories.map(mapRepository),
    total: res.data.total_count,
    ...(res.next && { next: res.next }),
    ...(res.etag && { etag: res.etag }),
  };
}

/**
 * Has anything in the repository's issues or pull requests changed? The most recently updated
 * issue/PR (the issues list includes PRs) at a stable URL: its ETag changes exactly when any
 * issue or PR is updated, and a matching ETag costs a 304 and no primary rate-limit budget.
 */
export async function probeRepositoryChanges(
  client: GitHubClient,
  repo: RepoCoordinates,
  etag: string | undefined,
): Promise<{ changed: boolean; etag?: string }> {
  const res = await client.get(
    "/repos/{owner}/{repo}/issues",
    { owner: repo.owner, repo: repo.name, state: "all", sort: "updated", direction: "desc", per_page: 1 },
    restIssues,
    { ...(etag && { etag }) },
  );
  return { changed: !res.notModified, ...((res.etag ?? etag) && { etag: res.etag ?? etag }) };
}

export type PullRequestState = "OPEN" | "CLOSED" | "MERGED";

/**
 * A page of pull requests, most recently updated first, with reviews and head-commit checks; only
 * those in `states` when given (open work first: OPEN; history: CLOSED and MERGED).
 * `reachedWatermark` tells the caller it has seen everything updated since `since`; `cost` is the
 * points GitHub charged for the page (`rateLimit.cost`), which sizes the next one.
 */
export async function fetchPullRequestsPage(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { after?: string; pageSize: number; since?: number; states?: PullRequestState[] },
): Promise<{
  records: AnyRecord[];
  pullRequests: number;
  endCursor?: string;
  hasNextPage: boolean;
  reachedWatermark: boolean;
  totalCount: number;
  cost?: number;
}> {
  const data = await client.graphql(
    PULL_REQUESTS_PAGE_QUERY,
    {
      owner: repo.owner,
      name: repo.name,
      first: opts.pageSize,
      after: opts.after ?? null,
      states: opts.states ?? null,
    },
    pullRequestsPage,
  );
  if (!data.repository) throw new GitHubError("not_found", `repository ${repo.owner}/${repo.name} not found`);
  const { nodes, pageInfo, totalCount } = data.repository.pullRequests;
  const fresh = opts.since === undefined ? nodes : nodes.filter((n) => Date.parse(n.updatedAt) >= opts.since!);
  return {
    records: fresh.flatMap((n) => mapGraphqlPullRequest(repo.githubId, n)),
    pullRequests: fresh.length,
    ...(pageInfo.endCursor && { endCursor: pageInfo.endCursor }),
    hasNextPage: pageInfo.hasNextPage,
    reachedWatermark: fresh.length < nodes.length,
    totalCount,
    ...(data.rateLimit && { cost: data.rateLimit.cost }),
  };
}

/** A page of closed issues updated since `since` (GraphQL; `next` is the `after` cursor of the next page). */
export async function fetchClosedIssuesPage(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { after?: string; since: number },
): Promise<{ records: AnyRecord[]; next?: string; cost?: number }> {
  const data = await client.graphql(
    CLOSED_ISSUES_PAGE_QUERY,
    { owner: repo.owner, name: repo.name, after: opts.after ?? null, since: iso(opts.since) },
    closedIssuesPage,
  );
  if (!data.repository) throw new GitHubError("not_found", `repository ${repo.owner}/${repo.name} not found`);
  const { nodes, pageInfo } = data.repository.issues;
  return {
    records: nodes.map((n) => ({ kind: "issue" as const, record: mapGraphqlIssue(repo.githubId, n) })),
    ...(pageInfo.hasNextPage && pageInfo.endCursor && { next: pageInfo.endCursor }),
    ...(data.rateLimit && { cost: data.rateLimit.cost }),
  };
}

type Page = { records: AnyRecord[]; next?: string };
type ListOptions = { since?: number; next?: string };

interface ListKindSpec<T> {
  path: string;
  /** Query parameters besides owner, repo, per_page and since. */
  params: (repo: RepoCoordinates) => Record<string, string>;
  schema: z.ZodType<T[]>;
  /** One item → its record, or null to skip it. */
  map: (repoGithubId: number, item: T) => AnyRecord | null;
}

/** A kind's spec as a page lister; `T` ties its `map` to the items its schema parses. */
function listKind<T>(spec: ListKindSpec<T>) {
  return async (client: GitHubClient, repo: RepoCoordinates, opts: ListOptions): Promise<Page> => {
    const res = await client.get(
      opts.next ?? spec.path,
      { owner: repo.owner, repo: repo.name, ...spec.params(repo), per_page: PER_PAGE, since: iso(opts.since) },
      spec.schema,
    );
    if (res.notModified) return { records: [] };
    const records = res.data.flatMap((item) => spec.map(repo.githubId, item) ?? []);
    return { records, ...(res.next && { next: res.next }) };
  };
}

/** Issues in `state`, oldest update first. The list includes pull requests (from GraphQL): mapIssue skips them. */
const issuesKind = (state: "all" | "open" | "closed") =>
  listKind({
    path: "/repos/{owner}/{repo}/issues",
    params: () => ({ state, sort: "updated", direction: "asc" }),
    schema: restIssues,
    map: (repoGithubId, i) => {
      const issue = mapIssue(repoGithubId, i);
      return issue && { kind: "issue", record: issue };
    },
  });

/**
 * The repository-wide lists a sync walks from its watermark, one kind per sync phase. Issues and
 * comments come oldest update first, so the `next` cursor stays valid while items keep changing.
 */
const LIST_KINDS = {
  issues: issuesKind("all"),
  /** Open work first: the open issues, whatever their age. */
  openIssues: issuesKind("open"),
  issueComments: listKind({
    path: "/repos/{owner}/{repo}/issues/comments",
    params: () => ({ sort: "updated", direction: "asc" }),
    schema: restIssueComments,
    map: (repoGithubId, c) => ({ kind: "comment", record: mapIssueComment(repoGithubId, c) }),
  }),
  reviewComments: listKind({
    path: "/repos/{owner}/{repo}/pulls/comments",
    params: () => ({ sort: "updated", direction: "asc" }),
    schema: restReviewComments,
    map: (repoGithubId, c) => ({ kind: "comment", record: mapReviewComment(repoGithubId, c) }),
  }),
  /** Commits on the default branch only. */
  commits: listKind({
    path: "/repos/{owner}/{repo}/commits",
    params: (repo) => ({ sha: repo.defaultBranch }),
    schema: restCommits,
    map: (repoGithubId, c) => ({ kind: "commit", record: mapCommit(repoGithubId, c) }),
  }),
};
type ListKind = keyof typeof LIST_KINDS;

/** One page of `kind` updated (commits: committed) since the watermark, resuming from `next`. */
export function listSince(
  client: GitHubClient,
  repo: RepoCoordinates,
  kind: ListKind,
  opts: ListOptions,
): Promise<Page> {
  return LIST_KINDS[kind](client, repo, opts);
}

/**
 * The current budgets of the resources the sync spends (`core`, `graphql`), read from
 * GET /rate_limit (which costs none) and kept in `client.rateLimits` like any response's snapshot.
 */
export async function readRateLimits(client: GitHubClient): Promise<RateLimitSnapshot[]> {
  const res = await client.get("/rate_limit", {}, rateLimitResponse);
  if (res.notModified) return [];
  const observedAt = Date.now();
  const snapshots = Object.entries(res.data.resources)
    .filter(([resource]) => resource === "core" || resource === "graphql")
    .map(([resource, r]) => ({
      resource,
      limit: r.limit,
      remaining: r.remaining,
      used: r.used,
      resetAt: r.reset * 1000,
      observedAt,
    }));
  for (const s of snapshots) client.rateLimits[s.resource] = s;
  return snapshots;
}

/** The app's recent webhook deliveries, newest first, one cursor page (app-authenticated client). */
export async function listHookDeliveries(appClient: GitHubClient, next?: string) {
  const res = await appClient.get(next ?? "/app/hook/deliveries", { per_page: PER_PAGE }, hookDeliveries);
  if (res.notModified) return { deliveries: [] };
  return { deliveries: res.data, ...(res.next && { next: res.next }) };
}

/** Ask GitHub to deliver a delivery again (it does not retry failed deliveries by itself). */
export async function requestRedelivery(appClient: GitHubClient, deliveryId: number): Promise<void> {
  await appClient.post("/app/hook/deliveries/{delivery_id}/attempts", { delivery_id: deliveryId }, z.unknown());
}
