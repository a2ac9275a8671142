/**
 * Slack incoming-webhook URLs and answers, pure: which URLs may be saved, how one is shown once saved
 * (a hint, never the URL), and what a response means for the delivery and its destination.
 */

const SLACK_ORIGIN = "https://hooks.slack.com";

/**
 * The origins a webhook URL may have: Slack's, plus those listed in `SYNCBOARD_SLACK_WEBHOOK_HOSTS`
 * (comma-separated origins such as `http://localhost:8788`, for a local fake Slack in development).
 */
function allowedOrigins(extra: string | undefined): string[] {
  const listed = (extra ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((s) => {
      try {
        return [new URL(s).origin];
      } catch {
        return [];
      }
    });
  return [SLACK_ORIGIN, ...listed];
}

/**
 * The URL, trimmed, when it is a Slack incoming webhook (`https://hooks.slack.com/services/…`) or at an
 * origin `SYNCBOARD_SLACK_WEBHOOK_HOSTS` allows; else a sentence saying what is wrong.
 */
export function checkWebhookUrl(raw: string, extraOrigins: string | undefined): { url: string } | { error: string } {
  const trimmed = raw.trim();
  if (trimmed.length > 500) return { error: "That URL is too long to be a Slack webhook URL." };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { error: "That is not a URL. Paste the Webhook URL Slack shows for the incoming webhook." };
  }
  if (url.username || url.password) return { error: "The URL must not contain a user name or password." };
  if (url.origin === SLACK_ORIGIN) {
    if (!/^\/services\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/.test(url.pathname) || url.search)
      return { error: "A Slack webhook URL looks like https://hooks.slack.com/services/T…/B…/…" };
    return { url: url.href };
  }
  if (allowedOrigins(extraOrigins).includes(url.origin)) return { url: url.href };
  return { error: "Only Slack incoming-webhook URLs (https://hooks.slack.com/services/…) can be used." };
}

/**
 * Text about a delivery (an error, Slack's answer) with every URL in it replaced: a webhook URL is a
 * secret, and an error may quote it (Convex's fetch does: "error sending request for url (https://…)").
 * Every stored, logged or returned word about a delivery goes through here.
 */
export function withoutUrls(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi, "(URL removed)")
    .replace(/\bhooks\.slack\.com\/\S+/gi, "(URL removed)");
}

/** An error as text fit to store, log or show: its message, without any URL. */
export function errorText(error: unknown): string {
  return withoutUrls(error instanceof Error ? error.message : String(error));
}

/** What the settings show of a saved URL: its host and at most its last 4 characters. */
export function urlHint(url: string): string {
  const { host, pathname } = new URL(url);
  const tail = pathname.replace(/\/+$/, "").slice(-4);
  return tail.length === 4 && pathname.length > 12 ? `${host}/…/${tail}` : `${host}/…`;
}

/**
 * Retries after a transient failure: 30 s, 2 min, 10 min, 1 h, then the delivery has failed
 * (5 attempts in all, the last about 1 h 13 min after the first).
 */
const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** A 429's Retry-After is respected up to this long. */
const MAX_RETRY_AFTER_MS = 3_600_000;
/** Slack answers in well under a second; a request without an answer this long is retried. */
export const SEND_TIMEOUT_MS = 10_000;

export type SendOutcome =
  | { kind: "sent" }
  /** Try again (after `afterMs` when the answer said so). */
  | { kind: "retry"; error: string; afterMs?: number }
  /** The URL no longer works (revoked, channel archived, app removed): disable the destination. */
  | { kind: "revoked"; reason: string }
  /** Slack refused this message (a 400): retrying the same body cannot help. */
  | { kind: "rejected"; error: string };

/** Slack's errors that mean the webhook itself is gone (https://api.slack.com/messaging/webhooks#handling_errors). */
const REVOKED_ERRORS: Record<string, string> = {
  invalid_token: "Slack says the webhook's token is invalid (the app or webhook was removed).",
  no_service: "Slack says this webhook no longer exists (it was removed or revoked).",
  no_service_id: "Slack says this webhook no longer exists (it was removed or revoked).",
  no_team: "Slack says the workspace of this webhook no longer exists.",
  team_disabled: "Slack says the workspace of this webhook was disabled.",
  channel_not_found: "Slack says the webhook's channel no longer exists.",
  channel_is_archived: "Slack says the webhook's channel was archived.",
  action_prohibited: "Slack says an administrator stopped this webhook from posting.",
  posting_to_general_channel_denied: "Slack says this webhook may not post to its channel.",
};

function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), MAX_RETRY_AFTER_MS);
}

/** What Slack's answer (status, body, Retry-After header) means. */
export function classifyResponse(status: number, body: string, retryAfter: string | null): SendOutcome {
  const code = body.trim().slice(0, 100);
  if (status >= 200 && status < 300) return { kind: "sent" };
  if (status === 404 || status === 410)
    return {
      kind: "revoked",
      reason: REVOKED_ERRORS[code] ?? `Slack answered ${status}: the webhook URL was revoked.`,
    };
  if ((status === 403 || status === 400) && REVOKED_ERRORS[code])
    return { kind: "revoked", reason: REVOKED_ERRORS[code] };
  if (status === 429) return { kind: "retry", error: "429 rate limited", afterMs: retryAfterMs(retryAfter) };
  if (status >= 500 || status === 408) return { kind: "retry", error: `${status} ${code}`.trim() };
  return { kind: "rejected", error: `${status} ${code}`.trim() };
}

/**
 * A push service's answer (RFC 8030): 201 accepted; 404/410 the subscription expired or was removed
 * (it is deleted); 429 wait for Retry-After; 5xx retry; anything else (400 bad encryption, 401/403 VAPID
 * keys the service does not accept, 413 too large) fails.
 */
export function classifyPushResponse(status: number, retryAfter: string | null): SendOutcome {
  if (status >= 200 && status < 300) return { kind: "sent" };
  if (status === 404 || status === 410)
    return { kind: "revoked", reason: `The browser's push subscription expired or was removed (${status}).` };
  if (status === 429) return { kind: "retry", error: "429 rate limited", afterMs: retryAfterMs(retryAfter) };
  if (status >= 500 || status === 408) return { kind: "retry", error: `push service answered ${status}` };
  return { kind: "rejected", error: `push service answered ${status}` };
}

/** The delay before attempt `attempts + 1` after `attempts` failed ones, or null when none is left. */
export function retryDelay(attempts: number, afterMs?: number): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const base = RETRY_DELAYS_MS[Math.max(0, Math.min(attempts, RETRY_DELAYS_MS.length) - 1)] ?? MAX_RETRY_AFTER_MS;
  return afterMs !== undefined ? Math.max(afterMs, 1_000) : base;
}
