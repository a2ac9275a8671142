/** Pull requests with their reviews and head-commit checks (GraphQL), open ones first; pages size themselves. */
import { fetchPullRequestsPage, type PullRequestState } from "../../github/api";
import { GitHubError } from "../../github/errors";
import {
  MIN_PULL_REQUEST_PAGE_SIZE,
  nextPullRequestPageSize,
  PULL_REQUEST_PAGE_SIZE,
  pullRequestPageCost,
} from "../../github/queries";
import type { Source } from "./source";

export const pullRequests: Source = async (s, p) => {
  const states: PullRequestState[] | undefined =
    p.phase === "openPulls" ? ["OPEN"] : p.phase === "closedPulls" ? ["CLOSED", "MERGED"] : undefined;
  const pageSize = s.pageSize;
  const estimate = pullRequestPageCost(pageSize);
  const started = Date.now();
  let page;
  try {
    page = await s.request("graphql", estimate, () =>
      fetchPullRequestsPage(s.client, s.coordinates, {
        ...(p.page && { after: p.page }),
        pageSize,
        ...(p.phase !== "openPulls" && { since: s.since }),
        ...(states && { states }),
      }),
    );
  } catch (error) {
    // A query that ran too long (502/504): the next one asks for half as many.
    if (error instanceof GitHubError && (error.details.status === 502 || error.details.status === 504)) {
      s.pageSize = Math.max(MIN_PULL_REQUEST_PAGE_SIZE, Math.floor(pageSize / 2));
    }
    throw error;
  }
  if (page.cost !== undefined) s.settle("graphql", page.cost - estimate);
  s.pageSize = s.settings.sequential
    ? Math.min(PULL_REQUEST_PAGE_SIZE, s.pageSize * 2) // grow back after a 502/504
    : nextPullRequestPageSize(pageSize, page.cost, Date.now() - started);
  const more = page.hasNextPage && !page.reachedWatermark && page.endCursor;
  return { records: page.records, ...(more && { next: more }) };
};
