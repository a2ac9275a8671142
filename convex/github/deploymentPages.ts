/**
 * The sync's pages of deployments (DORA): a page of a repository's deployments (GraphQL), and a page of
 * a chosen workflow's completed runs on the default branch (REST), mapped like their webhooks
 * (deployments.ts).
 */
import { z } from "zod";
import type { AnyRecord, DeploymentRecord } from "../model/records";
import type { GitHubClient } from "./client";
import {
  mapWorkflowRun,
  statusState,
  workflowRunPayload,
  type DeploymentState,
  type RepoCoordinates,
} from "./deployments";
import { GitHubError } from "./errors";
import { timeMs } from "./mapShared";
const workflowRunsPage = z.object({ total_count: z.number(), workflow_runs: z.array(workflowRunPayload) });

/** Deployments per page: one point (GitHub: 1 + 100 nested status requests ÷ 100, rounded). */
const DEPLOYMENTS_PER_PAGE = 100;
/** Statuses read per deployment: the first success or failure is among the first few. */
const STATUSES_PER_DEPLOYMENT = 10;

/**
 * A page of a repository's deployments, newest first, with their latest status and first statuses
 * (validated against GitHub's schema in tests/dora.test.ts).
 */
export const DEPLOYMENTS_PAGE_QUERY = /* GraphQL */ `
  query DeploymentsPage($owner: String!, $name: String!, $after: String) {
    rateLimit { cost limit remaining used resetAt }
    repository(owner: $owner, name: $name) {
      deployments(first: ${DEPLOYMENTS_PER_PAGE}, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
        pageInfo { hasNextPage endCursor }
        nodes {
          databaseId environment latestEnvironment createdAt updatedAt commitOid
          ref { name }
          creator { login }
          latestStatus { state createdAt }
          statuses(first: ${STATUSES_PER_DEPLOYMENT}) { nodes { state createdAt } }
        }
      }
    }
  }
`;

const gqlStatus = z.object({ state: z.string(), createdAt: z.string() });
const deploymentsPage = z.object({
  rateLimit: z.object({ cost: z.number() }).nullable().optional(),
  repository: z
    .object({
      deployments: z.object({
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
        nodes: z.array(
          z
            .object({
              databaseId: z.number().nullable(),
              environment: z.string().nullable(),
              latestEnvironment: z.string().nullable(),
              createdAt: z.string(),
              updatedAt: z.string(),
              commitOid: z.string(),
              ref: z.object({ name: z.string() }).nullable(),
              creator: z.object({ login: z.string() }).nullable(),
              latestStatus: gqlStatus.nullable(),
              statuses: z.object({ nodes: z.array(gqlStatus.nullable()).nullable() }).nullable(),
            })
            .nullable(),
        ),
      }),
    })
    .nullable(),
});

type DeploymentNode = NonNullable<
  NonNullable<z.infer<typeof deploymentsPage>["repository"]>["deployments"]["nodes"][number]
>;

function mapDeploymentNode(repo: RepoCoordinates, n: DeploymentNode): DeploymentRecord | null {
  if (n.databaseId === null) return null;
  const state = n.latestStatus ? statusState(n.latestStatus.state) : "pending";
  const statuses = [...(n.statuses?.nodes ?? []), n.latestStatus].flatMap((s) => (s ? [s] : []));
  const first = (wanted: DeploymentState) => {
    const times = statuses.filter((s) => statusState(s.state) === wanted).map((s) => timeMs(s.createdAt));
    return times.length > 0 ? Math.min(...times) : undefined;
  };
  const [succeededAt, failedAt] = [first("success"), first("failure")];
  return {
    githubId: n.databaseId,
    repoGithubId: repo.githubId,
    source: "deployment",
    environment: n.environment ?? n.latestEnvironment ?? "",
    sha: n.commitOid,
    ...(n.ref && { ref: n.ref.name }),
    ...(n.creator && { creatorLogin: n.creator.login }),
    url: `https://api.github.com/repos/${repo.owner}/${repo.name}/deployments/${n.databaseId}`,
    createdAt: timeMs(n.createdAt),
    updatedAt: n.latestStatus ? timeMs(n.latestStatus.createdAt) : timeMs(n.updatedAt),
    state,
    ...(succeededAt !== undefined && { succeededAt }),
    ...(failedAt !== undefined && { failedAt }),
  };
}

/**
 * One page of a repository's deployments created since `since`, newest first. `next` is absent once
 * the page reached `since` or the last deployment; `cost` is the points GitHub charged.
 */
export async function fetchDeploymentsPage(
  client: GitHubClient,
  repo: RepoCoordinates,
  opts: { after?: string; since: number },
): Promise<{ records: AnyRecord[]; next?: string; cost?: number }> {
  const data = await optional(
    () =>
      client.graphql(
        DEPLOYMENTS_PAGE_QUERY,
        { owner: repo.owner, name: repo.name, after: opts.after ?? null },
        deploymentsPage,
      ),
    null,
  );
  if (data === null) return { records: [] };
  if (!data.repository) throw new GitHubError("not_found", `repository ${repo.owner}/${repo.name} not found`);
  const { nodes, pageInfo } = data.repository.deployments;
  const fresh = nodes.flatMap((n) => (n && Date.parse(n.createdAt) >= opts.since ? [n] : []));
  const records = fresh.flatMap((n) => {
    const record = mapDeploymentNode(repo, n);
    return record ? [{ kind: "deployment" as const, record }] : [];
  });
  const more = pageInfo.hasNextPage && fresh.length === nodes.length && pageInfo.endCursor;
  return {
    records,
    ...(more && { next: more }),
    ...(data.rateLimit && { cost: data.rateLimit.cost }),
  };
}

const workflowsPage = z.object({
  workflows: z.array(z.object({ id: z.number(), name: z.string(), path: z.string() })),
});

/** A repository's workflows read to find one by name (100 a page). */
const MAX_WORKFLOW_PAGES = 10;

/** What GitHub's runs route takes for a choice: a file name as is; a workflow's name → its id (a request per 100 workflows). */
async function workflowId(client: GitHubClient, repo: RepoCoordinates, choice: string): Promise<string | null> {
  if (/\.ya?ml$/i.test(choice)) return choice.split("/").pop()!;
  let next: string | undefined;
  for (let page = 0; page < MAX_WORKFLOW_PAGES; page++) {
    const res = await client.get(
      next ?? "/repos/{owner}/{repo}/actions/workflows",
      { owner: repo.owner, repo: repo.name, per_page: 100 },
      workflowsPage,
    );
    if (res.notModified) return null;
    const found = res.data.workflows.find((w) => w.name === choice);
    if (found) return String(found.id);
    if (!res.next) return null;
    next = res.next;
  }
  return null;
}

/** Deployments are optional: without the permission (403) or the workflow (404) a repository simply has none. */
const optional = async <T>(call: () => Promise<T>, none: T): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    if (error instanceof GitHubError && (error.kind === "forbidden" || error.kind === "not_found")) return none;
    throw error;
  }
};

const RUNS_ROUTE = "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs";
const RUNS_PER_PAGE = 100;
/** GitHub stops a workflow's runs filtered by branch, status or created (among others) at 1,000. */
const RUNS_LISTING_CAP = 1000;
/** A cursor of ours (not a GitHub URL): list `window:<workflow id>:<created_at>`'s runs created up to that time. */
const RUNS_WINDOW = "window:";

/** Where a listing of runs is: its workflow, the upper bound of its `created` window (if any) and its page. */
interface RunsListing {
  workflowId: string;
  before?: string;
  page: number;
}

/** The listing a `next` URL of GitHub's continues (its path names the workflow; its query, the window and page). */
function listingOf(url: string): RunsListing | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const m = /\/actions\/workflows\/([^/]+)\/runs$/.exec(parsed.pathname);
  if (!m) return null;
  const created = parsed.searchParams.get("created") ?? "";
  const dots = created.indexOf("..");
  return {
    workflowId: decodeURIComponent(m[1]!),
    ...(dots >= 0 && { before: created.slice(dots + 2) }),
    page: Number(parsed.searchParams.get("page") ?? 1) || 1,
  };
}

/**
 * Where a listing that has no next page goes on. GitHub's list stops at 1,000 runs without saying so:
 * a full last page that may have been cut (1,000 runs seen, or fewer than `total_count`) continues with
 * the runs created up to the oldest one seen (inclusive: overlapping runs are upserted again), unless
 * that time did not move (more than a listing's worth of runs in one second).
 */
function nextWindow(
  listing: RunsListing | null,
  runs: Array<{ created_at: string }>,
  totalCount: number,
): string | undefined {
  if (!listing || runs.length < RUNS_PER_PAGE) return undefined;
  const seen = (listing.page - 1) * RUNS_PER_PAGE + runs.length;
  if (seen < RUNS_LISTING_CAP && totalCount <= seen) return undefined;
  const oldest = runs.reduce((a, b) => (Date.parse(b.created_at) < Date.parse(a.created_at) ? b : a)).created_at;
  if (listing.before !== undefined && !(Date.parse(oldest) < Date.parse(listing.before))) return undefined;
  return `${RUNS_WINDOW}${encodeURIComponent(listing.workflowId)}:${oldest}`;
}

/**
 * One page of the chosen workflow's completed runs on the default branch created since `since`,
 * newest first (`choice`: its file name or name). `next` is GitHub's next page, or (GitHub stops
 * filtered lists at 1,000 runs) a `window:` cursor of ours that lists the older runs; absent at the end.
 */
export function fetchWorkflowRunsPage(
  client: GitHubClient,
  repo: RepoCoordinates,
  choice: string,
  opts: { next?: string; since: number },
): Promise<{ records: AnyRecord[]; next?: string }> {
  return optional(
    async () => {
      const sinceDate = new Date(opts.since).toISOString().slice(0, 10);
      let listing: RunsListing | null;
      let created = `>=${sinceDate}`;
      if (opts.next?.startsWith(RUNS_WINDOW)) {
        const rest = opts.next.slice(RUNS_WINDOW.length);
        const colon = rest.indexOf(":");
        listing = { workflowId: decodeURIComponent(rest.slice(0, colon)), before: rest.slice(colon + 1), page: 1 };
        created = `${sinceDate}..${listing.before}`;
      } else if (opts.next) {
        listing = listingOf(opts.next);
      } else {
        const id = await workflowId(client, repo, choice);
        if (id === null) return { records: [] };
        listing = { workflowId: id, page: 1 };
      }
      const byUrl = opts.next !== undefined && !opts.next.startsWith(RUNS_WINDOW);
      const res = await client.get(
        byUrl ? opts.next! : RUNS_ROUTE,
        {
          owner: repo.owner,
          repo: repo.name,
          workflow_id: listing?.workflowId ?? "",
          branch: repo.defaultBranch,
          status: "completed",
          created,
          per_page: RUNS_PER_PAGE,
          exclude_pull_requests: "true",
        },
        workflowRunsPage,
      );
      if (res.notModified) return { records: [] };
      const runs = res.data.workflow_runs;
      const records = runs.flatMap((run) => {
        const record = mapWorkflowRun(repo.githubId, run, repo.defaultBranch);
        return record ? [{ kind: "deployment" as const, record }] : [];
      });
      const next = res.next ?? nextWindow(listing, runs, res.data.total_count);
      return { records, ...(next && { next }) };
    },
    { records: [] },
  );
}
