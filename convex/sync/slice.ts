/**
 * One slice of a job: the stages of its kind (`plan.ts`) one after another from the job's cursor,
 * within a time and page budget, and then its continuation, its retry or its end. The stages' own
 * work lives beside it: the repository listing (`listing.ts`), the walk over repositories (`walk.ts`,
 * with one module per source in `sources/`), the organisation's people (`people.ts`). Everything a
 * stage sends to GitHub goes through `request` (concurrency, pacing, budget reserve); everything it
 * stores goes through a lease-checked transaction of `jobs.ts` or `peopleJobs.ts`.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { readRateLimits } from "../github/api";
import type { GitHubClient } from "../github/client";
import { GitHubError } from "../github/errors";
import { PULL_REQUEST_PAGE_SIZE } from "../github/queries";
import { jobErrorMessage } from "../messages";
import { chunksOf } from "../model/chunks";
import type { AnyRecord } from "../model/records";
import { WINDOW } from "./jobs";
import { listingStep } from "./listing";
import { backoffMs, Gate, Pacer, type Resource } from "./pacing";
import { peopleStep } from "./people";
import { type Progress, type Settings } from "./plan";
import { POLICY } from "./policy";
import { walkStage } from "./walk";
import { watchlistStep } from "./watchlist";

/** Well inside Convex's 10-minute action limit, leaving room for the last pages in flight. */
const SLICE_TIME_BUDGET_MS = 2 * 60_000;
/** Pages per slice (requests answered), across all repositories in flight. */
const SLICE_PAGE_BUDGET = 400;
/** Transient failures of one step before the job fails. */
const MAX_ATTEMPTS = 5;
/** Requests in flight at the start of a job; the limit grows by ½ per success up to `WINDOW`. */
const INITIAL_CONCURRENCY = 4;

type Cursor = Doc<"syncJobs">["cursor"];
/** Claim the slice's lease: what the job is and where it stands, or null (superseded, duplicate, ended). */
export const claimSlice = (ctx: ActionCtx, lease: Lease) => ctx.runMutation(internal.sync.jobs.claimSlice, lease);
type ClaimedSlice = NonNullable<Awaited<ReturnType<typeof claimSlice>>>;
type Lease = { jobId: Id<"syncJobs">; generation: number };
type Stop = { kind: "budget" } | { kind: "lost" } | { kind: "error"; error: unknown };
export type RepositoryUpdate = {
  repositoryId: Id<"repositories">;
  syncStatus?: "processing" | "ready" | "failed";
  syncError?: string;
  syncErrorKind?: GitHubError["kind"];
  syncCursor?: { since?: number; changeProbeEtag?: string; pushedAt?: number };
  syncProgress?: Progress | null;
};

export class Slice {
  private readonly deadline = Date.now() + SLICE_TIME_BUDGET_MS;
  pages = 0;
  private reported = { requests: 0, notModified: 0 };
  cursor: Cursor;
  /** Consecutive transient failures of the current step; progress resets it. */
  private attempt: number;
  /** The GraphQL page size for pull requests (sources/pullRequests.ts tunes it). */
  pageSize: number;
  private readonly gate: Gate;
  private readonly pacer: Pacer;
  stopped: Stop | null = null;
  /** Commits run one at a time (they share the job document), while requests overlap. */
  private commits: Promise<unknown> = Promise.resolve();

  constructor(
    readonly ctx: ActionCtx,
    readonly client: GitHubClient,
    readonly lease: Lease,
    readonly claim: ClaimedSlice,
    readonly settings: Settings,
  ) {
    this.cursor = claim.cursor;
    this.attempt = claim.attempt;
    this.pageSize = settings.sequential
      ? Math.min(claim.cursor.pageSize, PULL_REQUEST_PAGE_SIZE)
      : claim.cursor.pageSize;
    const max = settings.sequential ? 1 : Math.min(WINDOW, claim.cursor.concurrencyCeiling ?? WINDOW);
    this.gate = new Gate(Math.min(max, claim.cursor.concurrency ?? INITIAL_CONCURRENCY), max);
    this.pacer = new Pacer(claim.cursor.pacing);
  }

  /** Request count and rate limits since the last commit, for the job's stats and the policy. */
  delta() {
    const d = {
      requests: this.client.stats.requests - this.reported.requests,
      notModified: this.client.stats.notModified - this.reported.notModified,
    };
    this.reported = { ...this.client.stats };
    return { stats: d, rateLimits: Object.values(this.client.rateLimits) };
  }

  /** What this slice learnt (page size, concurrency, pacing), kept on the job for the next one. */
  tuning() {
    return {
      pageSize: this.pageSize,
      concurrency: this.gate.limit,
      ...(!this.settings.sequential && this.gate.max < WINDOW && { concurrencyCeiling: this.gate.max }),
      pacing: this.pacer.buckets,
    };
  }

  /** One transaction at a time (they share the job document). */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.commits.then(fn, fn);
    this.commits = run.catch(() => undefined);
    return run;
  }

  overBudget() {
    return this.pages >= SLICE_PAGE_BUDGET || Date.now() > this.deadline;
  }

  stop(reason: Stop) {
    const rateLimited = (s: Stop | null) =>
      s?.kind === "error" && s.error instanceof GitHubError && s.error.kind === "rate_limited";
    // A rate limit wins over other reasons: the job must wait for it whatever else happened.
    if (!this.stopped || (rateLimited(reason) && !rateLimited(this.stopped))) this.stopped = reason;
  }

  /** The cursor moved past stored data: the transient-failure count restarts. */
  moved(next: Cursor) {
    this.cursor = next;
    this.attempt = 0;
  }

  settle(resource: Resource, difference: number) {
    this.pacer.settle(resource, difference);
  }

  /** The job's stages from its cursor, until the job ends or the slice's budget does. */
  async run(): Promise<void> {
    try {
      if (!this.claim.hasRateLimit && (await this.blockedByUnknownBudget())) return;
      for (;;) {
        if (this.stopped) return await this.afterStop(this.stopped);
        const { phase } = this.cursor;
        if (phase !== "walk" && this.overBudget()) return await this.continueLater();
        if (phase === "list" || phase === "prune") {
          if (!(await listingStep(this))) return; // lease lost: another slice owns the job now
          continue;
        }
        if (phase === "people") {
          const step = await peopleStep(this);
          if (step === "lost") return;
          if (step === "done" && !(await this.advance("people"))) break;
          continue;
        }
        if (phase === "watchlist") {
          const step = await watchlistStep(this);
          if (step === "lost") return;
          if (step === "done") break; // a watchlist job is its one stage
          continue;
        }
        const stage = this.cursor.stage ?? "full";
        await walkStage(this, stage);
        if (this.stopped) continue;
        if (!(await this.advance(stage))) break;
      }
      await this.ctx.runMutation(internal.sync.jobs.finishJob, {
        ...this.lease,
        outcome: "completed",
        ...this.delta(),
      });
    } catch (error) {
      await this.fail(error);
    }
  }

  /** The stage `from` ended: true with the next stage's cursor, false when the job's plan is done. */
  private async advance(from: "open_work" | "history" | "full" | "people"): Promise<boolean> {
    const next = await this.ctx.runMutation(internal.sync.jobs.advanceStage, { ...this.lease, from });
    if (next === null) {
      this.stop({ kind: "lost" });
      return true; // the loop sees the stop
    }
    if (next === "end") return false;
    this.moved(next);
    return true;
  }

  private async afterStop(stop: Stop) {
    if (stop.kind === "lost") return;
    if (stop.kind === "budget") return this.continueLater();
    return this.fail(stop.error);
  }

  private async continueLater() {
    await this.ctx.runMutation(internal.sync.jobs.scheduleContinuation, {
      ...this.lease,
      state: "queued",
      runAt: Date.now(),
      tuning: this.tuning(),
      ...this.delta(),
    });
  }

  /** The budget was never observed: read it (GET /rate_limit is free) before spending any. */
  private async blockedByUnknownBudget(): Promise<boolean> {
    await readRateLimits(this.client);
    const low = this.lowBudget();
    if (!low) return false;
    await this.ctx.runMutation(internal.sync.jobs.scheduleContinuation, {
      ...this.lease,
      state: "blocked",
      runAt: low.resetAt,
      reason: "rate_limit_low",
      ...this.delta(),
    });
    return true;
  }

  /** A resource whose budget is below the floor (the policy's, or the caller's) and not yet reset. */
  private lowBudget(floor: (limit: number) => number = () => POLICY.MIN_BUDGET_TO_START) {
    const now = Date.now();
    return Object.values(this.client.rateLimits).find((s) => s.remaining < floor(s.limit) && s.resetAt > now);
  }

  /**
   * One request against GitHub within the concurrency limit, the pacing and the budget reserve (`floor`:
   * a higher one, the watchlist's, for work that must leave the rest to the installation's own sync).
   */
  async request<T>(
    resource: Resource,
    points: number,
    call: () => Promise<T>,
    floor?: (limit: number) => number,
  ): Promise<T> {
    const low = this.lowBudget(floor);
    if (low) {
      throw new GitHubError(
        "rate_limited",
        `${low.resource} budget below ${floor?.(low.limit) ?? POLICY.MIN_BUDGET_TO_START}`,
        {
          resumeAt: low.resetAt,
        },
      );
    }
    // Fewer requests in flight as the budget runs down (one per 50 points left).
    const remaining = Math.min(...Object.values(this.client.rateLimits).map((s) => s.remaining), Infinity);
    await this.gate.acquire(Math.max(1, Math.floor(remaining / 50)));
    try {
      await this.pacer.take(resource, points);
      if (this.stopped) throw new StoppedError();
      this.pages += 1;
      const result = await call();
      this.gate.succeeded();
      return result;
    } catch (error) {
      const e = error instanceof GitHubError ? error : null;
      if (e?.kind === "transient") this.gate.backOff(false);
      if (e?.kind === "rate_limited" && e.details.secondary) this.gate.backOff(true);
      // A rate limit stops every lane at once, before a request waiting for this one's place is sent.
      if (e?.kind === "rate_limited") this.stop({ kind: "error", error });
      throw error;
    } finally {
      this.gate.release();
    }
  }

  /** Records in bounded chunks, then the last chunk with the repository's update (one at a time per slice). */
  commit(
    extra: { repositoryDone?: boolean; repositoryUpdate?: RepositoryUpdate; currentRepository?: string },
    records: AnyRecord[] = [],
  ): Promise<boolean> {
    return this.serial(async () => {
      const chunks = chunksOf(records);
      for (const chunk of chunks.slice(0, -1)) {
        const ok = await this.ctx.runMutation(internal.sync.jobs.commitPage, {
          ...this.lease,
          records: chunk,
          ...this.delta(),
        });
        if (!ok) return false;
      }
      const ok = await this.ctx.runMutation(internal.sync.jobs.commitPage, {
        ...this.lease,
        records: chunks.at(-1)!,
        ...extra,
        progressed: true,
        tuning: this.tuning(),
        ...this.delta(),
      });
      if (ok) this.attempt = 0;
      return ok;
    });
  }

  /** A rate limit waits for its reset; transient failures retry with backoff (a bounded number); the rest fail. */
  private async fail(error: unknown): Promise<void> {
    const e = error instanceof GitHubError ? error : null;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // The listing's, the people's and the watchlist's cursors are this slice's; in the walk every repository keeps its own.
    const cursor = this.cursor.phase === "walk" ? {} : { cursor: this.cursor };
    if (e?.kind === "rate_limited") {
      await this.ctx.runMutation(internal.sync.jobs.scheduleContinuation, {
        ...this.lease,
        state: "blocked",
        runAt: e.details.resumeAt ?? Date.now() + 60_000,
        ...cursor,
        tuning: this.tuning(),
        reason: e.details.secondary ? "secondary_rate_limit" : "primary_rate_limit",
        ...this.delta(),
      });
      return;
    }
    const attempt = this.attempt + 1;
    // Transient GitHub failures and our own unexpected errors are retried a bounded number of times.
    if ((!e || e.kind === "transient") && attempt < MAX_ATTEMPTS) {
      await this.ctx.runMutation(internal.sync.jobs.scheduleContinuation, {
        ...this.lease,
        state: "retrying",
        runAt: Date.now() + backoffMs(attempt),
        attempt,
        ...cursor,
        tuning: this.tuning(),
        reason: detail,
        ...this.delta(),
      });
      return;
    }
    const kind = e?.kind ?? "internal";
    await this.ctx.runMutation(internal.sync.jobs.finishJob, {
      ...this.lease,
      outcome: "failed",
      error: { kind, message: jobErrorMessage(kind), detail },
      ...this.delta(),
    });
  }
}

/** A request that waited for its turn while the slice stopped: it is not sent. */
class StoppedError extends Error {}
