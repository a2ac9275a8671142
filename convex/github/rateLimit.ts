/**
 * The rate-limit snapshot GitHub reports on every response (`x-ratelimit-*`). Parsed with zod so
 * a missing or garbled header yields no snapshot rather than a wrong one.
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 */
import { z } from "zod";

export interface RateLimitSnapshot {
  resource: string;
  limit: number;
  remaining: number;
  used: number;
  /** Epoch ms when the budget refills. */
  resetAt: number;
  observedAt: number;
}

const int = z.coerce.number().int().nonnegative();
const headersSchema = z.object({
  "x-ratelimit-limit": int,
  "x-ratelimit-remaining": int,
  "x-ratelimit-reset": int,
  "x-ratelimit-used": int.optional(),
  "x-ratelimit-resource": z.string().optional(),
});

export type Headers = Record<string, string | number | undefined>;

export function parseRateLimit(headers: Headers | undefined, now: number): RateLimitSnapshot | null {
  const parsed = headersSchema.safeParse(lowerKeys(headers ?? {}));
  if (!parsed.success) return null;
  const h = parsed.data;
  return {
    resource: h["x-ratelimit-resource"] ?? "core",
    limit: h["x-ratelimit-limit"],
    remaining: h["x-ratelimit-remaining"],
    used: h["x-ratelimit-used"] ?? h["x-ratelimit-limit"] - h["x-ratelimit-remaining"],
    resetAt: h["x-ratelimit-reset"] * 1000,
    observedAt: now,
  };
}

/** `retry-after` in ms (seconds form; the HTTP-date form is also allowed by RFC 9110). */
export function parseRetryAfter(headers: Headers | undefined, now: number): number | null {
  const raw = lowerKeys(headers ?? {})["retry-after"];
  if (raw === undefined) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(String(raw));
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function lowerKeys(h: Headers): Record<string, string | number | undefined> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
