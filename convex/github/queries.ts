/**
 * GraphQL documents we send (validated against GitHub's official schema in tests/github-boundary).
 *
 * One request returns a page of pull requests with their reviews and the head commit's check
 * rollup — REST needs 1 + 2 requests per PR for the same (list, reviews, check runs + statuses).
 * Nested sizes stay small: GitHub fails queries that run past ~10 s (502/504), so the worker
 * starts at `PULL_REQUEST_PAGE_SIZE` and halves on 502/504.
 */
export const PULL_REQUEST_PAGE_SIZE = 25;
export const REVIEWS_PER_PR = 50;
export const CHECKS_PER_PR = 50;

export const PULL_REQUESTS_PAGE_QUERY = /* GraphQL */ `
  query PullRequestsPage($owner: String!, $name: String!, $first: Int!, $after: String) {
    rateLimit { cost limit remaining used resetAt }
    repository(owner: $owner, name: $name) {
      pullRequests(first: $first, after: $after, orderBy: { field: UPDATED_AT, direction: DESC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          databaseId number title url state isDraft mergeable createdAt updatedAt closedAt mergedAt headRefOid
          author { login }
          reviewRequests { totalCount }
          reviews(first: ${REVIEWS_PER_PR}) { totalCount nodes { databaseId state submittedAt url author { login } } }
          commits(last: 1) { nodes { commit { oid statusCheckRollup { state contexts(first: ${CHECKS_PER_PR}) { totalCount nodes {
            __typename
            ... on CheckRun { databaseId name status conclusion startedAt completedAt detailsUrl }
            ... on StatusContext { context state createdAt targetUrl }
          } } } } } }
        }
      }
    }
  }
`;
