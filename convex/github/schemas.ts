/**
 * zod schemas for the REST and GraphQL responses we read: exactly the fields we use, unknown fields
 * ignored (zod strips them), a missing required field is an `invalid_response` — never a crash.
 */
import { z } from "zod";

const login = z.object({ login: z.string() });
const isoTime = z.string();

export const restRepository = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  owner: login,
  private: z.boolean(),
  default_branch: z.string(),
  archived: z.boolean(),
  html_url: z.string(),
  updated_at: isoTime.nullable(),
  pushed_at: isoTime.nullable(),
});

export const installationRepositoriesPage = z.object({
  total_count: z.number(),
  repositories: z.array(restRepository),
});

export const restIssue = z.object({
  id: z.number(),
  number: z.number(),
  title: z.string(),
  user: login.nullable(),
  state: z.enum(["open", "closed"]),
  html_url: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
  closed_at: isoTime.nullable(),
  /** Present when the "issue" is a pull request: the issues endpoint lists both. */
  pull_request: z.object({}).passthrough().optional(),
});
export const restIssues = z.array(restIssue);

export const restCommit = z.object({
  sha: z.string(),
  html_url: z.string(),
  commit: z.object({
    message: z.string(),
    author: z.object({ name: z.string().optional(), date: isoTime.optional() }).nullable(),
    committer: z.object({ date: isoTime.optional() }).nullable(),
  }),
  author: login.nullable(),
});
export const restCommits = z.array(restCommit);

export const restIssueComment = z.object({
  id: z.number(),
  html_url: z.string(),
  issue_url: z.string(),
  user: login.nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});
export const restIssueComments = z.array(restIssueComment);

export const restReviewComment = z.object({
  id: z.number(),
  html_url: z.string(),
  pull_request_url: z.string(),
  user: login.nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});
export const restReviewComments = z.array(restReviewComment);

const hookDelivery = z.object({
  id: z.number(),
  guid: z.string(),
  delivered_at: isoTime,
  redelivery: z.boolean(),
  status: z.string(),
  status_code: z.number(),
  event: z.string(),
  action: z.string().nullable().optional(),
  installation_id: z.number().nullable().optional(),
});
export const hookDeliveries = z.array(hookDelivery);

export const rateLimitResponse = z.object({
  resources: z.record(
    z.string(),
    z.object({ limit: z.number(), remaining: z.number(), reset: z.number(), used: z.number() }),
  ),
});

const gqlActor = z.object({ login: z.string() }).nullable();
const gqlCheckContext = z.discriminatedUnion("__typename", [
  z.object({
    __typename: z.literal("CheckRun"),
    databaseId: z.number().nullable(),
    name: z.string(),
    status: z.string(),
    conclusion: z.string().nullable(),
    startedAt: isoTime.nullable(),
    completedAt: isoTime.nullable(),
    detailsUrl: z.string().nullable(),
  }),
  z.object({
    __typename: z.literal("StatusContext"),
    context: z.string(),
    state: z.string(),
    createdAt: isoTime,
    targetUrl: z.string().nullable(),
  }),
]);

/**
 * GraphQL's `RequestedReviewer`: a user, bot or mannequin (`login`) or a team (`slug`); null for a
 * deleted account. Kept open to union members GitHub may add (they arrive with `__typename` only).
 */
const gqlRequestedReviewer = z
  .object({ __typename: z.string(), login: z.string().optional(), slug: z.string().optional() })
  .nullable();
export type GqlRequestedReviewer = z.infer<typeof gqlRequestedReviewer>;

/** The timeline items we ask for (`itemTypes: [REVIEW_REQUESTED_EVENT, READY_FOR_REVIEW_EVENT]`). */
const gqlTimelineEvent = z.discriminatedUnion("__typename", [
  z.object({
    __typename: z.literal("ReviewRequestedEvent"),
    createdAt: isoTime,
    requestedReviewer: gqlRequestedReviewer,
  }),
  z.object({ __typename: z.literal("ReadyForReviewEvent"), createdAt: isoTime }),
]);

const gqlPullRequest = z.object({
  databaseId: z.number(),
  number: z.number(),
  title: z.string(),
  url: z.string(),
  state: z.enum(["OPEN", "CLOSED", "MERGED"]),
  isDraft: z.boolean(),
  mergeable: z.enum(["MERGEABLE", "CONFLICTING", "UNKNOWN"]),
  createdAt: isoTime,
  updatedAt: isoTime,
  closedAt: isoTime.nullable(),
  mergedAt: isoTime.nullable(),
  headRefOid: z.string(),
  author: gqlActor,
  additions: z.number(),
  deletions: z.number(),
  changedFiles: z.number(),
  reviewRequests: z
    .object({
      totalCount: z.number(),
      nodes: z.array(z.object({ requestedReviewer: gqlRequestedReviewer }).nullable()),
    })
    .nullable(),
  timelineItems: z.object({ nodes: z.array(gqlTimelineEvent.nullable()) }),
  reviews: z
    .object({
      totalCount: z.number(),
      nodes: z.array(
        z.object({
          databaseId: z.number().nullable(),
          state: z.enum(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]),
          submittedAt: isoTime.nullable(),
          url: z.string(),
          author: gqlActor,
        }),
      ),
    })
    .nullable(),
  /** The PR's first commit (cycle time's coding stage starts at the earlier of its two dates). */
  firstCommit: z.object({
    nodes: z.array(z.object({ commit: z.object({ authoredDate: isoTime, committedDate: isoTime }) })),
  }),
  commits: z.object({
    nodes: z.array(
      z.object({
        commit: z.object({
          oid: z.string(),
          statusCheckRollup: z
            .object({
              state: z.string(),
              contexts: z.object({ totalCount: z.number(), nodes: z.array(gqlCheckContext) }),
            })
            .nullable(),
        }),
      }),
    ),
  }),
});
export type GqlPullRequest = z.infer<typeof gqlPullRequest>;

export const pullRequestsPage = z.object({
  rateLimit: z
    .object({ cost: z.number(), limit: z.number(), remaining: z.number(), used: z.number(), resetAt: isoTime })
    .nullable(),
  repository: z
    .object({
      pullRequests: z.object({
        totalCount: z.number(),
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
        nodes: z.array(gqlPullRequest),
      }),
    })
    .nullable(),
});

export const gqlIssue = z.object({
  databaseId: z.number(),
  number: z.number(),
  title: z.string(),
  url: z.string(),
  state: z.enum(["OPEN", "CLOSED"]),
  createdAt: isoTime,
  updatedAt: isoTime,
  closedAt: isoTime.nullable(),
  author: z.object({ login: z.string() }).nullable(),
});

export const closedIssuesPage = z.object({
  rateLimit: z.object({ cost: z.number() }).passthrough().nullable(),
  repository: z
    .object({
      issues: z.object({
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
        nodes: z.array(gqlIssue),
      }),
    })
    .nullable(),
});
