/**
 * POST /graphql, executed by graphql-js against GitHub's official schema (@octokit/graphql-schema):
 * a document the real API would reject is rejected here too, and answers have the real shape.
 */
import { Buffer } from "node:buffer";
import {
  buildClientSchema,
  graphql,
  Kind,
  parse,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { schema as officialSchema } from "@octokit/graphql-schema";
import type { Org, PullRequest, Repo } from "./generator";
import { hashId, iso } from "./shapes";

let schema: GraphQLSchema | null = null;
export function githubSchema(): GraphQLSchema {
  // From the introspection result: the published SDL file repeats two Enterprise fields, which
  // graphql-js rejects; the introspection JSON describes the same schema without that defect.
  schema ??= buildClientSchema(officialSchema.json as unknown as IntrospectionQuery);
  return schema;
}

export function validateDocument(query: string) {
  return validate(githubSchema(), parse(query));
}

const cursor = (i: number) => Buffer.from(`cursor:${i}`).toString("base64");
const fromCursor = (c: string | null | undefined) => (c ? Number(Buffer.from(c, "base64").toString().slice(7)) + 1 : 0);

function connection<T>(items: T[], args: { first?: number; last?: number; after?: string | null }) {
  if (args.first !== undefined && (args.first < 1 || args.first > 100)) {
    throw new Error(`Requesting ${args.first} records on the connection exceeds the \`first\` limit of 100 records.`);
  }
  const start = fromCursor(args.after);
  const slice =
    args.last !== undefined
      ? items.slice(Math.max(0, items.length - args.last))
      : items.slice(start, start + (args.first ?? items.length));
  const offset = args.last !== undefined ? Math.max(0, items.length - args.last) : start;
  return {
    totalCount: items.length,
    nodes: slice,
    pageInfo: {
      hasNextPage: offset + slice.length < items.length,
      endCursor: slice.length ? cursor(offset + slice.length - 1) : null,
      hasPreviousPage: offset > 0,
      startCursor: slice.length ? cursor(offset) : null,
    },
  };
}

const actor = (login: string) => ({ __typename: "User", login });

/** A `RequestedReviewer` as GitHub answers it: a Team (`team:<slug>`), a Bot (GraphQL drops `[bot]`) or a User. */
function requestedReviewer(key: string) {
  if (key.startsWith("team:")) {
    const slug = key.slice("team:".length);
    return { __typename: "Team", slug, name: slug, databaseId: hashId(key) };
  }
  if (key.endsWith("[bot]")) return { __typename: "Bot", login: key.slice(0, -"[bot]".length) };
  return actor(key);
}

/** The PR's timeline items of the types we model, oldest first, each with its `itemTypes` name. */
function timeline(pr: PullRequest) {
  return [
    ...pr.reviewRequestEvents.map((e) => ({
      itemType: "REVIEW_REQUESTED_EVENT",
      at: e.createdAt,
      node: {
        __typename: "ReviewRequestedEvent",
        createdAt: iso(e.createdAt),
        requestedReviewer: requestedReviewer(e.reviewer),
      },
    })),
    ...pr.readyForReviewEvents.map((at) => ({
      itemType: "READY_FOR_REVIEW_EVENT",
      at,
      node: { __typename: "ReadyForReviewEvent", createdAt: iso(at) },
    })),
  ].sort((a, b) => a.at - b.at);
}

function pullRequestNode(org: Org, repo: Repo, pr: PullRequest) {
  const full = `${repo.owner}/${repo.name}`;
  const contexts = [
    ...pr.checkRuns.map((c) => ({
      __typename: "CheckRun",
      databaseId: c.id,
      name: c.name,
      status: c.status.toUpperCase(),
      conclusion: c.conclusion?.toUpperCase() ?? null,
      startedAt: iso(c.startedAt),
      completedAt: c.completedAt === null ? null : iso(c.completedAt),
      detailsUrl: `https://github.com/${full}/runs/${c.id}`,
    })),
    ...pr.statuses.map((s) => ({
      __typename: "StatusContext",
      context: s.context,
      state: s.state.toUpperCase(),
      createdAt: iso(s.createdAt),
      targetUrl: null,
    })),
  ];
  const failing =
    pr.checkRuns.some((c) => c.conclusion === "failure") ||
    pr.statuses.some((s) => s.state === "failure" || s.state === "error");
  const pending = pr.checkRuns.some((c) => c.status !== "completed") || pr.statuses.some((s) => s.state === "pending");
  const rollupState = failing ? "FAILURE" : pending ? "PENDING" : "SUCCESS";
  void org;
  return {
    databaseId: pr.id,
    number: pr.number,
    title: pr.title,
    url: `https://github.com/${full}/pull/${pr.number}`,
    state: pr.state.toUpperCase(),
    isDraft: pr.draft,
    mergeable: pr.mergeable,
    createdAt: iso(pr.createdAt),
    updatedAt: iso(pr.updatedAt),
    closedAt: pr.closedAt === null ? null : iso(pr.closedAt),
    mergedAt: pr.mergedAt === null ? null : iso(pr.mergedAt),
    headRefOid: pr.headSha,
    author: actor(pr.author),
    additions: pr.additions,
    deletions: pr.deletions,
    changedFiles: pr.changedFiles,
    reviewRequests: (args: { first?: number; last?: number; after?: string }) =>
      connection(
        [...pr.requestedReviewers, ...pr.requestedTeams.map((slug) => `team:${slug}`)].map((key) => ({
          asCodeOwner: false,
          requestedReviewer: requestedReviewer(key),
        })),
        args,
      ),
    timelineItems: (args: { first?: number; last?: number; after?: string; itemTypes?: string[] }) =>
      connection(
        timeline(pr)
          .filter((e) => !args.itemTypes || args.itemTypes.includes(e.itemType))
          .map((e) => e.node),
        args,
      ),
    reviews: (args: { first?: number; last?: number; after?: string }) =>
      connection(
        pr.reviews.map((r) => ({
          databaseId: r.id,
          state: r.state,
          submittedAt: iso(r.submittedAt),
          url: `https://github.com/${full}/pull/${pr.number}#pullrequestreview-${r.id}`,
          author: actor(r.author),
        })),
        args,
      ),
    // `commits(first: 1)` is the PR's first commit (only its dates are read), `commits(last: 1)` its head.
    commits: (args: { first?: number; last?: number }) =>
      connection(
        [
          ...(args.first !== undefined
            ? [
                {
                  commit: {
                    oid: `${pr.headSha.slice(0, 39)}0`,
                    authoredDate: iso(pr.firstCommit?.authoredAt ?? pr.createdAt),
                    committedDate: iso(pr.firstCommit?.committedAt ?? pr.createdAt),
                    statusCheckRollup: null,
                  },
                },
              ]
            : []),
          {
            commit: {
              oid: pr.headSha,
              authoredDate: iso(pr.createdAt),
              committedDate: iso(pr.createdAt),
              statusCheckRollup:
                contexts.length === 0
                  ? null
                  : {
                      state: rollupState,
                      contexts: (a: { first?: number; after?: string }) => connection(contexts, a),
                    },
            },
          },
        ],
        args,
      ),
  };
}

export interface GraphqlRequest {
  query?: string;
  variables?: Record<string, unknown>;
}

export function graphqlRequest(body: string): GraphqlRequest {
  try {
    return JSON.parse(body || "{}") as GraphqlRequest;
  } catch {
    return {};
  }
}

/**
 * GitHub's point cost of a query, as its documentation computes it: the number of requests needed
 * to fulfil every connection (each connection's `first`/`last` multiplied by its parents'), divided
 * by 100 and rounded, at least 1. (GitHub's "1 + nodes/100", before rounding.)
 * https://docs.github.com/en/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api
 */
export function queryCost({ query, variables = {} }: GraphqlRequest): number {
  let document;
  try {
    document = parse(query ?? "");
  } catch {
    return 1;
  }
  const value = (node: ValueNode | undefined): number | undefined => {
    if (!node) return undefined;
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE) {
      const v = variables[node.name.value];
      return typeof v === "number" ? v : undefined;
    }
    return undefined;
  };
  let requests = 0;
  const visit = (set: SelectionSetNode | undefined, parents: number) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const size = value(
          selection.arguments?.find((a) => a.name.value === "first" || a.name.value === "last")?.value,
        );
        if (size !== undefined) {
          requests += parents;
          visit(selection.selectionSet, parents * size);
        } else visit(selection.selectionSet, parents);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, parents);
    }
  };
  for (const def of document.definitions) if (def.kind === Kind.OPERATION_DEFINITION) visit(def.selectionSet, 1);
  return Math.max(1, Math.round(requests / 100));
}

export interface GraphqlBudget {
  cost: number;
  limit: number;
  remaining: number;
  used: number;
  resetAt: number;
}

export async function executeGraphql(org: Org, body: GraphqlRequest, budget: GraphqlBudget) {
  const root = {
    rateLimit: () => ({
      cost: budget.cost,
      limit: budget.limit,
      remaining: budget.remaining,
      used: budget.used,
      resetAt: iso(budget.resetAt),
      nodeCount: 0,
    }),
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = org.repos.find((r) => r.owner === owner && r.name === name);
      if (!repo) return null;
      return {
        name: repo.name,
        deployments: (args: { first?: number; after?: string; orderBy?: { field: string; direction: string } }) => {
          const desc = args.orderBy?.direction === "DESC";
          const deployments = [...(repo.deployments ?? [])].sort(
            (a, b) => (a.createdAt - b.createdAt) * (desc ? -1 : 1) || (a.id - b.id) * (desc ? -1 : 1),
          );
          const status = (s: { state: string; createdAt: number }) => ({
            state: s.state.toUpperCase(),
            createdAt: iso(s.createdAt),
          });
          return connection(
            deployments.map((d) => {
              const latest = d.statuses.at(-1);
              return {
                databaseId: d.id,
                environment: d.environment,
                latestEnvironment: d.environment,
                createdAt: iso(d.createdAt),
                updatedAt: iso(latest?.createdAt ?? d.createdAt),
                commitOid: d.sha,
                ref: { name: d.ref },
                creator: actor(d.creator),
                latestStatus: latest ? status(latest) : null,
                // GitHub lists a deployment's statuses newest first.
                statuses: (a: { first?: number; after?: string }) =>
                  connection([...d.statuses].reverse().map(status), a),
              };
            }),
            args,
          );
        },
        issues: (args: {
          first?: number;
          after?: string;
          states?: string[];
          filterBy?: { since?: string | null };
          orderBy?: { field: string; direction: string };
        }) => {
          const since = args.filterBy?.since ? Date.parse(args.filterBy.since) : undefined;
          const issues = repo.issues
            .filter((i) => !args.states || args.states.includes(i.state.toUpperCase()))
            .filter((i) => since === undefined || i.updatedAt >= since)
            .sort(
              (a, b) =>
                (args.orderBy?.field === "UPDATED_AT" ? a.updatedAt - b.updatedAt : a.createdAt - b.createdAt) *
                  (args.orderBy?.direction === "DESC" ? -1 : 1) || a.number - b.number,
            );
          const full = `${repo.owner}/${repo.name}`;
          return connection(
            issues.map((i) => ({
              databaseId: i.id,
              number: i.number,
              title: i.title,
              url: `https://github.com/${full}/issues/${i.number}`,
              state: i.state.toUpperCase(),
              createdAt: iso(i.createdAt),
              updatedAt: iso(i.updatedAt),
              closedAt: i.closedAt === null ? null : iso(i.closedAt),
              author: actor(i.author),
            })),
            args,
          );
        },
        pullRequests: (args: {
          first?: number;
          after?: string;
          orderBy?: { field: string; direction: string };
          states?: string[];
        }) => {
          let prs = [...repo.pullRequests];
          if (args.states) prs = prs.filter((p) => args.states!.includes(p.state.toUpperCase()));
          const key =
            args.orderBy?.field === "UPDATED_AT" ? (p: PullRequest) => p.updatedAt : (p: PullRequest) => p.createdAt;
          prs.sort((a, b) => (key(a) - key(b)) * (args.orderBy?.direction === "DESC" ? -1 : 1) || a.number - b.number);
          return connection(
            prs.map((p) => pullRequestNode(org, repo, p)),
            args,
          );
        },
      };
    },
  };
  const result = await graphql({
    schema: githubSchema(),
    source: body.query ?? "",
    rootValue: root,
    variableValues: body.variables ?? {},
  });
  if (result.errors?.length) {
    // GitHub reports missing repositories as NOT_FOUND errors beside `data`.
    return {
      ...(result.data && { data: result.data }),
      errors: result.errors.map((e) => ({ message: e.message, path: e.path, locations: e.locations })),
    };
  }
  return result;
}
