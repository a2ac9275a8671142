/**
 * A faithful fake of the GitHub API for tests and local development: every endpoint the
 * boundary uses, with GitHub's pagination (`Link`), `since`/`sort`/`direction`, ETags and 304s
 * (which cost no budget), installation tokens, rate-limit headers and budgets (core and GraphQL
 * separately), and scheduled faults. Usable in-process (`fake.fetch`, safe under fake timers) and
 * over HTTP (`fake.listen()`). Responses are validated against GitHub's official schemas in
 * tests/fake-github.test.ts.
 */
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { executeGraphql, graphqlRequest, queryCost } from "./graphql";
import { OutsideRepos } from "./outside";
import {
  generateOrg,
  generateTeams,
  Ids,
  USERS,
  type Collaborator,
  type Team,
  type Comment,
  type Issue,
  type Org,
  type OrgSize,
  type PullRequest,
  type Repo,
} from "./generator";
import {
  collaboratorJson,
  commitJson,
  deliveryJson,
  issueCommentJson,
  issueJson,
  pullAsIssueJson,
  rateLimitJson,
  repositoryJson,
  reviewCommentJson,
  teamJson,
  teamRepositoryJson,
  userJson,
  workflowJson,
  workflowRunJson,
  tokenJson,
  type Delivery,
} from "./shapes";

export type Fault =
  | { type: "primary_rate_limit" }
  | { type: "primary_rate_limit_429" }
  | { type: "secondary_rate_limit"; retryAfterSec: number }
  | { type: "server_error"; status: 500 | 502 | 503 | 504 }
  | { type: "timeout" }
  /** No answer at all, ever (a hung connection: the client's own timer must end the wait). */
  | { type: "hang" }
  | { type: "malformed" }
  /** A 200 whose JSON body is cut off mid-transfer. */
  | { type: "truncated" }
  | { type: "not_found" }
  /** A permission the installation lacks (403 without a rate limit). */
  | { type: "forbidden" };
interface ScheduledFault {
  fault: Fault;
  method?: string;
  pathIncludes?: string;
  skip: number;
  times: number;
}

interface Budget {
  limit: number;
  remaining: number;
  /** Epoch seconds. */
  reset: number;
}

export interface FakeOptions {
  seed?: number;
  org?: OrgSize;
  installationId?: number;
  appId?: number;
  rateLimit?: { limit?: number; remaining?: number };
  now?: () => number;
  /**
   * Time GitHub takes to answer each request (default 300 ms), waited on a timer so Vitest's fake
   * timers advance it. 0 answers at once (no timer), for tests that rely on instant answers.
   */
  latencyMs?: number;
  /** GitHub's secondary limits (defaults: 100 concurrent requests, 900 REST and 2,000 GraphQL points per minute). */
  secondaryLimits?: Partial<SecondaryLimits>;
  /** Multiplies the GraphQL cost GitHub would compute (an expensive query shape; default 1). */
  graphqlCostMultiplier?: number;
}

export interface SecondaryLimits {
  concurrentRequests: number;
  restPointsPerMinute: number;
  graphqlPointsPerMinute: number;
}
export const GITHUB_SECONDARY_LIMITS: SecondaryLimits = {
  concurrentRequests: 100,
  restPointsPerMinute: 900,
  graphqlPointsPerMinute: 2_000,
};

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  resource: "core" | "graphql" | "none";
  costsBudget: boolean;
  /** When the request arrived (the fake's clock). */
  at: number;
  /** The request's full URL path and query (REST), to tell pages apart. */
  url: string;
  /** The page asked for: the REST URL, or the GraphQL operation, repository, states and `after` cursor. */
  page: string;
  /** GraphQL: the `first` page size asked for, the repository, and the cost GitHub computed. */
  first?: number;
  repository?: string;
  cost?: number;
  /** Answered with a secondary rate limit (403 + retry-after). */
  secondary?: boolean;
}

const HOUR = 3_600_000;
const JSON_TYPE = "application/json; charset=utf-8";

export function createFakeGitHub(options: FakeOptions = {}) {
  return new FakeGitHub(options);
}

export class FakeGitHub {
  readonly now: () => number;
  readonly org: Org;
  readonly installationId: number;
  readonly appId: number;
  readonly requests: RequestLogEntry[] = [];
  readonly deliveries: Delivery[] = [];
  readonly redeliveryRequests: number[] = [];
  /** Repositories outside the installation (the watchlist's) and the fake OpenSSF Scorecard API. */
  readonly outside: OutsideRepos;
  tokensIssued = 0;
  private readonly ids = new Ids();
  private readonly tokens = new Map<string, number>();
  private readonly faults: ScheduledFault[] = [];
  private readonly missingRepos = new Set<string>();
  /** The organisation's members (GET /orgs/{org}/members); the first is its owner. Tests may change it. */
  orgMembers: string[] = [...USERS];
  /** The organisation's teams (members, repositories with the team's role) and private repositories' direct collaborators. Tests may change them. */
  teams: Team[];
  collaborators: Record<string, Collaborator[]>;
  readonly budgets: { core: Budget; graphql: Budget };
  latencyMs: number;
  graphqlCostMultiplier: number;
  readonly secondaryLimits: SecondaryLimits;
  /** Requests being answered now, the most at once, and secondary-limit answers given. */
  inFlight = 0;
  peakConcurrency = 0;
  secondaryLimitAnswers = 0;
  /** Points spent per resource with their time, over the last minute (GitHub's per-minute secondary limits). */
  private readonly minute: { core: Array<[number, number]>; graphql: Array<[number, number]> } = {
    core: [],
    graphql: [],
  };

  constructor(options: FakeOptions) {
    this.now = options.now ?? (() => Date.now());
    this.outside = new OutsideRepos(this.now);
    this.installationId = options.installationId ?? 1001;
    this.appId = options.appId ?? 4242;
    this.org = generateOrg(options.seed ?? 1, options.org ?? {}, this.now(), this.ids);
    ({ teams: this.teams, collaborators: this.collaborators } = generateTeams(this.org));
    const budget = (): Budget => ({
      limit: options.rateLimit?.limit ?? 5000,
      remaining: options.rateLimit?.remaining ?? options.rateLimit?.limit ?? 5000,
      reset: Math.floor((this.now() + HOUR) / 1000),
    });
    this.budgets = { core: budget(), graphql: budget() };
    this.latencyMs = options.latencyMs ?? 300;
    this.graphqlCostMultiplier = options.graphqlCostMultiplier ?? 1;
    this.secondaryLimits = { ...GITHUB_SECONDARY_LIMITS, ...options.secondaryLimits };
  }

  // ------------------------------------------------------------------ test controls

  /** Fail matching requests (`pathIncludes` matches the path and query): after skipping `afterRequests` of them, `times` in a row. */
  injectFault(
    fault: Fault,
    when: { method?: string; pathIncludes?: string; afterRequests?: number; times?: number } = {},
  ) {
    this.faults.push({
      fault,
      ...(when.method && { method: when.method }),
      ...(when.pathIncludes && { pathIncludes: when.pathIncludes }),
      skip: when.afterRequests ?? 0,
      times: when.times ?? 1,
    });
  }

  clearFaults() {
    this.faults.length = 0;
  }

  /** The repository answers 404 from now on (deleted, or the app lost access). */
  makeRepoNotFound(fullName: string) {
    this.missingRepos.add(fullName);
  }

  /** Every installation token issued so far is revoked: using one answers 401 Bad credentials. */
  revokeTokens() {
    this.tokens.clear();
  }

  setRateLimit(resource: "core" | "graphql", budget: Partial<Budget>) {
    Object.assign(this.budgets[resource], budget);
  }

  repo(name: string): Repo {
    const r = this.org.repos.find((x) => x.name === name || `${x.owner}/${x.name}` === name);
    if (!r) throw new Error(`no repo ${name}`);
    return r;
  }

  private touch(repo: Repo, at = this.now()) {
    repo.updatedAt = at;
    return at;
  }

  openPullRequest(repoName: string, o: Partial<Pick<PullRequest, "title" | "author" | "draft">> = {}): PullRequest {
    const repo = this.repo(repoName);
    const at = this.touch(repo);
    const pr: PullRequest = {
      id: this.ids.next(),
      number: repo.nextNumber++,
      title: o.title ?? "A new pull request",
      author: o.author ?? "octocat",
      state: "open",
      draft: o.draft ?? false,
      mergeable: "MERGEABLE",
      headSha: this.ids.next().toString(16).padStart(40, "a"),
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      mergedAt: null,
      requestedReviewers: [],
      requestedTeams: [],
      reviewRequestEvents: [],
      readyForReviewEvents: [],
      additions: 10,
      deletions: 2,
      changedFiles: 1,
      reviews: [],
      checkRuns: [],
      statuses: [],
    };
    repo.pullRequests.push(pr);
    return pr;
  }

  /** Request a review from a user (login) or a team (`team:<slug>`); a re-request moves its time. */
  requestReview(repoName: string, number: number, reviewer: string) {
    const pr = this.pr(repoName, number);
    const at = this.touch(this.repo(repoName));
    const team = reviewer.startsWith("team:") ? reviewer.slice("team:".length) : null;
    const list = team === null ? pr.requestedReviewers : pr.requestedTeams;
    if (!list.includes(team ?? reviewer)) list.push(team ?? reviewer);
    pr.reviewRequestEvents.push({ reviewer, createdAt: at });
    pr.updatedAt = at;
    return at;
  }

  /** Withdraw a review request (GitHub's review_request_removed): the timeline keeps the request. */
  removeReviewRequest(repoName: string, number: number, reviewer: string) {
    const pr = this.pr(repoName, number);
    const at = this.touch(this.repo(repoName));
    pr.requestedReviewers = pr.requestedReviewers.filter((r) => r !== reviewer);
    pr.requestedTeams = pr.requestedTeams.filter((slug) => `team:${slug}` !== reviewer);
    pr.updatedAt = at;
  }

  /** A draft leaves draft (a ReadyForReviewEvent on its timeline). */
  markReadyForReview(repoName: string, number: number) {
    const pr = this.pr(repoName, number);
    const at = this.touch(this.repo(repoName));
    Object.assign(pr, { draft: false, updatedAt: at });
    pr.readyForReviewEvents.push(at);
    return at;
  }

  private pr(repoName: string, number: number): PullRequest {
    const pr = this.repo(repoName).pullRequests.find((p) => p.number === number);
    if (!pr) throw new Error(`no PR #${number} in ${repoName}`);
    return pr;
  }

  /** Merging also pushes the merge commit to the default branch. */
  mergePullRequest(repoName: string, number: number) {
    const repo = this.repo(repoName);
    const pr = this.pr(repoName, number);
    const at = this.touch(repo);
    Object.assign(pr, { state: "merged", mergedAt: at, closedAt: at, updatedAt: at });
    repo.commits.unshift({
      sha: this.ids.next().toString(16).padStart(40, "m"),
      message: `Merge pull request #${number}`,
      author: pr.author,
      date: at,
    });
    repo.pushedAt = at;
  }

  closePullRequest(repoName: string, number: number) {
    const at = this.touch(this.repo(repoName));
    Object.assign(this.pr(repoName, number), { state: "closed", closedAt: at, updatedAt: at });
  }

  addReview(
    repoName: string,
    number: number,
    review: { state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED"; author?: string },
  ) {
    const pr = this.pr(repoName, number);
    const at = this.touch(this.repo(repoName));
    pr.reviews.push({ id: this.ids.next(), author: review.author ?? "hubot", state: review.state, submittedAt: at });
    // As on GitHub, a review fulfils its author's outstanding request.
    pr.requestedReviewers = pr.requestedReviewers.filter((r) => r !== (review.author ?? "hubot"));
    pr.updatedAt = at;
  }

  /** Like GitHub, a check run does not change the pull request's updated_at. */
  addCheckRun(repoName: string, number: number, run: { name: string; conclusion?: "success" | "failure" | null }) {
    const pr = this.pr(repoName, number);
    const at = this.now();
    pr.checkRuns.push({
      id: this.ids.next(),
      name: run.name,
      status: run.conclusion ? "completed" : "in_progress",
      conclusion: run.conclusion ?? null,
      startedAt: at,
      completedAt: run.conclusion ? at : null,
    });
  }

  setCommitStatus(
    repoName: string,
    number: number,
    status: { context: string; state: "pending" | "success" | "failure" | "error" },
  ) {
    this.pr(repoName, number).statuses.push({ id: this.ids.next(), ...status, createdAt: this.now() });
  }

  openIssue(repoName: string, title = "Something is broken", author = "mona"): Issue {
    const repo = this.repo(repoName);
    const at = this.touch(repo);
    const issue: Issue = {
      id: this.ids.next(),
      number: repo.nextNumber++,
      title,
      author,
      state: "open",
      createdAt: at,
      updatedAt: at,
      closedAt: null,
    };
    repo.issues.push(issue);
    return issue;
  }

  closeIssue(repoName: string, number: number) {
    const issue = this.repo(repoName).issues.find((i) => i.number === number)!;
    const at = this.touch(this.repo(repoName));
    Object.assign(issue, { state: "closed", closedAt: at, updatedAt: at });
  }

  addIssueComment(repoName: string, issueNumber: number, author = "hubot"): Comment {
    const repo = this.repo(repoName);
    const at = this.touch(repo);
    const c = { id: this.ids.next(), author, issueNumber, createdAt: at, updatedAt: at };
    repo.issueComments.push(c);
    const target =
      repo.issues.find((i) => i.number === issueNumber) ?? repo.pullRequests.find((p) => p.number === issueNumber);
    if (target) target.updatedAt = at; // a comment updates its issue, as on GitHub
    return c;
  }

  pushCommit(repoName: string, message = "Direct push", author = "defunkt") {
    const repo = this.repo(repoName);
    const at = this.now();
    repo.commits.unshift({ sha: this.ids.next().toString(16).padStart(40, "c"), message, author, date: at });
    repo.pushedAt = at;
  }

  addDelivery(d: Partial<Delivery> & { guid: string; event: string }) {
    this.deliveries.unshift({
      id: this.ids.next(),
      action: null,
      status: "OK",
      statusCode: 200,
      installationId: this.installationId,
      deliveredAt: this.now(),
      redelivery: false,
      ...d,
    });
  }

  /** Called when the app asks for a redelivery. */
  onRedeliver?: (delivery: Delivery) => void | Promise<void>;

  stats() {
    const byStatus: Record<number, number> = {};
    for (const r of this.requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    return {
      total: this.requests.length,
      notModified: byStatus[304] ?? 0,
      budgetSpent: this.requests.filter((r) => r.costsBudget).length,
      graphqlPoints: this.requests.reduce((n, r) => n + (r.costsBudget ? (r.cost ?? 0) : 0), 0),
      peakConcurrency: this.peakConcurrency,
      secondaryLimitAnswers: this.secondaryLimitAnswers,
      byStatus,
    };
  }

  // ------------------------------------------------------------------ transport

  /** In-process `fetch`: no sockets; the latency is a timer (fake timers advance it; none at latency 0). */
  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    let url = new URL(request.url);
    if (url.host === "api.scorecard.dev") return this.outside.scorecard(url);
    // Like `fetch`, follow GitHub's redirects (a renamed repository) unless asked not to.
    for (let hops = 0; ; hops++) {
      const res = await this.serve(request.method, url, Object.fromEntries(request.headers), body);
      if (res === "timeout") throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      if (res === "hang") return new Promise<never>(() => {});
      if (res.status === 301 && res.headers.location && request.redirect !== "manual" && hops < 5) {
        url = new URL(res.headers.location);
        continue;
      }
      return new Response(res.status === 304 ? null : res.body, { status: res.status, headers: res.headers });
    }
  };

  async listen(port = 0): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const out = await this.serve(req.method ?? "GET", url, headers, body);
      if (out === "timeout") return void req.socket.destroy();
      if (out === "hang") return; // the socket stays open and silent
      res.writeHead(out.status, out.headers);
      res.end(out.status === 304 ? undefined : out.body);
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${address.port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  // ------------------------------------------------------------------ load: latency, secondary limits

  /** One request as GitHub serves it under load: counted in flight, answered after the latency. */
  private async serve(method: string, url: URL, headers: Record<string, string>, body: string) {
    this.inFlight += 1;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.inFlight);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      return await this.handle(method, url, headers, body);
    } finally {
      this.inFlight -= 1;
    }
  }

  /**
   * GitHub's secondary limits, checked as a request arrives: too many concurrent requests, or more
   * points in the last minute than allowed (REST: 1 per GET; GraphQL: the query's cost). Returns the
   * seconds to wait (`retry-after`) when the request is refused, else records its points.
   */
  private secondaryLimit(resource: "core" | "graphql", points: number): number | null {
    const now = this.now();
    const window = this.minute[resource];
    while (window.length > 0 && window[0]![0] <= now - 60_000) window.shift();
    if (this.inFlight > this.secondaryLimits.concurrentRequests) return 60;
    const limit =
      resource === "core" ? this.secondaryLimits.restPointsPerMinute : this.secondaryLimits.graphqlPointsPerMinute;
    let used = window.reduce((n, [, p]) => n + p, 0);
    if (used + points > limit) {
      // Wait until enough of the last minute's points have aged out.
      let i = 0;
      while (i < window.length && used + points > limit) used -= window[i++]![1];
      const until = (window[i - 1]?.[0] ?? now) + 60_000;
      return Math.max(1, Math.ceil((until - now) / 1000));
    }
    window.push([now, points]);
    return null;
  }

  // ------------------------------------------------------------------ routing

  private async handle(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; headers: Record<string, string>; body: string } | "timeout" | "hang"> {
    const path = url.pathname.replace(/^\/api\/v3/, "");
    const resource: "core" | "graphql" | "none" =
      path === "/graphql" ? "graphql" : path === "/rate_limit" || path.startsWith("/app/") ? "none" : "core";
    this.refill();
    const at = this.now();
    const gql = path === "/graphql" && method === "POST" ? graphqlRequest(body) : null;
    const cost = gql ? Math.max(1, Math.round(queryCost(gql) * this.graphqlCostMultiplier)) : undefined;
    let secondary = false;
    const log = (status: number, costsBudget: boolean) =>
      this.requests.push({
        method,
        path,
        status,
        resource,
        costsBudget,
        at,
        url: path + url.search,
        page: gql
          ? `graphql ${/query\s+(\w+)/.exec(gql.query ?? "")?.[1] ?? ""} ${String(gql.variables?.owner)}/${String(gql.variables?.name)} ${JSON.stringify(gql.variables?.states ?? null)} ${String(gql.variables?.after ?? "")}`
          : `${method} ${path}${url.search}`,
        ...(gql && {
          ...(typeof gql.variables?.first === "number" && { first: gql.variables.first }),
          ...(typeof gql.variables?.name === "string" && {
            repository: `${gql.variables.owner}/${gql.variables.name}`,
          }),
          cost,
        }),
        ...(secondary && { secondary }),
      });
    const reply = (status: number, json: unknown, extra: Record<string, string> = {}) => {
      const budget = resource === "graphql" ? this.budgets.graphql : this.budgets.core;
      const out = {
        status,
        headers: {
          "content-type": JSON_TYPE,
          "x-github-request-id": `FAKE:${this.requests.length}`,
          "x-ratelimit-limit": String(budget.limit),
          "x-ratelimit-remaining": String(budget.remaining),
          "x-ratelimit-used": String(budget.limit - budget.remaining),
          "x-ratelimit-reset": String(budget.reset),
          "x-ratelimit-resource": resource === "graphql" ? "graphql" : "core",
          ...extra,
        },
        body: json === undefined ? "" : JSON.stringify(json),
      };
      return out;
    };
    const error = (status: number, message: string, extra: Record<string, string> = {}) => {
      log(status, false);
      return reply(
        status,
        { message, documentation_url: "https://docs.github.com/rest", status: String(status) },
        extra,
      );
    };

    // Authentication.
    const auth = headers["authorization"] ?? "";
    const tokenPath = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (tokenPath || path.startsWith("/app/")) {
      if (!this.validJwt(auth)) return error(401, "A JSON web token could not be decoded");
    } else if (path !== "/rate_limit" || auth) {
      const token = /^(?:token|bearer) (ghs_\w+)$/i.exec(auth)?.[1];
      const expires = token ? this.tokens.get(token) : undefined;
      if (!expires || expires <= this.now()) return error(401, "Bad credentials");
    }

    // Secondary limits (concurrency, points per minute): 403 with retry-after, like GitHub.
    if (resource !== "none") {
      const retryAfter = this.secondaryLimit(resource, resource === "graphql" ? (cost ?? 1) : 1);
      if (retryAfter !== null) {
        secondary = true;
        this.secondaryLimitAnswers += 1;
        return error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", {
          "retry-after": String(retryAfter),
        });
      }
    }

    // Scheduled faults.
    const fault = this.takeFault(method, path + url.search);
    if (fault) {
      const reset = Math.floor((this.now() + 10 * 60_000) / 1000);
      switch (fault.type) {
        case "primary_rate_limit":
        case "primary_rate_limit_429":
          (resource === "graphql" ? this.budgets.graphql : this.budgets.core).remaining = 0;
          (resource === "graphql" ? this.budgets.graphql : this.budgets.core).reset = reset;
          return error(
            fault.type === "primary_rate_limit" ? 403 : 429,
            `API rate limit exceeded for installation ID ${this.installationId}.`,
          );
        case "secondary_rate_limit":
          return error(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            { "retry-after": String(fault.retryAfterSec) },
          );
        case "server_error":
          log(fault.status, false);
          return {
            ...reply(fault.status, undefined),
            headers: { "content-type": "text/html" },
            body: "<html>Server Error</html>",
          };
        case "timeout":
          log(0, false);
          return "timeout";
        case "hang":
          log(0, false);
          return "hang";
        case "not_found":
          return error(404, "Not Found");
        case "forbidden":
          return error(403, "Resource not accessible by integration");
        case "truncated":
          log(200, true);
          return {
            ...reply(200, undefined),
            body: path === "/graphql" ? '{"data":{"repository":{"pullRe' : '[{"id":1,"nod',
          };
        case "malformed":
          log(200, true);
          return reply(
            200,
            path === "/graphql"
              ? { data: { repository: { pullRequests: { nodes: "??" } } } }
              : [{ id: "not-a-number" }],
          );
      }
    }

    if (tokenPath && method === "POST") {
      if (Number(tokenPath[1]) !== this.installationId) return error(404, "Not Found");
      const token = `ghs_${(++this.tokensIssued).toString().padStart(36, "0")}`;
      const expiresAt = this.now() + HOUR;
      this.tokens.set(token, expiresAt);
      log(201, false);
      return reply(201, tokenJson(token, expiresAt));
    }
    if (path === "/rate_limit") {
      log(200, false);
      const b = (x: Budget) => ({
        limit: x.limit,
        remaining: x.remaining,
        used: x.limit - x.remaining,
        reset: x.reset,
      });
      return reply(200, rateLimitJson({ core: b(this.budgets.core), graphql: b(this.budgets.graphql) }));
    }
    if (path === "/app/hook/deliveries" && method === "GET") return this.deliveriesPage(url, reply, log);
    const redeliver = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(path);
    if (redeliver && method === "POST") {
      const d = this.deliveries.find((x) => x.id === Number(redeliver[1]));
      if (!d) return error(404, "Not Found");
      this.redeliveryRequests.push(d.id);
      await this.onRedeliver?.(d);
      log(202, false);
      return reply(202, {});
    }

    // Budgeted resources.
    const budget = resource === "graphql" ? this.budgets.graphql : this.budgets.core;
    if (path === "/graphql" && method === "POST") {
      if (budget.remaining <= 0) {
        log(200, false);
        return reply(200, {
          errors: [
            { type: "RATE_LIMITED", message: `API rate limit exceeded for installation ID ${this.installationId}.` },
          ],
        });
      }
      budget.remaining = Math.max(0, budget.remaining - (cost ?? 1));
      log(200, true);
      return reply(
        200,
        await executeGraphql(this.org, gql ?? {}, {
          cost: cost ?? 1,
          limit: budget.limit,
          remaining: budget.remaining,
          used: budget.limit - budget.remaining,
          resetAt: budget.reset * 1000,
        }),
      );
    }
    if (method !== "GET") return error(404, "Not Found");
    const moved = this.outside.redirect(path, url);
    if (moved) {
      log(301, false);
      return reply(
        301,
        { message: "Moved Permanently", url: moved, documentation_url: "https://docs.github.com/rest" },
        {
          location: moved,
        },
      );
    }
    const list = this.listFor(path, url);
    if (!list) return error(404, "Not Found");
    if (list === "missing") return error(404, "Not Found");

    const { items, total, single } = list;
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30)));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const lastPage = Math.max(1, Math.ceil(items.length / perPage));
    const pageItems = items.slice((page - 1) * perPage, page * perPage);
    const json = single
      ? items[0]
      : total !== undefined
        ? { total_count: total, [list.key ?? "repositories"]: pageItems }
        : pageItems;
    const etag = `W/"${fnv(JSON.stringify(json))}"`;
    const links = linkHeader(url, page, lastPage);
    const extra = { etag, ...(links && { link: links }) };
    if (headers["if-none-match"] === etag) {
      log(304, false);
      return { ...reply(304, undefined, extra), body: "" };
    }
    if (budget.remaining <= 0) return error(403, `API rate limit exceeded for installation ID ${this.installationId}.`);
    budget.remaining -= 1;
    log(200, true);
    return reply(200, json, extra);
  }

  private listFor(
    path: string,
    url: URL,
  ): { items: unknown[]; total?: number; key?: string; single?: boolean } | "missing" | null {
    const api = `${url.protocol}//${url.host}`;
    if (path === "/installation/repositories") {
      const repos = this.org.repos.filter((r) => !this.missingRepos.has(`${r.owner}/${r.name}`));
      return { items: repos.map((r) => repositoryJson(this.org, r, api)), total: repos.length };
    }
    const org = /^\/orgs\/([^/]+)\/members$/.exec(path);
    if (org) {
      if (org[1] !== this.org.login) return "missing";
      // Members: every generated user; owners (role=admin): the first of them.
      const logins = url.searchParams.get("role") === "admin" ? this.orgMembers.slice(0, 1) : this.orgMembers;
      return { items: logins.map((login) => userJson(login, api)) };
    }
    const teams = /^\/orgs\/([^/]+)\/teams(?:\/([^/]+)\/(members|repos))?$/.exec(path);
    if (teams) {
      if (teams[1] !== this.org.login) return "missing";
      if (!teams[2]) {
        const bySlug = (slug: string | null) => this.teams.find((t) => t.slug === slug) ?? null;
        return { items: this.teams.map((t) => teamJson(this.org, t, bySlug(t.parent), api)) };
      }
      const team = this.teams.find((t) => t.slug === teams[2]);
      if (!team) return "missing";
      if (teams[3] === "members") return { items: team.members.map((login) => userJson(login, api)) };
      return {
        items: team.repos.flatMap(({ name, role }) => {
          const repo = this.org.repos.find((r) => r.name === name);
          return repo ? [teamRepositoryJson(this.org, repo, role, api)] : [];
        }),
      };
    }
    const outside = this.outside.route(path, url);
    if (outside) return outside;
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return null;
    const full = `${m[1]}/${m[2]}`;
    const repo = this.org.repos.find((r) => `${r.owner}/${r.name}` === full);
    if (!repo || this.missingRepos.has(full)) return "missing";
    const q = url.searchParams;
    const since = q.get("since") ? Date.parse(q.get("since")!) : undefined;
    const direction = q.get("direction") ?? "desc";
    const order = <T>(xs: T[], key: (x: T) => number) =>
      xs.sort((a, b) => (key(a) - key(b)) * (direction === "asc" ? 1 : -1));
    const runs = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(m[3] ?? "");
    if (runs) {
      // By id or file name; filtered by branch, status and `created` (`>=DATE` or `DATE..DATE`), newest
      // first. Filtered by any of actor, branch, check_suite_id, created, event, head_sha or status, the
      // list stops at 1,000 runs (10 pages of 100) while `total_count` still counts them all.
      const workflow = (repo.workflows ?? []).find(
        (w) => String(w.id) === decodeURIComponent(runs[1]!) || w.path.endsWith(`/${decodeURIComponent(runs[1]!)}`),
      );
      if (!workflow) return "missing";
      const created = createdRange(q.get("created"));
      const all = (repo.workflowRuns ?? [])
        .filter((r) => r.workflowId === workflow.id)
        .filter((r) => !q.get("branch") || r.headBranch === q.get("branch"))
        .filter((r) => !q.get("status") || r.status === q.get("status"))
        .filter((r) => created(Math.floor(r.createdAt / 1000) * 1000))
        .sort((a, b) => b.createdAt - a.createdAt);
      const capped = SEARCH_PARAMETERS.some((k) => q.has(k)) ? all.slice(0, 1000) : all;
      return {
        items: capped.map((r) => workflowRunJson(repo, r, workflow, api)),
        total: all.length,
        key: "workflow_runs",
      };
    }
    switch (m[3] ?? "") {
      case "":
        return { items: [repositoryJson(this.org, repo, api, true)], single: true };
      case "/actions/workflows": {
        const items = (repo.workflows ?? []).map((w) => workflowJson(repo, w, api));
        return { items, total: items.length, key: "workflows" };
      }
      case "/collaborators": {
        // Direct collaborators (affiliation=direct); "all" would add the teams' members and the owners.
        const direct = this.collaborators[repo.name] ?? [];
        return { items: direct.map((c) => collaboratorJson(c, api)) };
      }
      case "/issues": {
        const state = q.get("state") ?? "open";
        type Row = { updatedAt: number; createdAt: number; json: unknown; open: boolean };
        let rows: Row[] = [
          ...repo.issues.map((i) => ({
            updatedAt: i.updatedAt,
            createdAt: i.createdAt,
            open: i.state === "open",
            json: issueJson(repo, i, api),
          })),
          ...repo.pullRequests.map((p) => ({
            updatedAt: p.updatedAt,
            createdAt: p.createdAt,
            open: p.state === "open",
            json: pullAsIssueJson(repo, p, api),
          })),
        ];
        if (state !== "all") rows = rows.filter((r) => r.open === (state === "open"));
        if (since !== undefined) rows = rows.filter((r) => r.updatedAt >= since);
        order(rows, (r) => (q.get("sort") === "updated" ? r.updatedAt : r.createdAt));
        return { items: rows.map((r) => r.json) };
      }
      case "/commits": {
        const commits = repo.commits
          .filter((c) => since === undefined || c.date >= since)
          .sort((a, b) => b.date - a.date);
        return { items: commits.map((c) => commitJson(repo, c, api)) };
      }
      case "/issues/comments":
      case "/pulls/comments": {
        const review = m[3] === "/pulls/comments";
        const comments = (review ? repo.reviewComments : repo.issueComments).filter(
          (c) => since === undefined || c.updatedAt >= since,
        );
        order(comments, (c) => (q.get("sort") === "updated" ? c.updatedAt : c.createdAt));
        return {
          items: comments.map((c) => (review ? reviewCommentJson(repo, c, api) : issueCommentJson(repo, c, api))),
        };
      }
      default:
        return null;
    }
  }

  private deliveriesPage(
    url: URL,
    reply: (
      s: number,
      j: unknown,
      e?: Record<string, string>,
    ) => { status: number; headers: Record<string, string>; body: string },
    log: (s: number, c: boolean) => void,
  ) {
    const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30));
    const start = Number(url.searchParams.get("cursor") ?? 0);
    const page = this.deliveries.slice(start, start + perPage);
    const next =
      start + perPage < this.deliveries.length
        ? `${url.origin}${url.pathname}?per_page=${perPage}&cursor=${start + perPage}`
        : null;
    log(200, false);
    return reply(200, page.map(deliveryJson), next ? { link: `<${next}>; rel="next"` } : {});
  }

  private takeFault(method: string, path: string): Fault | null {
    for (const f of this.faults) {
      if (f.times <= 0) continue;
      if (f.method && f.method !== method) continue;
      if (f.pathIncludes && !path.includes(f.pathIncludes)) continue;
      if (f.skip > 0) {
        f.skip -= 1;
        continue;
      }
      f.times -= 1;
      return f.fault;
    }
    return null;
  }

  private refill() {
    const nowSec = this.now() / 1000;
    for (const b of Object.values(this.budgets)) {
      if (nowSec >= b.reset) {
        b.remaining = b.limit;
        b.reset = Math.floor(nowSec + 3600);
      }
    }
  }

  private validJwt(auth: string): boolean {
    const jwt = /^bearer (.+)$/i.exec(auth)?.[1];
    if (!jwt || jwt.split(".").length !== 3) return false;
    try {
      const claims = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as {
        iss?: unknown;
        exp?: number;
      };
      return String(claims.iss) === String(this.appId) && (claims.exp ?? 0) * 1000 > this.now() - 60_000;
    } catch {
      return false;
    }
  }
}

/** The workflow-runs parameters that make GitHub stop a listing at 1,000 results. */
const SEARCH_PARAMETERS = ["actor", "branch", "check_suite_id", "created", "event", "head_sha", "status"];

/**
 * GitHub's search date syntax for `created` (a date or a full timestamp on either side): `>=A`, `>A`,
 * `<=B`, `<B` or `A..B` (both ends included, either may be `*`; a date-only upper bound includes that
 * whole day). Absent or unreadable: no filter.
 */
function createdRange(value: string | null): (at: number) => boolean {
  const DAY = 24 * HOUR;
  const dateOnly = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
  const lower = (s: string) => (s === "*" ? -Infinity : Date.parse(s));
  // The last instant an upper bound includes.
  const upper = (s: string) => (s === "*" ? Infinity : dateOnly(s) ? Date.parse(s) + DAY - 1 : Date.parse(s));
  const v = value?.trim() ?? "";
  let from = -Infinity;
  let to = Infinity;
  const range = /^(.+)\.\.(.+)$/.exec(v);
  const cmp = /^(>=|>|<=|<)(.+)$/.exec(v);
  if (range) {
    from = lower(range[1]!);
    to = upper(range[2]!);
  } else if (cmp) {
    const [, op, at] = cmp;
    if (op === ">=") from = lower(at!);
    else if (op === ">") from = upper(at!) + 1;
    else if (op === "<=") to = upper(at!);
    else to = lower(at!) - 1;
  } else if (v) {
    from = lower(v);
    to = upper(v);
  }
  if (Number.isNaN(from) || Number.isNaN(to)) return () => true;
  return (at) => at >= from && at <= to;
}

function linkHeader(url: URL, page: number, last: number): string | null {
  if (last <= 1) return null;
  const at = (p: number) => {
    const u = new URL(url);
    u.searchParams.set("page", String(p));
    return `<${u}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${at(page - 1)}; rel="prev"`);
  if (page < last) parts.push(`${at(page + 1)}; rel="next"`);
  if (page < last) parts.push(`${at(last)}; rel="last"`);
  if (page > 1) parts.push(`${at(1)}; rel="first"`);
  return parts.join(", ");
}

function fnv(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16);
}
