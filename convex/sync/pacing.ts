/**
 * How fast a slice talks to GitHub: token buckets under GitHub's per-minute secondary limits
 * (`Pacer`, carried on the job across slices), an adaptive number of requests in flight (`Gate`:
 * additive increase, multiplicative decrease), and the backoff between transient failures.
 */
import type { Doc } from "../_generated/dataModel";

/**
 * Request pacing under GitHub's secondary limits (about 900 REST and 2,000 GraphQL points per
 * minute): a token bucket of `burst` refilled at `perMinute` lets at most burst + perMinute through
 * in any minute (895 and 1,980: a few points to spare for webhook-driven requests).
 */
const PACE = { core: { perMinute: 870, burst: 25 }, graphql: { perMinute: 1_900, burst: 80 } } as const;
export type Resource = keyof typeof PACE;
type Buckets = NonNullable<Doc<"syncJobs">["cursor"]["pacing"]>;

const BACKOFF_BASE_MS = 2_000;

/** Exponential backoff with full jitter: 2 s, 4 s, 8 s… (±50%). */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1);
  return Math.round(base * (0.5 + random()));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Token buckets per resource (see `PACE`), carried on the job across slices. */
export class Pacer {
  readonly buckets: Buckets;
  constructor(saved: Buckets | undefined) {
    const now = Date.now();
    this.buckets = saved
      ? { core: { ...saved.core }, graphql: { ...saved.graphql } }
      : { core: { tokens: PACE.core.burst, at: now }, graphql: { tokens: PACE.graphql.burst, at: now } };
  }
  private refill(resource: Resource) {
    const b = this.buckets[resource];
    const now = Date.now();
    const { perMinute, burst } = PACE[resource];
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * perMinute) / 60_000);
    b.at = now;
    return b;
  }
  /** Wait until `points` may be spent (a cost above the burst waits for a full bucket), then spend them. */
  async take(resource: Resource, points: number) {
    for (;;) {
      const b = this.refill(resource);
      const need = Math.min(points, PACE[resource].burst);
      if (b.tokens >= need) {
        b.tokens -= points;
        return;
      }
      await sleep(Math.ceil(((need - b.tokens) * 60_000) / PACE[resource].perMinute));
    }
  }
  /** The page cost GitHub reported differed from the estimate spent: settle the difference. */
  settle(resource: Resource, difference: number) {
    this.refill(resource).tokens -= difference;
  }
}

/** Requests in flight: an adaptive limit (additive increase, multiplicative decrease). */
export class Gate {
  private active = 0;
  private waiting: Array<() => void> = [];
  constructor(
    public limit: number,
    /** The most ever; after a secondary limit, one below the concurrency that met it. */
    public max: number,
  ) {}
  async acquire(cap: number) {
    while (this.active >= Math.max(1, Math.min(cap, Math.floor(this.limit)))) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active += 1;
  }
  release() {
    this.active -= 1;
    this.wake();
  }
  succeeded() {
    if (this.limit >= this.max) return;
    this.limit = Math.min(this.max, this.limit + 0.5);
    this.wake();
  }
  /** A 5xx halves the limit; a secondary limit also lowers the ceiling below the concurrency that met it. */
  backOff(secondary: boolean) {
    if (secondary) this.max = Math.max(1, Math.min(this.max, this.active - 1, Math.floor(this.limit) - 1));
    this.limit = Math.max(1, Math.min(this.max, this.limit / 2));
  }
  private wake() {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
