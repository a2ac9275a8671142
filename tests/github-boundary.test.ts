// @vitest-environment node
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { GitHubClient, nextLink } from "../convex/github/client";
import { ConfigError, githubAppCredentials, webhookSecrets } from "../convex/github/config";
import { classifyGraphqlErrors, classifyHttpError } from "../convex/github/errors";
import { mapRepository } from "../convex/github/mapShared";
import { mapIssue } from "../convex/github/mapSync";
import { parseRateLimit, parseRetryAfter } from "../convex/github/rateLimit";
import { restIssues, restRepository } from "../convex/github/schemas";

const NOW = 1_700_000_000_000;
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(`node_modules/@octokit/fixtures/scenarios/api.github.com/${name}/normalized-fixture.json`, "utf8"),
  ) as Array<{
    method: string;
    path: string;
    status: number;
    response: unknown;
    headers: Record<string, string>;
  }>;

describe("rate-limit snapshot", () => {
  test("parsed from GitHub's headers (any case), reset in ms", () => {
    expect(
      parseRateLimit(
        {
          "X-RateLimit-Limit": "5000",
          "x-ratelimit-remaining": "4990",
          "x-ratelimit-reset": "1700003600",
          "x-ratelimit-used": "10",
          "x-ratelimit-resource": "core",
        },
        NOW,
      ),
    ).toEqual({
      resource: "core",
      limit: 5000,
      remaining: 4990,
      used: 10,
      resetAt: 1_700_003_600_000,
      observedAt: NOW,
    });
  });
  test("missing or garbled headers give no snapshot rather than a wrong one", () => {
    expect(parseRateLimit({}, NOW)).toBeNull();
    expect(
      parseRateLimit({ "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "lots", "x-ratelimit-reset": "1" }, NOW),
    ).toBeNull();
  });
  test("retry-after in seconds or as an HTTP date", () => {
    expect(parseRetryAfter({ "retry-after": "30" }, NOW)).toBe(30_000);
    expect(parseRetryAfter({ "retry-after": new Date(NOW + 90_000).toUTCString() }, NOW)).toBe(90_000);
    expect(parseRetryAfter({}, NOW)).toBeNull();
  });
  test("every recorded fixture response carries a parseable snapshot", () => {
    for (const r of fixture("paginate-issues")) expect(parseRateLimit(r.headers, NOW)?.limit).toBeGreaterThan(0);
  });
});

describe("error classes", () => {
  const rl = (remaining: number) => ({
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": String((NOW + 600_000) / 1000),
  });
  test.each([
    ["primary 403", 403, rl(0), "API rate limit exceeded", "rate_limited", NOW + 600_000],
    ["primary 429", 429, rl(0), "API rate limit exceeded", "rate_limited", NOW + 600_000],
    [
      "secondary with retry-after (wins over reset)",
      403,
      { ...rl(0), "retry-after": "42" },
      "secondary rate limit",
      "rate_limited",
      NOW + 42_000,
    ],
    [
      "secondary without retry-after waits a minute",
      403,
      rl(100),
      "You have exceeded a secondary rate limit",
      "rate_limited",
      NOW + 60_000,
    ],
    ["plain 403", 403, rl(100), "Resource not accessible by integration", "forbidden", undefined],
    ["401", 401, {}, "Bad credentials", "unauthorized", undefined],
    ["404", 404, {}, "Not Found", "not_found", undefined],
    ["410", 410, {}, "Gone", "not_found", undefined],
    ["422", 422, {}, "Validation Failed", "bad_request", undefined],
    ["500", 500, {}, "Server Error", "transient", undefined],
    ["502", 502, {}, "Bad Gateway", "transient", undefined],
    [
      "network failure / timeout",
      undefined,
      undefined,
      "The operation was aborted due to timeout",
      "transient",
      undefined,
    ],
  ] as const)("%s", (_n, status, headers, message, kind, resumeAt) => {
    const e = classifyHttpError(status, headers, message, NOW);
    expect(e.kind).toBe(kind);
    expect(e.details.resumeAt).toBe(resumeAt);
    expect(e.permanent).toBe(kind !== "rate_limited" && kind !== "transient");
  });
  test("GraphQL RATE_LIMITED in a 200 body resumes at the reset", () => {
    const e = classifyGraphqlErrors([{ type: "RATE_LIMITED", message: "API rate limit exceeded" }], rl(0), NOW);
    expect(e).toMatchObject({ kind: "rate_limited", details: { resumeAt: NOW + 600_000 } });
    expect(classifyGraphqlErrors([{ type: "NOT_FOUND", message: "x" }], {}, NOW).kind).toBe("not_found");
  });
  test("the recorded 422 fixture classifies as bad_request", () => {
    const [r] = fixture("errors");
    expect(classifyHttpError(r!.status, r!.headers, "Validation Failed", NOW).kind).toBe("bad_request");
  });
});

describe("pagination", () => {
  test("follows the recorded Link header's next URL", () => {
    const pages = fixture("paginate-issues");
    expect(nextLink(pages[0]!.headers.link)).toBe("https://api.github.com/repositories/1000/issues?per_page=3&page=2");
    expect(nextLink(pages.at(-1)!.headers.link)).toBeUndefined();
  });
});

describe("mappers on recorded GitHub responses", () => {
  test("issues pages parse and map", () => {
    const issues = fixture("paginate-issues").flatMap((p) => restIssues.parse(p.response));
    expect(issues.length).toBeGreaterThan(10);
    for (const i of issues) {
      const rec = mapIssue(1000, i);
      expect(rec).toMatchObject({
        githubId: i.id,
        number: i.number,
        state: i.state,
        createdAt: Date.parse(i.created_at),
      });
    }
  });
  test("repository parses and maps", () => {
    const [r] = fixture("get-repository");
    const rec = mapRepository(restRepository.parse(r!.response));
    expect(rec).toMatchObject({ fullName: "octokit-fixture-org/hello-world", defaultBranch: "master", private: false });
  });
  test("a response missing a field we use is invalid_response with its path, not a crash", async () => {
    const [r] = fixture("get-repository");
    const body = { ...(r!.response as object), default_branch: undefined };
    const fetch = async () =>
      new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
    const client = new GitHubClient(
      { credentials: { appId: "1", privateKey: "", apiUrl: "https://api.github.com" }, fetch },
      async () => "token x",
    );
    await expect(client.get("/repos/{owner}/{repo}", { owner: "o", repo: "r" }, restRepository)).rejects.toMatchObject({
      kind: "invalid_response",
      details: { path: "default_branch" },
    });
  });
  test("the client replays recorded responses: pages, ETag, snapshot", async () => {
    const pages = fixture("paginate-issues");
    const fetch = async (input: RequestInfo | URL) => {
      const url = new URL(String(input));
      const page = pages.find((p) => p.path === url.pathname + url.search) ?? pages[0]!;
      return new Response(JSON.stringify(page.response), { status: page.status, headers: page.headers });
    };
    const client = new GitHubClient(
      { credentials: { appId: "1", privateKey: "", apiUrl: "https://api.github.com" }, fetch, now: () => NOW },
      async () => "token x",
    );
    let res = await client.get(
      "/repos/{owner}/{repo}/issues",
      { owner: "octokit-fixture-org", repo: "paginate-issues", per_page: 3 },
      restIssues,
    );
    let n = 0;
    while (!res.notModified) {
      n += res.data.length;
      if (!res.next) break;
      res = await client.get(res.next, {}, restIssues);
    }
    expect(n).toBe(pages.reduce((s, p) => s + (p.response as unknown[]).length, 0));
    expect(client.stats.requests).toBe(pages.length);
    expect(client.rateLimits.core).toMatchObject({ limit: 5000 });
  });
});

describe("configuration", () => {
  test("names every missing or malformed variable", () => {
    expect(() => githubAppCredentials({})).toThrow(ConfigError);
    expect(() => githubAppCredentials({ GITHUB_APP_ID: "abc", GITHUB_APP_PRIVATE_KEY: "x" })).toThrow(
      /GITHUB_APP_ID.*GITHUB_APP_PRIVATE_KEY/,
    );
  });
  test("defaults the API URL and accepts a rotation secret", () => {
    expect(
      githubAppCredentials({ GITHUB_APP_ID: "1", GITHUB_APP_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----" }).apiUrl,
    ).toBe("https://api.github.com");
    expect(webhookSecrets({ GITHUB_WEBHOOK_SECRET: "new", GITHUB_WEBHOOK_SECRET_PREVIOUS: "old" })).toEqual([
      "new",
      "old",
    ]);
    expect(() => webhookSecrets({})).toThrow(/GITHUB_WEBHOOK_SECRET/);
  });
  test("reads variables by name: a deployment's process.env answers lookups but lists no keys", () => {
    const vars: Record<string, string> = {
      GITHUB_APP_ID: "7",
      GITHUB_APP_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----",
      GITHUB_WEBHOOK_SECRET: "s",
    };
    const convexEnv = new Proxy(
      {},
      { get: (_, name) => (typeof name === "string" ? vars[name] : undefined) },
    ) as Record<string, string | undefined>;
    expect(Object.keys(convexEnv)).toEqual([]);
    expect(githubAppCredentials(convexEnv)).toMatchObject({ appId: "7", apiUrl: "https://api.github.com" });
    expect(webhookSecrets(convexEnv)).toEqual(["s"]);
  });
});
