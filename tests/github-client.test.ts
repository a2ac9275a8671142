/**
 * The GitHub client's own resilience, against the in-process fake GitHub: a request that never
 * answers ends at the client's timer (Convex's fetch ignores AbortSignal), a revoked installation
 * token is replaced and the request retried once, and a malformed 200 body is asked for once more.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import {
  GitHubApp,
  GitHubClient,
  REQUEST_TIMEOUT_MS,
  type InstallationToken,
  type TokenStore,
} from "../convex/github/client";
import { githubAppCredentials } from "../convex/github/config";
import { GitHubError } from "../convex/github/errors";
import { pullRequestsPage, restIssues } from "../convex/github/schemas";
import { PULL_REQUESTS_PAGE_QUERY } from "../convex/github/queries";
import type { FakeGitHub } from "./fakeGitHub";
import { makeConvex, type TestConvex } from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";

const T = Date.UTC(2026, 10, 24, 12);
beforeEach(() => vi.useFakeTimers({ now: T }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/**
 * The fake GitHub answering at once: these tests step fake time themselves (a hung request must end
 * at exactly the client's timeout), so the fake must not wait on a timer of its own before answering.
 * (`latencyMs` is set this way so the file also compiles against a fake without that option.)
 */
function instantFakeGitHub(options: Parameters<typeof useFakeGitHub>[0]) {
  return Object.assign(useFakeGitHub(options), { latencyMs: 0 });
}

function tokenStore(): TokenStore & { tokens: Map<number, InstallationToken> } {
  const tokens = new Map<number, InstallationToken>();
  return {
    tokens,
    get: async (id) => tokens.get(id) ?? null,
    set: async (id, token) => void tokens.set(id, token),
    drop: async (id, token) => void (tokens.get(id)?.token === token && tokens.delete(id)),
  };
}

function appFor(fake: FakeGitHub, fetch: typeof globalThis.fetch = fake.fetch, tokens = tokenStore()) {
  const app = new GitHubApp({ credentials: githubAppCredentials(), fetch, tokens });
  return { app, tokens, client: app.installationClient(fake.installationId) };
}

const issues = (client: GitHubClient, repo = "repo-001") =>
  client.get("/repos/{owner}/{repo}/issues", { owner: "acme", repo, state: "all", per_page: 5 }, restIssues);

/** Settle `promise` while advancing fake time by `ms`; returns its outcome. */
async function afterAdvancing<T>(promise: Promise<T>, ms: number) {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.advanceTimersByTimeAsync(ms);
  return Promise.race([outcome, Promise.resolve("still pending" as const)]);
}

describe("request timeout (a timer, not an AbortSignal)", () => {
  const credentials = { appId: "1", privateKey: "", apiUrl: "https://api.github.com" };

  test("a fetch that never resolves (and ignores its signal) fails as transient at the timeout", async () => {
    let started = 0;
    const hang = () => {
      started += 1;
      return new Promise<Response>(() => {});
    };
    const client = new GitHubClient({ credentials, fetch: hang }, async () => "token x");
    const pending = client.get("/repos/{owner}/{repo}/issues", { owner: "o", repo: "r" }, restIssues);
    expect(await afterAdvancing(pending, REQUEST_TIMEOUT_MS - 1)).toBe("still pending");
    const outcome = await afterAdvancing(pending, 1);
    expect(outcome).toMatchObject({ error: { kind: "transient" } });
    expect((outcome as { error: GitHubError }).error.permanent).toBe(false);
    expect(started).toBe(1); // a timeout is not retried inside the request: the worker backs off
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a hung fake GitHub: the data request and the token request both time out", async () => {
    const fake = instantFakeGitHub({ seed: 32, org: { repos: 1 } });
    const hung = () => fake.requests.filter((r) => r.status === 0).length;
    const { client } = appFor(fake);
    await issues(client); // the token is minted and held
    fake.injectFault({ type: "hang" }, { pathIncludes: "/issues" });
    const data = issues(client);
    await vi.waitFor(() => expect(hung()).toBe(1));
    expect(await afterAdvancing(data, REQUEST_TIMEOUT_MS)).toMatchObject({ error: { kind: "transient" } });
    // Minting the installation token goes over the same fetch (once its JWT is signed).
    const other = appFor(fake);
    fake.injectFault({ type: "hang" }, { pathIncludes: "/access_tokens" });
    const mint = issues(other.client);
    await vi.waitFor(() => expect(hung()).toBe(2));
    expect(await afterAdvancing(mint, REQUEST_TIMEOUT_MS)).toMatchObject({ error: { kind: "transient" } });
    // Once GitHub answers again, the same clients work.
    await expect(issues(client)).resolves.toMatchObject({ notModified: false });
    await expect(issues(other.client)).resolves.toMatchObject({ notModified: false });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("a revoked installation token", () => {
  test("is dropped, a new one is minted and the request retried once", async () => {
    const fake = instantFakeGitHub({ seed: 33, org: { repos: 1 } });
    const { client, tokens } = appFor(fake);
    await issues(client);
    const first = tokens.tokens.get(fake.installationId)!.token;
    fake.revokeTokens();
    await expect(issues(client)).resolves.toMatchObject({ notModified: false });
    expect(fake.tokensIssued).toBe(2);
    expect(tokens.tokens.get(fake.installationId)!.token).not.toBe(first);
    expect(fake.stats().byStatus[401]).toBe(1);
    // The new token is reused, not re-minted.
    await issues(client);
    expect(fake.tokensIssued).toBe(2);
  });

  test("a second 401 with the fresh token is the permanent unauthorized error", async () => {
    const fake = instantFakeGitHub({ seed: 34, org: { repos: 1 } });
    // Every token is revoked as soon as it is used: GitHub keeps rejecting the installation.
    const rejecting: typeof fetch = (input, init) => {
      if (!String(input instanceof Request ? input.url : input).includes("/access_tokens")) fake.revokeTokens();
      return fake.fetch(input, init);
    };
    const { client } = appFor(fake, rejecting);
    await expect(issues(client)).rejects.toMatchObject({ kind: "unauthorized", details: { status: 401 } });
    expect(fake.tokensIssued).toBe(2);
    expect(fake.stats().byStatus[401]).toBe(2);
  });

  test("deleteToken forgets only the rejected token, not a newer one stored meanwhile", async () => {
    const t = makeConvex();
    const store = (token: string) =>
      t.mutation(internal.github.connection.storeToken, { installationGithubId: 7, token, expiresAt: T + 3_600_000 });
    const stored = () => t.query(internal.github.connection.readToken, { installationGithubId: 7 });
    await store("ghs_newer");
    await t.mutation(internal.github.connection.deleteToken, { installationGithubId: 7, token: "ghs_older" });
    expect(await stored()).toMatchObject({ token: "ghs_newer" });
    await t.mutation(internal.github.connection.deleteToken, { installationGithubId: 7, token: "ghs_newer" });
    expect(await stored()).toBeNull();
  });

  test("in a Convex action: the persisted token is replaced and the next sync completes", async () => {
    const fake = instantFakeGitHub({ seed: 36, org: { repos: 2, prsPerRepo: 3, issuesPerRepo: 2 } });
    const t = makeConvex();
    const installationId = await installFakeOrg(t, fake);
    const sync = async () => {
      await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" });
      await t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
      return t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").first())!);
    };
    const storedToken = (t: TestConvex) =>
      t.run(async (ctx) => (await ctx.db.query("githubTokens").collect()).map((r) => r.token));

    expect(await sync()).toMatchObject({ state: "completed" });
    const [first] = await storedToken(t);
    expect(fake.tokensIssued).toBe(1);

    fake.revokeTokens(); // e.g. the installation's permissions changed; the stored token has 55 minutes left
    vi.advanceTimersByTime(5 * 60_000);
    fake.openPullRequest("repo-001", { title: "After the revocation" });
    expect(await sync()).toMatchObject({ state: "completed" });
    const after = await storedToken(t);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(first);
    expect(fake.tokensIssued).toBe(2);
    const titles = await t.run(async (ctx) => (await ctx.db.query("pullRequests").collect()).map((p) => p.title));
    expect(titles).toContain("After the revocation");
  });
});

describe("a malformed 200 body", () => {
  test.each(["malformed", "truncated"] as const)("%s once: asked again at once, and the data arrives", async (type) => {
    const fake = instantFakeGitHub({ seed: 37, org: { repos: 1, issuesPerRepo: 3 } });
    const { client } = appFor(fake);
    fake.injectFault({ type }, { pathIncludes: "/issues" });
    const res = await issues(client);
    expect(res.notModified).toBe(false);
    expect(fake.requests.filter((r) => r.path.endsWith("/issues")).map((r) => r.status)).toEqual([200, 200]);
  });

  test.each(["malformed", "truncated"] as const)("%s twice: invalid_response", async (type) => {
    const fake = instantFakeGitHub({ seed: 38, org: { repos: 1 } });
    const { client } = appFor(fake);
    fake.injectFault({ type }, { pathIncludes: "/issues", times: 2 });
    await expect(issues(client)).rejects.toMatchObject({ kind: "invalid_response" });
    expect(fake.requests.filter((r) => r.path.endsWith("/issues"))).toHaveLength(2);
    // A third request is not made inside the client: the job decides what to do next.
    await expect(issues(client)).resolves.toMatchObject({ notModified: false });
  });

  test("GraphQL: a malformed page once is retried; twice is invalid_response", async () => {
    const fake = instantFakeGitHub({ seed: 39, org: { repos: 1, prsPerRepo: 2 } });
    const { client } = appFor(fake);
    const page = () =>
      client.graphql(
        PULL_REQUESTS_PAGE_QUERY,
        { owner: "acme", name: "repo-001", first: 10, after: null },
        pullRequestsPage,
      );
    fake.injectFault({ type: "malformed" }, { pathIncludes: "/graphql" });
    await expect(page()).resolves.toBeDefined();
    fake.injectFault({ type: "truncated" }, { pathIncludes: "/graphql", times: 2 });
    await expect(page()).rejects.toMatchObject({ kind: "invalid_response" });
  });
});
