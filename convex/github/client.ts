/**
 * The GitHub client: the only place that performs HTTP requests to GitHub.
 *
 * - App auth with `@octokit/app` (JWT via WebCrypto, so it runs in Convex's default runtime);
 *   installation tokens are kept in a `TokenStore` (a Convex table in production) and reused until
 *   `TOKEN_REFRESH_MARGIN_MS` before they expire, across actions.
 * - Every response (success, 304 or error) reports its rate-limit snapshot to `onRateLimit`.
 * - Conditional GETs: pass the stored ETag; a 304 comes back as `{ notModified: true }`.
 * - Errors are thrown as `GitHubError` (see errors.ts); bodies are parsed with zod, a mismatch is
 *   an `invalid_response` with the failing path.
 *
 * No retry or throttling plugin: `@octokit/plugin-retry` / `-throttling` wait *inside* the request,
 * but a Convex action must not sleep through a rate limit. The sync worker turns `rate_limited` into a
 * blocked job resumed by the scheduler and `transient` into a scheduled backoff.
 */
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import type { z } from "zod";
import { classifyGraphqlErrors, classifyHttpError, GitHubError } from "./errors";
import { toPkcs8Pem } from "./privateKey";
import { parseRateLimit, type RateLimitSnapshot } from "./rateLimit";

export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
export const REQUEST_TIMEOUT_MS = 20_000;

export interface GitHubAppCredentials {
  appId: string;
  privateKey: string;
  apiUrl: string;
}

export interface InstallationToken {
  token: string;
  expiresAt: number;
}

export interface TokenStore {
  get(installationId: number): Promise<InstallationToken | null>;
  set(installationId: number, token: InstallationToken): Promise<void>;
}

export interface ClientOptions {
  credentials: GitHubAppCredentials;
  /** Injected in tests (the in-process fake GitHub); global fetch otherwise. */
  fetch?: typeof fetch;
  now?: () => number;
  tokens?: TokenStore;
  onRateLimit?: (snapshot: RateLimitSnapshot) => void;
  requestTimeoutMs?: number;
}

export interface RequestStats {
  requests: number;
  notModified: number;
}

export type Conditional<T> =
  { notModified: true; etag?: string } | { notModified: false; data: T; etag?: string; next?: string };

export class GitHubClient {
  readonly stats: RequestStats = { requests: 0, notModified: 0 };
  /** The latest snapshot per resource (`core`, `graphql`), refreshed by every response. */
  readonly rateLimits: Record<string, RateLimitSnapshot> = {};
  private readonly now: () => number;
  private readonly octokit: Octokit;

  constructor(
    private readonly options: ClientOptions,
    /** Produces the Authorization value per request (installation token or app JWT). */
    auth: () => Promise<string>,
  ) {
    this.now = options.now ?? Date.now;
    this.octokit = new Octokit({
      baseUrl: options.credentials.apiUrl,
      request: { ...(options.fetch && { fetch: options.fetch }) },
    });
    this.octokit.hook.wrap("request", async (request, params) => {
      params.headers.authorization = await auth();
      const timeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
      if (timeout > 0 && typeof AbortSignal.timeout === "function") {
        params.request = { ...params.request, signal: AbortSignal.timeout(timeout) };
      }
      this.stats.requests += 1;
      try {
        const response = await request(params);
        this.observe(response.headers);
        return response;
      } catch (error) {
        const e = error as { status?: number; response?: { headers?: Record<string, string> } };
        this.observe(e.response?.headers);
        if (e.status === 304) this.stats.notModified += 1;
        throw error;
      }
    });
  }

  private observe(headers: Record<string, string | number | undefined> | undefined) {
    const snapshot = parseRateLimit(headers, this.now());
    if (!snapshot) return;
    this.rateLimits[snapshot.resource] = snapshot;
    this.options.onRateLimit?.(snapshot);
  }

  /** GET a route or an absolute `next` URL from a previous page; parse the body with `schema`. */
  async get<S extends z.ZodType>(
    route: string,
    params: Record<string, string | number | undefined>,
    schema: S,
    opts: { etag?: string } = {},
  ): Promise<Conditional<z.output<S>>> {
    let response;
    try {
      const headers = opts.etag ? { "if-none-match": opts.etag } : {};
      response = route.startsWith("http")
        ? await this.octokit.request({ method: "GET", url: route, headers })
        : await this.octokit.request(`GET ${route}`, { ...params, headers });
    } catch (error) {
      const e = error as { status?: number; response?: { headers?: Record<string, string> }; message?: string };
      if (e.status === 304) return { notModified: true, ...(opts.etag && { etag: opts.etag }) };
      throw this.classify(error);
    }
    const etag = response.headers.etag;
    const next = nextLink(response.headers.link);
    return {
      notModified: false,
      data: parse(schema, response.data, route),
      ...(etag && { etag }),
      ...(next && { next }),
    };
  }

  async post<S extends z.ZodType>(route: string, params: Record<string, unknown>, schema: S): Promise<z.output<S>> {
    try {
      const response = await this.octokit.request(`POST ${route}`, params);
      return parse(schema, response.data ?? {}, route);
    } catch (error) {
      throw this.classify(error);
    }
  }

  /** A GraphQL query; errors in a 200 body (RATE_LIMITED, NOT_FOUND…) are classified too. */
  async graphql<S extends z.ZodType>(
    query: string,
    variables: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    let response;
    try {
      response = await this.octokit.request("POST /graphql", { query, variables });
    } catch (error) {
      throw this.classify(error);
    }
    const body = response.data as { data?: unknown; errors?: Array<{ type?: string; message: string }> };
    if (body?.errors && body.errors.length > 0) {
      throw classifyGraphqlErrors(body.errors, response.headers as Record<string, string>, this.now());
    }
    return parse(schema, body?.data, "graphql");
  }

  private classify(error: unknown): GitHubError {
    if (error instanceof GitHubError) return error;
    const e = error as { status?: number; response?: { headers?: Record<string, string> }; message?: string };
    const status = e.response ? e.status : undefined; // no response: network failure or timeout
    return classifyHttpError(status, e.response?.headers, e.message ?? String(error), this.now());
  }
}

function parse<S extends z.ZodType>(schema: S, data: unknown, where: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.join(".");
  throw new GitHubError("invalid_response", `${where}: ${path || "(root)"}: ${issue.message}`, { path });
}

/** The `rel="next"` URL of a Link header (GitHub's pagination contract: follow it, never build it). */
export function nextLink(link: string | undefined): string | undefined {
  return link
    ?.split(",")
    .map((part) => /<([^>]+)>;\s*rel="next"/.exec(part)?.[1])
    .find((url): url is string => url !== undefined);
}

/** The GitHub App: app-level calls (JWT) and per-installation clients (cached installation tokens). */
export class GitHubApp {
  private readonly app: App;

  constructor(private readonly options: Omit<ClientOptions, "onRateLimit">) {
    const { apiUrl, appId, privateKey } = options.credentials;
    const AppOctokit = Octokit.defaults({
      baseUrl: apiUrl,
      request: { ...(options.fetch && { fetch: options.fetch }) },
    });
    this.app = new App({ appId, privateKey: toPkcs8Pem(privateKey), Octokit: AppOctokit });
  }

  /** Client authenticated as the app itself (e.g. webhook deliveries). */
  appClient(onRateLimit?: (s: RateLimitSnapshot) => void): GitHubClient {
    return new GitHubClient({ ...this.options, ...(onRateLimit && { onRateLimit }) }, async () => {
      const { token } = (await this.app.octokit.auth({ type: "app" })) as { token: string };
      return `bearer ${token}`;
    });
  }

  installationClient(installationId: number, onRateLimit?: (s: RateLimitSnapshot) => void): GitHubClient {
    return new GitHubClient({ ...this.options, ...(onRateLimit && { onRateLimit }) }, async () => {
      const { token } = await this.installationToken(installationId);
      return `token ${token}`;
    });
  }

  async installationToken(installationId: number): Promise<InstallationToken> {
    const now = (this.options.now ?? Date.now)();
    const cached = await this.options.tokens?.get(installationId);
    if (cached && cached.expiresAt - now > TOKEN_REFRESH_MARGIN_MS) return cached;
    let auth: { token: string; expiresAt: string };
    try {
      auth = (await this.app.octokit.auth({ type: "installation", installationId, refresh: true })) as typeof auth;
    } catch (error) {
      const e = error as { status?: number; response?: { headers?: Record<string, string> }; message?: string };
      throw classifyHttpError(e.response ? e.status : undefined, e.response?.headers, e.message ?? String(error), now);
    }
    const token = { token: auth.token, expiresAt: Date.parse(auth.expiresAt) };
    await this.options.tokens?.set(installationId, token);
    return token;
  }
}
