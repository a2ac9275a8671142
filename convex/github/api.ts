/**
 * The GitHub operations the product needs, each one request (one page), typed in and out.
 * Callers resume from the returned `next` cursor; nothing here loops over all pages, so a sync
 * slice decides how many pages it can afford.
 */
import type { AnyRecord, RepositoryRecord } from "../model/records";
import type { GitHubClient } from "./client";
import {
  mapCommit,
  mapGraphqlPullRequest,
  mapIssue,
  mapIssueComment,
  mapRepository,
  mapReviewComment,
} from "./mapSync";
import { GitHubError } from "./errors";
import { PULL_REQUESTS_PAGE_QUERY } from "./queries";
import {
  hookDeliveries,
  installationRepositoriesPage,
  pullRequestsPage,
  restCommits,
  restIssueComments,
  restIssues,
  restReviewComments,
} from "./schemas";
import { z } from "zod";

export const PER_PAGE = 100;

export interface RepoCoordinates {
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

/**
 * A page of pull requests, most recently updated first, with reviews and head-commit checks.
 * `reachedWatermark` tells the caller it has seen everything updated since `since`.
 */
export async function fetchPullRequestsPage(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { after?: string; pageSize: number; since?: number },
): Promise<{
  records: AnyRecord[];
  pullRequests: number;
  endCursor?: string;
  hasNextPage: boolean;
  reachedWatermark: boolean;
  totalCount: number;
}> {
  const data = await client.graphql(
    PULL_REQUESTS_PAGE_QUERY,
    { owner: repo.owner, name: repo.name, first: opts.pageSize, after: opts.after ?? null },
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
  };
}

type Page = { records: AnyRecord[]; next?: string };

/** Issues updated since the watermark (pull requests in the same list are skipped). */
export async function listIssuesSince(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { since?: number; next?: string },
): Promise<Page> {
  const res = await client.get(
    opts.next ?? "/repos/{owner}/{repo}/issues",
    {
      owner: repo.owner,
      repo: repo.name,
      state: "all",
      sort: "updated",
      direction: "asc",
      per_page: PER_PAGE,
      since: iso(opts.since),
    },
    restIssues,
  );
  if (res.notModified) return { records: [] };
  const records = res.data.flatMap((i) => {
    const issue = mapIssue(repo.githubId, i);
    return issue ? [{ kind: "issue" as const, record: issue }] : [];
  });
  return { records, ...(res.next && { next: res.next }) };
}

/** Commits on the default branch since the watermark. */
export async function listCommitsSince(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { since?: number; next?: string },
): Promise<Page> {
  const res = await client.get(
    opts.next ?? "/repos/{owner}/{repo}/commits",
    { owner: repo.owner, repo: repo.name, sha: repo.defaultBranch, per_page: PER_PAGE, since: iso(opts.since) },
    restCommits,
  );
  if (res.notModified) return { records: [] };
  return {
    records: res.data.map((c) => ({ kind: "commit" as const, record: mapCommit(repo.githubId, c) })),
    ...(res.next && { next: res.next }),
  };
}

/** Issue and PR conversation comments, repository-wide, updated since the watermark. */
export async function listIssueCommentsSince(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { since?: number; next?: string },
): Promise<Page> {
  const res = await client.get(
    opts.next ?? "/repos/{owner}/{repo}/issues/comments",
    {
      owner: repo.owner,
      repo: repo.name,
      sort: "updated",
      direction: "asc",
      per_page: PER_PAGE,
      since: iso(opts.since),
    },
    restIssueComments,
  );
  if (res.notModified) return { records: [] };
  return {
    records: res.data.map((c) => ({ kind: "comment" as const, record: mapIssueComment(repo.githubId, c) })),
    ...(res.next && { next: res.next }),
  };
}

/** Review (diff) comments, repository-wide, updated since the watermark. */
export async function listReviewCommentsSince(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { since?: number; next?: string },
): Promise<Page> {
  const res = await client.get(
    opts.next ?? "/repos/{owner}/{repo}/pulls/comments",
    {
      owner: repo.owner,
      repo: repo.name,
      sort: "updated",
      direction: "asc",
      per_page: PER_PAGE,
      since: iso(opts.since),
    },
    restReviewComments,
  );
  if (res.notModified) return { records: [] };
  return {
    records: res.data.map((c) => ({ kind: "comment" as const, record: mapReviewComment(repo.githubId, c) })),
    ...(res.next && { next: res.next }),
  };
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
