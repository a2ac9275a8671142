/**
 * Every failure talking to GitHub becomes a `GitHubError` of one kind, so the sync worker decides
 * by kind (block, back off, fail one repository, fail the installation) and never by message text.
 */
import { parseRateLimit, parseRetryAfter, type Headers } from "./rateLimit";

export type GitHubErrorKind =
  | "rate_limited" // primary or secondary; `resumeAt` says when to try again
  | "transient" // 5xx, network failure, timeout: retry with backoff
  | "not_found" // 404/410: permanent for that repository
  | "forbidden" // 403 without a rate limit: permission missing
  | "unauthorized" // 401: installation token or app credentials rejected
  | "bad_request" // other 4xx (e.g. 422): our request is wrong, retrying will not help
  | "invalid_response"; // the body failed our zod schema; `path` says where

/** Secondary limits without `retry-after`: GitHub asks to wait at least a minute. */
const SECONDARY_LIMIT_DEFAULT_WAIT_MS = 60_000;

export class GitHubError extends Error {
  constructor(
    readonly kind: GitHubErrorKind,
    message: string,
    readonly details: { status?: number; resumeAt?: number; path?: string; secondary?: boolean } = {},
  ) {
    super(message);
    this.name = "GitHubError";
  }
  get permanent(): boolean {
    return this.kind !== "rate_limited" && this.kind !== "transient";
  }
}

/** Classify an HTTP answer (or its absence: `status` undefined means the request never completed). */
export function classifyHttpError(
  status: number | undefined,
  headers: Headers | undefined,
  message: string,
  now: number,
): GitHubError {
  if (status === 403 || status === 429) {
    const retryAfter = parseRetryAfter(headers, now);
    const snapshot = parseRateLimit(headers, now);
    // A secondary limit's retry-after wins over the primary reset.
    if (retryAfter !== null) {
      return new GitHubError("rate_limited", message, { status, resumeAt: now + retryAfter, secondary: true });
    }
    if (snapshot && snapshot.remaining === 0) {
      return new GitHubError("rate_limited", message, { status, resumeAt: Math.max(snapshot.resetAt, now) });
    }
    if (status === 429 || /secondary rate limit|abuse/i.test(message)) {
      return new GitHubError("rate_limited", message, {
        status,
        resumeAt: now + SECONDARY_LIMIT_DEFAULT_WAIT_MS,
        secondary: true,
      });
    }
    return new GitHubError("forbidden", message, { status });
  }
  if (status === undefined || status >= 500 || status === 408)
    return new GitHubError("transient", message, { ...(status !== undefined && { status }) });
  if (status === 401) return new GitHubError("unauthorized", message, { status });
  if (status === 404 || status === 410) return new GitHubError("not_found", message, { status });
  return new GitHubError("bad_request", message, { status });
}

/** GraphQL reports most failures in a 200 body: `errors[].type`. */
export function classifyGraphqlErrors(
  errors: Array<{ type?: string; message: string }>,
  headers: Headers | undefined,
  now: number,
): GitHubError {
  const first = errors[0]!;
  const message = errors.map((e) => e.message).join("; ");
  switch (first.type) {
    case "RATE_LIMITED": {
      const snapshot = parseRateLimit(headers, now);
      const retryAfter = parseRetryAfter(headers, now);
      const resumeAt =
        retryAfter !== null
          ? now + retryAfter
          : snapshot
            ? Math.max(snapshot.resetAt, now)
            : now + SECONDARY_LIMIT_DEFAULT_WAIT_MS;
      return new GitHubError("rate_limited", message, { resumeAt });
    }
    case "NOT_FOUND":
      return new GitHubError("not_found", message);
    case "FORBIDDEN":
      return new GitHubError("forbidden", message);
    default:
      return new GitHubError("bad_request", message);
  }
}
