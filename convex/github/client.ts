/**
 * The GitHub client: the only place that performs HTTP requests to GitHub.
 *
 * - App auth with `@octokit/app` (JWT via WebCrypto, so it runs in Convex's default runtime);
 *   installation tokens are kept in a `TokenStore` (a Convex table in production) and reused until
 *   `TOKEN_REFRESH_MARGIN_MS` before they expire, across actions.
 *   A 401 on an installation token (revoked, or the installation's permissions changed) drops the
 *   cached token (in memory and in the store), mints a new one and retries the request once; a
 *   second 401 is the permanent `unauthorized`.
 * - Every request is raced against a timer (`REQUEST_TIMEOUT_MS`): Convex's `fetch` ignores an
 *   `AbortSignal`, so without it a hung connection would hang the action. A timeout is `transient`.
 * - Every response (success, 304 or error) reports its rate-limit snapshot to `onRateLimit`.
 * - Conditional GETs: pass the stored ETag; a 304 comes back as `{ notModified: true }`.
 * - Errors are thrown as `GitHubError` (see errors.ts); bodies are parsed with zod. A 200 whose body
 *   fails the schema (or is not JSON, e.g. truncated) is requested once more at once; a second bad
 *   body is an `invalid_response` with the failing path.
 *
 * No retry or throttling plugin: `@octokit/plugin-retry` / `-throttling` wait *inside* the request,
 * but a Convex action must not sleep through a rate limit. The sync worker turns `rate_limited` into a
 * blocked job resumed by the scheduler and `transient` into a scheduled backoff.
 */
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import { z } from "zod";
import { classifyGraphqlErrors, classifyHttpError, GitHubError } from "./errors";
import { toPkcs8Pem } from "./privateKey";
import { parseRateLimit, type RateLimitSnapshot } from "./rateLimit";

const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
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
  /** GitHub rejected `token`: forget it, unless the store already holds a newer one. */
  drop(installationId: number, token: string): Promise<void>;
}

interface ClientOptions {
  credentials: GitHubAppCredentials;
  /** Injected in tests (the in-process fake GitHub); global fetch otherwise. */
  fetch?: typeof fetch;
  now?: () => number;
  tokens?: TokenStore;
  onRateLimit?: (snapshot: RateLimitSnapshot) => void;
  requestTimeoutMs?: number;
}

interface RequestStats {
  requests: number;
  notModified: number;
}

type Conditional<T> =
  { notModified: true; etag?: string } | { notModified: false; data: T; etag?: string; next?: string; last?: string };

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
    /**
     * GitHub answered 401 to this Authorization value: invalidate it. When given, the request is
     * retried once with a fresh `auth()`; a second 401 is thrown (`unauthorized`).
     */
    rejected?: (authorization: string) => Promise<void>,
  ) {
    this.now = options.now ?? Date.now;
    this.octokit = new Octokit({
      baseUrl: options.credentials.apiUrl,
      request: { ...(options.fetch && { fetch: options.fetch }) },
    });
    this.octokit.hook.wrap("request", async (request, params) => {
      /** One HTTP request, raced against the timeout; its rate-limit snapshot is recorded. */
      const send = async (authorization: string) => {
        this.stats.requests += 1;
        try {
          const response = await withTimeout(
            request({ ...params, headers: { ...params.headers, authorization } }),
            options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
            `${params.method} ${params.url}`,
          );
          this.observe(response.headers);
          return response;
        } catch (error) {
          const e = error as { status?: number; response?: { headers?: Record<string, string> } };
          this.observe(e.response?.headers);
          if (e.status === 304) this.stats.notModified += 1;
          throw error;
        }
      };
      const authorization = await auth();
      try {
        return await send(authorization);
      } catch (error) {
        const e = error as { status?: number; response?: unknown };
        if (!rejected || e.status !== 401 || !e.response) throw error;
        await rejected(authorization);
        return await send(await auth());
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
    return this.retryMalformed(async () => {
      let response;
      try {
        const headers = opts.etag ? { "if-none-match": opts.etag } : {};
        response = route.startsWith("http")
          ? await this.octokit.request({ method: "GET", url: route, headers })
          : await this.octokit.request(`GET ${route}`, { ...params, headers });
      } catch (error) {
        const e = error as { status?: number };
        if (e.status === 304) return { notModified: true, ...(opts.etag && { etag: opts.etag }) };
        throw this.classify(error);
      }
      const etag = response.headers.etag;
      const next = nextLink(response.headers.link);
      const last = relLink(response.headers.link, "last");
      return {
        notModified: false,
        data: parse(schema, response.data, route),
        ...(etag && { etag }),
        ...(next && { next }),
        ...(last && { last }),
      };
    });
  }

  async post<S extends z.ZodType>(route: string, params: Record<string, unknown>, schema: S): Promise<z.output<S>> {
    return this.retryMalformed(async () => {
      let response;
      try {
        response = await this.octokit.request(`POST ${route}`, params);
      } catch (error) {
        throw this.classify(error);
      }
      return parse(schema, response.data ?? {}, route);
    });
  }

  /** A GraphQL query; errors in a 200 body (RATE_LIMITED, NOT_FOUND…) are classified too. */
  async graphql<S extends z.ZodType>(
    query: string,
    variables: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    return this.retryMalformed(async () => {
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
    });
  }

  /**
   * A body that fails its schema or is not JSON (a truncated transfer, a proxy's error page) is
   * usually a one-off: ask once more at once. A second bad body is the `invalid_response`.
   */
  private async retryMalformed<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof GitHubError) || error.kind !== "invalid_response") throw error;
      return await attempt();
    }
  }

  private classify(error: unknown): GitHubError {
    if (error instanceof GitHubError) return error;
    const e = error as { status?: number; response?: { headers?: Record<string, string> }; message?: string };
    const status = e.response ? e.status : undefined; // no response: network failure or timeout
    return classifyHttpError(status, e.response?.headers, e.message ?? String(error), this.now());
  }
}

/**
 * `work`, or a `transient` GitHubError once `ms` have passed without an answer. A timer, not an
 * AbortSignal: Convex's `fetch` ignores `signal`. The timer is cleared either way.
 */
async function withTimeout<T>(work: T | PromiseLike<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0)) return await work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GitHubError("transient", `${what}: no response within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve(work), timeout]);
  } finally {
    clearTimeout(timer);
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
  return relLink(link, "next");
}

function relLink(link: string | undefined, rel: "next" | "last"): string | undefined {
  return link
    ?.split(",")
    .map((part) => new RegExp(`<([^>]+)>;\\s*rel="${rel}"`).exec(part)?.[1])
    .find((url): url is string => url !== undefined);
}

/** `POST /app/installations/{id}/access_tokens`: the fields we use. */
const accessToken = z.object({ token: z.string().min(1), expires_at: z.string() });

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
    return new GitHubClient(
      { ...this.options, ...(onRateLimit && { onRateLimit }) },
      async () => `token ${(await this.installationToken(installationId)).token}`,
      // A revoked token (or one minted before a permission change) would otherwise be reused until
      // shortly before it expires: forget it, so the retry mints a new one.
      async (authorization) => this.options.tokens?.drop(installationId, authorization.replace(/^token /, "")),
    );
  }

  async installationToken(installationId: number): Promise<InstallationToken> {
    const now = (this.options.now ?? Date.now)();
    const cached = await this.options.tokens?.get(installationId);
    if (cached && cached.expiresAt - now > TOKEN_REFRESH_MARGIN_MS) return cached;
    // An ordinary app-authenticated request, so it has the same timeout and error classes; the JWT
    // is signed before the request's timer starts.
    const minted = await this.appClient().post(
      "/app/installations/{installation_id}/access_tokens",
      { installation_id: installationId },
      accessToken,
    );
    const token = { token: minted.token, expiresAt: Date.parse(minted.expires_at) };
    await this.options.tokens?.set(installationId, token);
    return token;
  }
}
