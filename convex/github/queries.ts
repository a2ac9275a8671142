/**
 * GraphQL documents we send (validated against GitHub's official schema in tests/fake-github.test.ts).
 *
 * One request returns a page of pull requests with their reviews and the head commit's check
 * rollup — REST needs 1 + 2 requests per PR for the same (list, reviews, check runs + statuses).
 * Page sizes adapt (`nextPullRequestPageSize`): GitHub fails queries that run past ~10 s (502/504)
 * and charges points by connection size, so the worker starts at `PULL_REQUEST_PAGE_SIZE`, grows
 * while the cost per pull request and the response time allow, and shrinks when they do not.
 *
 * To read more of a pull request, add fields to `PULL_REQUEST_FIELDS` (and to `gqlPullRequest` in
 * schemas.ts, which parses exactly what we read); a nested connection adds one request per pull
 * request of the page (whatever its own `first`) to the query's cost, which `pullRequestPageCost`
 * estimates from `NESTED_CONNECTIONS_PER_PR`.
 */
export const PULL_REQUEST_PAGE_SIZE = 25;
export const MIN_PULL_REQUEST_PAGE_SIZE = 5;
/** GitHub's largest `first`. */
const MAX_PULL_REQUEST_PAGE_SIZE = 100;
const REVIEWS_PER_PR = 50;
const CHECKS_PER_PR = 50;
/** Outstanding review requests read per pull request (GitHub caps a PR's reviewers well below this). */
const REVIEW_REQUESTS_PER_PR = 25;
/** The latest review-requested and ready-for-review events read from each pull request's timeline. */
const TIMELINE_EVENTS_PER_PR = 50;
/**
 * Connections resolved once per pull request in `PULL_REQUEST_FIELDS` (reviewRequests, timelineItems,
 * reviews, firstCommit, commits, contexts).
 */
const NESTED_CONNECTIONS_PER_PR = 6;

/**
 * Who a review request names. GraphQL's `RequestedReviewer` is a user, a team, a bot or a mannequin;
 * the sync keys them as webhooks do (mapSync.ts `reviewerKey`).
 */
const REQUESTED_REVIEWER = /* GraphQL */ `
  requestedReviewer { __typename ... on User { login } ... on Team { slug } ... on Bot { login } ... on Mannequin { login } }
`;

/** One pull request node: everything the sync reads of it. */
const PULL_REQUEST_FIELDS = /* GraphQL */ `
  databaseId number title url state isDraft mergeable createdAt updatedAt closedAt mergedAt headRefOid
  author { login }
  additions deletions changedFiles
  reviewRequests(first: ${REVIEW_REQUESTS_PER_PR}) { totalCount nodes { ${REQUESTED_REVIEWER} } }
  timelineItems(last: ${TIMELINE_EVENTS_PER_PR}, itemTypes: [REVIEW_REQUESTED_EVENT, READY_FOR_REVIEW_EVENT]) { nodes {
    __typename
    ... on ReviewRequestedEvent { createdAt ${REQUESTED_REVIEWER} }
    ... on ReadyForReviewEvent { createdAt }
  } }
  reviews(first: ${REVIEWS_PER_PR}) { totalCount nodes { databaseId state submittedAt url author { login } } }
  firstCommit: commits(first: 1) { nodes { commit { authoredDate committedDate } } }
  commits(last: 1) { nodes { commit { oid statusCheckRollup { state contexts(first: ${CHECKS_PER_PR}) { totalCount nodes {
    __typename
    ... on CheckRun { databaseId name status conclusion startedAt completedAt detailsUrl }
    ... on StatusContext { context state createdAt targetUrl }
  } } } } } }
`;

/**
 * A page of a repository's pull requests, most recently updated first; `$states` null = all
 * (open work first asks for OPEN, history for CLOSED and MERGED). `rateLimit.cost` sizes the next page.
 */
export const PULL_REQUESTS_PAGE_QUERY = /* GraphQL */ `
  query PullRequestsPage($owner: String!, $name: String!, $first: Int!, $after: String, $states: [PullRequestState!]) {
    rateLimit { cost limit remaining used resetAt }
    repository(owner: $owner, name: $name) {
      pullRequests(first: $first, after: $after, states: $states, orderBy: { field: UPDATED_AT, direction: DESC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { ${PULL_REQUEST_FIELDS} }
      }
    }
  }
`;

/**
 * A page of a repository's closed issues updated since `$since`, oldest update first (history after
 * open work). GraphQL's issues exclude pull requests, which REST's issue list pads its pages with, and
 * spend the GraphQL budget (1 point a page) rather than the REST one the other history lists share.
 */
export const CLOSED_ISSUES_PAGE_QUERY = /* GraphQL */ `
  query ClosedIssuesPage($owner: String!, $name: String!, $after: String, $since: DateTime) {
    rateLimit {
      cost
      limit
      remaining
      used
      resetAt
    }
    repository(owner: $owner, name: $name) {
      issues(
        first: 100
        after: $after
        states: [CLOSED]
        filterBy: { since: $since }
        orderBy: { field: UPDATED_AT, direction: ASC }
      ) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          databaseId
          number
          title
          url
          state
          createdAt
          updatedAt
          closedAt
          author {
            login
          }
        }
      }
    }
  }
`;

/** GitHub's cost of a page (requests to fulfil every connection ÷ 100, rounded, at least 1). */
export function pullRequestPageCost(pageSize: number): number {
  return Math.max(1, Math.round((1 + NESTED_CONNECTIONS_PER_PR * pageSize) / 100));
}

/** A page that answered this fast may grow; one this slow shrinks (GitHub gives up at ~10 s). */
const FAST_PAGE_MS = 2_000;
const SLOW_PAGE_MS = 5_000;

/**
 * The next page size after a page of `pageSize` that cost `cost` points and took `elapsedMs`:
 * double while the answer is fast and the page cost no more than our document's estimate for that
 * size (`pullRequestPageCost(pageSize)`: GitHub's rounding makes the cost per pull request of small
 * pages vary by size, so each size is compared with its own estimate); halve when it is slow or
 * costs more than twice the estimate (large nested connections); otherwise keep it.
 */
export function nextPullRequestPageSize(pageSize: number, cost: number | undefined, elapsedMs: number): number {
  const baseline = pullRequestPageCost(pageSize) / pageSize;
  const perPr = cost === undefined ? baseline : cost / pageSize;
  if (elapsedMs > SLOW_PAGE_MS || perPr > 2 * baseline) {
    return Math.max(MIN_PULL_REQUEST_PAGE_SIZE, Math.floor(pageSize / 2));
  }
  if (elapsedMs < FAST_PAGE_MS && perPr <= baseline) return Math.min(MAX_PULL_REQUEST_PAGE_SIZE, pageSize * 2);
  return pageSize;
}
