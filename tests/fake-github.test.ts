// @vitest-environment node
/**
 * The fake GitHub must not drift into a toy: its REST responses are validated against GitHub's
 * official OpenAPI description, and every GraphQL document the app sends validates against
 * GitHub's official GraphQL schema (which the fake also executes).
 */
import { validate as validateGraphql } from "@octokit/graphql-schema";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { afterEach, describe, expect, test, vi } from "vitest";
import { CLOSED_ISSUES_PAGE_QUERY, PULL_REQUESTS_PAGE_QUERY, pullRequestPageCost } from "../convex/github/queries";
import { pullRequestsPage } from "../convex/github/schemas";
import { createFakeGitHub, FakeGitHub } from "./fakeGitHub";
import { iso, openapi } from "./fakeGitHub/shapes";

const ajv = new Ajv({ strict: false, allErrors: false });
addFormats(ajv);
const validators = new Map<string, ReturnType<Ajv["compile"]>>();
function responseValidator(path: string, method: string, status: number) {
  const key = `${method} ${path} ${status}`;
  if (!validators.has(key)) {
    const schema = openapi().paths[path][method].responses[String(status)].content["application/json"].schema;
    validators.set(key, ajv.compile(toJsonSchema(schema) as object));
  }
  return validators.get(key)!;
}
const BASE = "https://api.github.test";

/** OpenAPI 3.0 marks nullability with `nullable: true`; JSON Schema (ajv) with a null type. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== "object") return schema;
  const { nullable, example: _e, examples: _x, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([k, v]) => [
      k,
      k === "properties"
        ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, toJsonSchema(s)]))
        : toJsonSchema(v),
    ]),
  );
  return nullable ? { anyOf: [converted, { type: "null" }] } : converted;
}

async function client(fake: FakeGitHub) {
  const jwt = `x.${Buffer.from(JSON.stringify({ iss: String(fake.appId), exp: Math.floor(Date.now() / 1000) + 600 })).toString("base64url")}.sig`;
  const res = await fake.fetch(`${BASE}/app/installations/${fake.installationId}/access_tokens`, {
    method: "POST",
    headers: { authorization: `bearer ${jwt}` },
  });
  const token = ((await res.json()) as { token: string }).token;
  return {
    jwt,
    token,
    get: (path: string, headers: Record<string, string> = {}) =>
      fake.fetch(`${BASE}${path}`, { headers: { authorization: `token ${token}`, ...headers } }),
  };
}

async function expectValid(res: Response, path: string, method = "get") {
  const body = await res.json();
  const validate = responseValidator(path, method, res.status);
  const ok = validate(body);
  expect(ok, JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  return body;
}

describe("REST responses validate against GitHub's OpenAPI description", () => {
  test("outside repositories (the watchlist's): repository, commits, releases, pulls, contents, branch rules, a rename's redirect", async () => {
    const fake = createFakeGitHub({ latencyMs: 0 });
    fake.outside.add("facebook", "react", { commitCount: 30, releaseCount: 3 });
    fake.outside.add("other", "secret", { private: true });
    const c = await client(fake);
    await expectValid(await c.get("/repos/facebook/react"), "/repos/{owner}/{repo}");
    await expectValid(await c.get("/repos/facebook/react/commits?per_page=100"), "/repos/{owner}/{repo}/commits");
    await expectValid(await c.get("/repos/facebook/react/releases?per_page=100"), "/repos/{owner}/{repo}/releases");
    await expectValid(await c.get("/repos/facebook/react/pulls?state=open&per_page=1"), "/repos/{owner}/{repo}/pulls");
    await expectValid(await c.get("/repos/facebook/react/contents/.github"), "/repos/{owner}/{repo}/contents/{path}");
    await expectValid(
      await c.get("/repos/facebook/react/rules/branches/main"),
      "/repos/{owner}/{repo}/rules/branches/{branch}",
    );
    // A private repository outside the installation is hidden (404), as GitHub does.
    expect((await c.get("/repos/other/secret")).status).toBe(404);
    // A renamed one answers its old name with a 301 that fetch follows to the repository.
    fake.outside.rename("facebook/react", "meta/react");
    const moved = await c.get("/repos/facebook/react");
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as { full_name: string }).full_name).toBe("meta/react");
  });

  const fake = createFakeGitHub({
    latencyMs: 0,
    seed: 5,
    org: { repos: 3, prsPerRepo: 40, issuesPerRepo: 20, commitsPerRepo: 120, commentsPerIssue: 2 },
  });

  test("installation token, repositories, issues (with PRs), commits, comments, rate limit, deliveries", async () => {
    const jwt = `x.${Buffer.from(JSON.stringify({ iss: String(fake.appId), exp: Math.floor(Date.now() / 1000) + 600 })).toString("base64url")}.sig`;
    const tokenRes = await fake.fetch(`${BASE}/app/installations/${fake.installationId}/access_tokens`, {
      method: "POST",
      headers: { authorization: `bearer ${jwt}` },
    });
    expect(tokenRes.status).toBe(201);
    await expectValid(tokenRes, "/app/installations/{installation_id}/access_tokens", "post");
    const c = await client(fake);
    await expectValid(await c.get("/installation/repositories?per_page=100"), "/installation/repositories");
    await expectValid(await c.get("/repos/acme/repo-001"), "/repos/{owner}/{repo}");
    for (let page = 1; page <= 3; page++) {
      const issues = await expectValid(
        await c.get(`/repos/acme/repo-001/issues?state=all&per_page=25&page=${page}`),
        "/repos/{owner}/{repo}/issues",
      );
      expect(issues.length).toBe([25, 25, 10][page - 1]); // 40 PRs + 20 issues, PRs included as GitHub does
    }
    await expectValid(
      await c.get("/repos/acme/repo-001/commits?sha=main&per_page=100&page=2"),
      "/repos/{owner}/{repo}/commits",
    );
    await expectValid(
      await c.get("/repos/acme/repo-001/issues/comments?per_page=100"),
      "/repos/{owner}/{repo}/issues/comments",
    );
    await expectValid(
      await c.get("/repos/acme/repo-001/pulls/comments?per_page=100"),
      "/repos/{owner}/{repo}/pulls/comments",
    );
    await expectValid(await c.get("/rate_limit"), "/rate_limit");
    for (let i = 0; i < 5; i++)
      fake.addDelivery({
        guid: `g-${i}`,
        event: "issues",
        action: "opened",
        status: i % 2 ? "OK" : "Invalid HTTP Response: 502",
        statusCode: i % 2 ? 200 : 502,
      });
    const deliveries = await fake.fetch(`${BASE}/app/hook/deliveries?per_page=2`, {
      headers: { authorization: `bearer ${c.jwt}` },
    });
    await expectValid(deliveries, "/app/hook/deliveries");
    expect(deliveries.headers.get("link")).toMatch(/cursor=2>; rel="next"/);
    const redeliver = await fake.fetch(`${BASE}/app/hook/deliveries/${fake.deliveries[0]!.id}/attempts`, {
      method: "POST",
      headers: { authorization: `bearer ${c.jwt}` },
    });
    expect(redeliver.status).toBe(202);
    expect(fake.redeliveryRequests).toEqual([fake.deliveries[0]!.id]);
  });

  test("404 and 401 bodies are GitHub's error shape", async () => {
    const c = await client(fake);
    const missing = await c.get("/repos/acme/nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: "Not Found", documentation_url: expect.any(String) });
    const bad = await fake.fetch(`${BASE}/installation/repositories`, {
      headers: { authorization: "token ghs_forged" },
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: "Bad credentials" });
  });
});

describe("GitHub behaviour", () => {
  test("pagination follows Link; since/sort/direction filter and order", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 6, org: { repos: 1, prsPerRepo: 30, issuesPerRepo: 30 } });
    const c = await client(fake);
    let url: string | null = `${BASE}/repos/acme/repo-001/issues?state=all&sort=updated&direction=desc&per_page=7`;
    const seen: number[] = [];
    let previous = Infinity;
    while (url) {
      const res = await fake.fetch(url, { headers: { authorization: `token ${c.token}` } });
      for (const i of (await res.json()) as Array<{ number: number; updated_at: string }>) {
        seen.push(i.number);
        expect(Date.parse(i.updated_at)).toBeLessThanOrEqual(previous);
        previous = Date.parse(i.updated_at);
      }
      url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "")?.[1] ?? null;
    }
    expect(new Set(seen).size).toBe(60);
    const since = new Date(Date.now() - 20 * 86_400_000).toISOString();
    const recent = (await (
      await c.get(`/repos/acme/repo-001/issues?state=all&since=${since}&per_page=100`)
    ).json()) as Array<{ updated_at: string }>;
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(60);
    expect(recent.every((i) => i.updated_at >= since.replace(/\.\d{3}Z$/, "Z"))).toBe(true);
  });

  test("ETag → 304 costs no budget; a change produces a new ETag", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 7, org: { repos: 1, prsPerRepo: 3 } });
    const c = await client(fake);
    const path = "/repos/acme/repo-001/issues?state=all&sort=updated&direction=desc&per_page=1";
    const first = await c.get(path);
    const etag = first.headers.get("etag")!;
    const remaining = Number(first.headers.get("x-ratelimit-remaining"));
    const again = await c.get(path, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(Number(again.headers.get("x-ratelimit-remaining"))).toBe(remaining);
    fake.openIssue("repo-001");
    const changed = await c.get(path, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(Number(changed.headers.get("x-ratelimit-remaining"))).toBe(remaining - 1);
  });

  test("the budget runs out (403, remaining 0) and refills after the reset", async () => {
    let now = Date.UTC(2026, 0, 1);
    const fake = createFakeGitHub({
      latencyMs: 0,
      seed: 8,
      org: { repos: 1 },
      rateLimit: { limit: 3 },
      now: () => now,
    });
    const c = await client(fake);
    for (let i = 0; i < 3; i++) expect((await c.get("/repos/acme/repo-001")).status).toBe(200);
    const limited = await c.get("/repos/acme/repo-001");
    expect(limited.status).toBe(403);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    now = Number(limited.headers.get("x-ratelimit-reset")) * 1000 + 1;
    const tokenAgain = await client(fake); // the old token expired with the hour
    expect((await tokenAgain.get("/repos/acme/repo-001")).status).toBe(200);
  });

  test("each fault type", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 9, org: { repos: 1 } });
    const c = await client(fake);
    fake.injectFault({ type: "secondary_rate_limit", retryAfterSec: 30 });
    const secondary = await c.get("/repos/acme/repo-001");
    expect([secondary.status, secondary.headers.get("retry-after")]).toEqual([403, "30"]);
    fake.injectFault({ type: "primary_rate_limit_429" });
    expect((await c.get("/repos/acme/repo-001")).status).toBe(429);
    fake.setRateLimit("core", { remaining: 100 });
    fake.injectFault({ type: "server_error", status: 502 }, { afterRequests: 1 });
    expect((await c.get("/repos/acme/repo-001")).status).toBe(200);
    expect((await c.get("/repos/acme/repo-001")).status).toBe(502);
    fake.injectFault({ type: "timeout" });
    await expect(c.get("/repos/acme/repo-001")).rejects.toMatchObject({ name: "TimeoutError" });
    fake.injectFault({ type: "malformed" });
    expect(await (await c.get("/repos/acme/repo-001/issues")).json()).toEqual([{ id: "not-a-number" }]);
    fake.makeRepoNotFound("acme/repo-001");
    expect((await c.get("/repos/acme/repo-001/issues")).status).toBe(404);
  });

  test("over HTTP as well", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 10, org: { repos: 2 } });
    const server = await fake.listen(0);
    try {
      const c = await client(fake);
      const res = await fetch(`${server.url}/installation/repositories`, {
        headers: { authorization: `token ${c.token}` },
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { total_count: number }).total_count).toBe(2);
    } finally {
      await server.close();
    }
  });
});

describe("GraphQL", () => {
  test("every document the app sends validates against GitHub's official schema", () => {
    expect(validateGraphql(PULL_REQUESTS_PAGE_QUERY)).toEqual([]);
    expect(validateGraphql(CLOSED_ISSUES_PAGE_QUERY)).toEqual([]);
  });

  test("closed issues only (no pull requests), updated since, oldest first", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 13, org: { repos: 1, prsPerRepo: 10, issuesPerRepo: 30 } });
    const c = await client(fake);
    const since = Date.now() - 30 * 86_400_000;
    const res = await fake.fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { authorization: `token ${c.token}` },
      body: JSON.stringify({
        query: CLOSED_ISSUES_PAGE_QUERY,
        variables: { owner: "acme", name: "repo-001", since: new Date(since).toISOString() },
      }),
    });
    const body = (await res.json()) as { data: any; errors?: unknown };
    expect(body.errors).toBeUndefined();
    const truth = fake.repo("repo-001").issues.filter((i) => i.state === "closed" && i.updatedAt >= since);
    const nodes = body.data.repository.issues.nodes as Array<{ databaseId: number; updatedAt: string }>;
    expect(nodes.map((n) => n.databaseId).sort()).toEqual(truth.map((i) => i.id).sort());
    const updated = nodes.map((n) => Date.parse(n.updatedAt));
    expect(updated).toEqual([...updated].sort((a, b) => a - b));
    expect(body.data.rateLimit.cost).toBe(1);
  });

  test("pull requests with reviews and checks, paged by cursor, newest first", async () => {
    const fake = createFakeGitHub({
      latencyMs: 0,
      seed: 11,
      org: { repos: 1, prsPerRepo: 23, reviewsPerPr: 3, checksPerPr: 3 },
    });
    const c = await client(fake);
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await fake.fetch(`${BASE}/graphql`, {
        method: "POST",
        headers: { authorization: `token ${c.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          query: PULL_REQUESTS_PAGE_QUERY,
          variables: { owner: "acme", name: "repo-001", first: 10, after },
        }),
      });
      const body = (await res.json()) as { data: any; errors?: unknown };
      expect(body.errors).toBeUndefined();
      const conn = body.data.repository.pullRequests;
      for (const pr of conn.nodes) {
        seen.push(pr.number);
        const truth = fake.repo("repo-001").pullRequests.find((p) => p.number === pr.number)!;
        expect(pr.reviews.totalCount).toBe(truth.reviews.length);
        expect(
          pr.commits.nodes[0].commit.statusCheckRollup.contexts.nodes.filter((n: any) => n.__typename === "CheckRun"),
        ).toHaveLength(truth.checkRuns.length);
      }
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(23);
    const updated = seen.map((n) => fake.repo("repo-001").pullRequests.find((p) => p.number === n)!.updatedAt);
    expect(updated).toEqual([...updated].sort((a, b) => b - a));
  });

  test("review requests (users and teams), the timeline's request and ready-for-review events and sizes, in GitHub's shape", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 14, org: { repos: 2, prsPerRepo: 60, reviewsPerPr: 2 } });
    const c = await client(fake);
    const kinds = { teams: 0, users: 0, bots: 0, reRequests: 0, ready: 0 };
    for (const repo of fake.org.repos) {
      const res = await fake.fetch(`${BASE}/graphql`, {
        method: "POST",
        headers: { authorization: `token ${c.token}` },
        body: JSON.stringify({
          query: PULL_REQUESTS_PAGE_QUERY,
          variables: { owner: "acme", name: repo.name, first: 100 },
        }),
      });
      const body = (await res.json()) as { data: any; errors?: unknown };
      // Executed against GitHub's schema (an answer of the wrong shape is an error), and our zod schema reads it.
      expect(body.errors).toBeUndefined();
      expect(body.data.rateLimit.cost).toBe(pullRequestPageCost(100));
      const parsed = pullRequestsPage.parse(body.data);
      for (const pr of parsed.repository!.pullRequests.nodes) {
        const truth = repo.pullRequests.find((p) => p.number === pr.number)!;
        expect([pr.additions, pr.deletions, pr.changedFiles]).toEqual([
          truth.additions,
          truth.deletions,
          truth.changedFiles,
        ]);
        expect(pr.reviewRequests!.totalCount).toBe(truth.requestedReviewers.length + truth.requestedTeams.length);
        expect(pr.reviewRequests!.nodes.map((n) => n!.requestedReviewer)).toEqual([
          ...truth.requestedReviewers.map((login) => ({ __typename: "User", login })),
          ...truth.requestedTeams.map((slug) => ({ __typename: "Team", slug })),
        ]);
        const events = pr.timelineItems.nodes.map((n) => n!);
        const requested = events.flatMap((e) => (e.__typename === "ReviewRequestedEvent" ? [e] : []));
        expect(requested.map((e) => Date.parse(e.createdAt))).toEqual(
          truth.reviewRequestEvents.map((e) => Date.parse(iso(e.createdAt))),
        );
        for (const [i, e] of requested.entries()) {
          const key = truth.reviewRequestEvents[i]!.reviewer;
          const r = e.requestedReviewer!;
          if (key.startsWith("team:")) expect(r).toEqual({ __typename: "Team", slug: key.slice(5) });
          else if (key.endsWith("[bot]")) expect(r).toEqual({ __typename: "Bot", login: key.slice(0, -5) });
          else expect(r).toEqual({ __typename: "User", login: key });
          kinds[r.__typename === "Team" ? "teams" : r.__typename === "Bot" ? "bots" : "users"]++;
        }
        kinds.reRequests += requested.length - new Set(truth.reviewRequestEvents.map((e) => e.reviewer)).size;
        const ready = events.flatMap((e) => (e.__typename === "ReadyForReviewEvent" ? [Date.parse(e.createdAt)] : []));
        expect(ready).toEqual(truth.readyForReviewEvents.map((at) => Date.parse(iso(at)))); // GitHub's times are whole seconds
        kinds.ready += ready.length;
        const times = events.map((e) => Date.parse(e.createdAt));
        expect(times).toEqual([...times].sort((a, b) => a - b)); // the timeline is chronological
      }
    }
    // The generated organisation exercises every kind.
    expect(
      Object.values(kinds).every((n) => n > 0),
      JSON.stringify(kinds),
    ).toBe(true);

    // `itemTypes` filters and `last` keeps the latest, as on GitHub.
    const query = `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
      pullRequests(first: 100) { nodes { number timelineItems(last: 1, itemTypes: [REVIEW_REQUESTED_EVENT]) {
        totalCount nodes { __typename ... on ReviewRequestedEvent { createdAt } } } } } } }`;
    expect(validateGraphql(query)).toEqual([]);
    const res = await fake.fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { authorization: `token ${c.token}` },
      body: JSON.stringify({ query, variables: { owner: "acme", name: fake.org.repos[0]!.name } }),
    });
    const latest = (await res.json()) as { data: any; errors?: unknown };
    expect(latest.errors).toBeUndefined();
    for (const node of latest.data.repository.pullRequests.nodes) {
      const truth = fake.org.repos[0]!.pullRequests.find((p) => p.number === node.number)!;
      const last = truth.reviewRequestEvents.at(-1);
      expect(node.timelineItems).toEqual({
        totalCount: truth.reviewRequestEvents.length,
        nodes: last ? [{ __typename: "ReviewRequestedEvent", createdAt: iso(last.createdAt) }] : [],
      });
    }
  });

  test("an invalid document or `first` over 100 is an error, as on GitHub; no budget → RATE_LIMITED in a 200", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 12, org: { repos: 1 } });
    const c = await client(fake);
    const post = (query: string, variables = {}) =>
      fake.fetch(`${BASE}/graphql`, {
        method: "POST",
        headers: { authorization: `token ${c.token}` },
        body: JSON.stringify({ query, variables }),
      });
    expect(
      ((await (await post("{ viewer { notAField } }")).json()) as { errors: unknown[] }).errors.length,
    ).toBeGreaterThan(0);
    const tooMany = (await (
      await post(PULL_REQUESTS_PAGE_QUERY, { owner: "acme", name: "repo-001", first: 101 })
    ).json()) as { errors: Array<{ message: string }> };
    expect(tooMany.errors[0]!.message).toMatch(/exceeds the `first` limit of 100/);
    fake.setRateLimit("graphql", { remaining: 0 });
    const limited = await post(PULL_REQUESTS_PAGE_QUERY, { owner: "acme", name: "repo-001", first: 5 });
    expect(limited.status).toBe(200);
    expect(await limited.json()).toMatchObject({ errors: [{ type: "RATE_LIMITED" }] });
  });
});

describe("under load, like GitHub", () => {
  afterEach(() => vi.useRealTimers());
  const tokenFor = async (fake: FakeGitHub) => {
    const jwt = `x.${Buffer.from(JSON.stringify({ iss: String(fake.appId), exp: Math.floor(Date.now() / 1000) + 600 })).toString("base64url")}.sig`;
    const res = await fake.fetch(`${BASE}/app/installations/${fake.installationId}/access_tokens`, {
      method: "POST",
      headers: { authorization: `bearer ${jwt}` },
    });
    return ((await res.json()) as { token: string }).token;
  };

  test("each answer takes the latency (300 ms by default), on a timer that fake timers advance", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 24, 12) });
    const fake = createFakeGitHub({ seed: 20, org: { repos: 1 } });
    expect(fake.latencyMs).toBe(300);
    const tokenRequest = tokenFor(fake);
    await vi.advanceTimersByTimeAsync(300);
    const token = await tokenRequest;
    let answered = false;
    const res = fake
      .fetch(`${BASE}/repos/acme/repo-001/issues`, { headers: { authorization: `token ${token}` } })
      .then((r) => ((answered = true), r));
    await vi.advanceTimersByTimeAsync(299);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await res).status).toBe(200);
  });

  test("more than 100 concurrent requests: 403 with retry-after; the fake records the peak", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 24, 12) });
    const fake = createFakeGitHub({ seed: 21, org: { repos: 1 } });
    const tokenRequest = tokenFor(fake);
    await vi.advanceTimersByTimeAsync(300);
    const token = await tokenRequest;
    const all = Array.from({ length: 101 }, () =>
      fake.fetch(`${BASE}/repos/acme/repo-001/commits`, { headers: { authorization: `token ${token}` } }),
    );
    await vi.advanceTimersByTimeAsync(300);
    const statuses = (await Promise.all(all)).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    const refused = (await Promise.all(all)).find((r) => r.status === 403)!;
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(fake.peakConcurrency).toBe(101);
    expect(fake.secondaryLimitAnswers).toBe(1);
  });

  test("points per minute: REST 900 (1 per GET), GraphQL 2,000 (the query's cost); then 403 with retry-after until they age out", async () => {
    const fake = createFakeGitHub({ latencyMs: 0, seed: 22, org: { repos: 1, prsPerRepo: 5 } });
    const token = await tokenFor(fake);
    const get = () =>
      fake.fetch(`${BASE}/repos/acme/repo-001/commits`, { headers: { authorization: `token ${token}` } });
    for (let i = 0; i < 900; i++) expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(403);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // A page of 100 pull requests with review requests, timeline events, reviews, the first commit and
    // check contexts costs (1 + 6 × 100) / 100 ≈ 6 points.
    const page = await fake.fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { authorization: `token ${token}` },
      body: JSON.stringify({
        query: PULL_REQUESTS_PAGE_QUERY,
        variables: { owner: "acme", name: "repo-001", first: 100 },
      }),
    });
    expect(((await page.json()) as { data: { rateLimit: { cost: number } } }).data.rateLimit.cost).toBe(6);
    expect(fake.requests.at(-1)).toMatchObject({ resource: "graphql", cost: 6, first: 100 });
  });
});
