/**
 * processSyncJob: the single sync worker. One invocation is one bounded slice (time and page budget);
 * it claims the job, works from the stored cursors, commits page by page, and schedules its own
 * continuation. Convex does not retry scheduled actions, so every slice is safe to run again: writes
 * are idempotent upserts and a cursor only advances with the data it covers.
 *
 * The listing (GET /installation/repositories) stamps every repository it sees; once it completes,
 * unlisted repositories are pruned; then the walk visits repositories in name order through an index,
 * twice: **open work** first (every repository's open pull requests with reviews and checks, and its
 * open issues: the dashboard is complete for open work when this stage ends), then **history**
 * (closed and merged pull requests, closed issues, comments, commits, back to the horizon).
 *
 * Within a stage, up to `WINDOW` repositories are in flight at once, each resuming from its own
 * cursor on its repository row (`syncProgress`); the job holds only their ids and the walk position,
 * so its document has the same size at any number of repositories. Requests run concurrently within
 * an adaptive limit (grows on success, halves on a secondary limit or a 5xx), paced by token buckets
 * under GitHub's per-minute secondary limits, and never below the installation's budget reserve.
 *
 * Per repository (first sync): probe → open PRs → open issues | closed/merged PRs → closed issues
 * (GraphQL: no pull requests padding the pages, and off the REST budget) → deployments (GraphQL, one point per
 * 100) → the chosen workflow's runs, if any → issue comments → review comments → commits (at most `SYNCBOARD_MAX_COMMITS_PER_REPOSITORY`).
 * Incremental: probe (304 = nothing changed: only commits, and only if pushed) → PRs and issues
 * updated since the watermark | comments → the chosen workflow's runs → commits.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import {
  fetchClosedIssuesPage,
  fetchPullRequestsPage,
  listInstallationRepositories,
  listSince,
  probeRepositoryChanges,
  readRateLimits,
  type PullRequestState,
} from "../github/api";
import type { GitHubClient } from "../github/client";
import { fetchDeploymentsPage, fetchWorkflowRunsPage } from "../github/deployments";
import { githubAppForAction } from "../github/connection";
import { GitHubError } from "../github/errors";
import {
  MIN_PULL_REQUEST_PAGE_SIZE,
  nextPullRequestPageSize,
  PULL_REQUEST_PAGE_SIZE,
  pullRequestPageCost,
} from "../github/queries";
import { APP_NOT_CONFIGURED, jobErrorMessage } from "../messages";
import { chunksOf } from "../model/chunks";
import type { AnyRecord, RepositoryRecord } from "../model/records";
import { WINDOW, type JobRepository } from "./jobs";
import { POLICY } from "./policy";

/** Well inside Convex's 10-minute action limit, leaving room for the last pages in flight. */
const SLICE_TIME_BUDGET_MS = 2 * 60_000;
/** Pages per slice (requests answered), across all repositories in flight. */
const SLICE_PAGE_BUDGET = 400;
/** Transient failures of one step before the job fails. */
const MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 2_000;
/** The incremental watermark starts this long before the previous sync began (clock skew, in-flight edits). */
const WATERMARK_OVERLAP_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** Seed 001: a year of pull requests, issues, comments and commits; at most 1,000 commits per repository. */
const DEFAULT_HISTORY_DAYS = 365;
const DEFAULT_MAX_COMMITS = 1_000;
/** Requests in flight at the start of a job; the limit grows by ½ per success up to `WINDOW`. */
const INITIAL_CONCURRENCY = 4;
/**
 * Request pacing under GitHub's secondary limits (about 900 REST and 2,000 GraphQL points per
 * minute): a token bucket of `burst` refilled at `perMinute` lets at most burst + perMinute through
 * in any minute (895 and 1,980: a few points to spare for webhook-driven requests).
 */
const PACE = { core: { perMinute: 870, burst: 25 }, graphql: { perMinute: 1_900, burst: 80 } } as const;
type Resource = keyof typeof PACE;

type Cursor = Doc<"syncJobs">["cursor"];
type Stage = NonNullable<Cursor["stage"]>;
type Progress = NonNullable<Doc<"repositories">["syncProgress"]>;
type Phase = Progress["phase"];
type Claim = NonNullable<Awaited<ReturnType<typeof claim>>>;
type RepositoryUpdate = {
  repositoryId: Id<"repositories">;
  syncStatus?: "processing" | "ready" | "failed";
  syncError?: string;
  syncErrorKind?: GitHubError["kind"];
  syncCursor?: { since?: number; changeProbeEtag?: string; pushedAt?: number };
  syncProgress?: Progress | null;
};
const claim = (ctx: ActionCtx, jobId: Id<"syncJobs">, generation: number) =>
  ctx.runMutation(internal.sync.jobs.claimSlice, { jobId, generation });

/**
 * Per deployment, read at call time: the history horizon (`SYNCBOARD_HISTORY_DAYS`, default 365),
 * the commit cap (`SYNCBOARD_MAX_COMMITS_PER_REPOSITORY`, default 1,000), and — internal, for the
 * benchmark's baseline — `SYNCBOARD_SYNC_MODE=sequential`: one request at a time, no open-work stage,
 * fixed PR pages (the worker before issue 12).
 */
function syncSettings() {
  const positive = (raw: string | undefined, fallback: number) => {
    const n = Number(raw);
    return raw !== undefined && raw !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  const sequential = process.env.SYNCBOARD_SYNC_MODE === "sequential";
  return {
    historyMs: positive(process.env.SYNCBOARD_HISTORY_DAYS, DEFAULT_HISTORY_DAYS) * DAY_MS,
    maxCommits: Math.floor(positive(process.env.SYNCBOARD_MAX_COMMITS_PER_REPOSITORY, DEFAULT_MAX_COMMITS)),
    sequential,
  };
}
type Settings = ReturnType<typeof syncSettings>;

/** Exponential backoff with full jitter: 2 s, 4 s, 8 s… (±50%). */
function backoffMs(attempt: number, random = Math.random): number {
  const base = BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1);
  return Math.round(base * (0.5 + random()));
}

/**
 * A repository's phases in a stage, in order. `changed` is the probe's answer (a first sync
 * fetches everything). A "full" stage is a repository's whole sync at once (the sequential mode, a
 * job from before the stages, or a repository that joined the walk after open work).
 */
function plan(stage: Stage, firstSync: boolean, changed: boolean | undefined): Phase[] {
  const fetch = firstSync || changed === true;
  switch (stage) {
    case "open_work":
      return [
        "probe",
        ...(firstSync ? (["openPulls", "openIssues"] as const) : fetch ? (["pulls", "issues"] as const) : []),
      ];
    // Deployments on the first sync (then webhooks carry them); the chosen workflow's runs on every sync
    // (no request without a choice; a new choice fetches back to the horizon).
    case "history":
      return firstSync
        ? ["closedPulls", "closedIssues", "deployments", "workflowRuns", "issueComments", "reviewComments", "commits"]
        : [...(fetch ? (["issueComments", "reviewComments"] as const) : []), "workflowRuns", "commits"];
    case "full":
      return [
        "probe",
        ...(fetch ? (["pulls", "issues", "issueComments", "reviewComments"] as const) : []),
        ...(firstSync ? (["deployments"] as const) : []),
        "workflowRuns",
        "commits",
      ];
  }
}
function nextPhase(p: Progress, firstSync: boolean): Phase {
  const phases = plan(p.stage, firstSync, p.changed);
  return phases[phases.indexOf(p.phase) + 1] ?? "done";
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Token buckets per resource (see `PACE`), carried on the job across slices. */
class Pacer {
  readonly buckets: NonNullable<Cursor["pacing"]>;
  constructor(saved: Cursor["pacing"]) {
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
class Gate {
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

export const processSyncJob = internalAction({
  args: { jobId: v.id("syncJobs"), generation: v.number() },
  handler: async (ctx, { jobId, generation }) => {
    const slice = await claim(ctx, jobId, generation);
    if (!slice) return; // superseded, duplicate, or no longer active
    let client: GitHubClient;
    try {
      client = githubAppForAction(ctx).installationClient(slice.githubInstallationId);
    } catch (error) {
      // Misconfiguration (missing App ID or key): fail visibly instead of leaving the job claimed.
      const detail = error instanceof Error ? error.message : String(error);
      await ctx.runMutation(internal.sync.jobs.finishJob, {
        jobId,
        generation,
        outcome: "failed",
        error: { kind: "internal", message: APP_NOT_CONFIGURED, detail },
        stats: { requests: 0, notModified: 0 },
        rateLimits: [],
      });
      return;
    }
    await new Slice(ctx, client, { jobId, generation }, slice, syncSettings()).run();
  },
});

type Stop = { kind: "budget" } | { kind: "lost" } | { kind: "error"; error: unknown };

class Slice {
  private readonly deadline = Date.now() + SLICE_TIME_BUDGET_MS;
  private pages = 0;
  private reported = { requests: 0, notModified: 0 };
  private cursor: Cursor;
  /** Consecutive transient failures of the current step; progress resets it. */
  private attempt: number;
  private pageSize: number;
  private readonly gate: Gate;
  private readonly pacer: Pacer;
  private stopped: Stop | null = null;
  /** Commits run one at a time (they share the job document), while requests overlap. */
  private commits: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: ActionCtx,
    private readonly client: GitHubClient,
    private readonly lease: { jobId: Id<"syncJobs">; generation: number },
    private readonly claim: Claim,
    private readonly settings: Settings,
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
  private delta() {
    const d = {
      requests: this.client.stats.requests - this.reported.requests,
      notModified: this.client.stats.notModified - this.reported.notModified,
    };
    this.reported = { ...this.client.stats };
    return { stats: d, rateLimits: Object.values(this.client.rateLimits) };
  }

  /** What this slice learnt (page size, concurrency, pacing), kept on the job for the next one. */
  private tuning() {
    return {
      pageSize: this.pageSize,
      concurrency: this.gate.limit,
      ...(!this.settings.sequential && this.gate.max < WINDOW && { concurrencyCeiling: this.gate.max }),
      pacing: this.pacer.buckets,
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.commits.then(fn, fn);
    this.commits = run.catch(() => undefined);
    return run;
  }

  private overBudget() {
    return this.pages >= SLICE_PAGE_BUDGET || Date.now() > this.deadline;
  }

  private stop(reason: Stop) {
    const rateLimited = (s: Stop | null) =>
      s?.kind === "error" && s.error instanceof GitHubError && s.error.kind === "rate_limited";
    // A rate limit wins over other reasons: the job must wait for it whatever else happened.
    if (!this.stopped || (rateLimited(reason) && !rateLimited(this.stopped))) this.stopped = reason;
  }

  async run(): Promise<void> {
    try {
      if (!this.claim.hasRateLimit && (await this.blockedByUnknownBudget())) return;
      while (this.cursor.phase === "list" || this.cursor.phase === "prune") {
        if (this.overBudget()) return await this.continueLater();
        if (!(await this.listingStep())) return; // lease lost: another slice owns the job now
        this.pages += 1;
      }
      for (;;) {
        const stage = this.cursor.stage ?? "full";
        await this.walkStage(stage);
        if (this.stopped) return await this.afterStop(this.stopped);
        if (stage !== "open_work") break;
        if (!(await this.ctx.runMutation(internal.sync.jobs.advanceStage, { ...this.lease, stage: "history" }))) {
          return;
        }
        const { after: _, ...rest } = this.cursor;
        this.cursor = { ...rest, stage: "history", window: [] };
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

  /** A resource whose budget is below the policy's floor and not yet reset. */
  private lowBudget() {
    const now = Date.now();
    return Object.values(this.client.rateLimits).find(
      (s) => s.remaining < POLICY.MIN_BUDGET_TO_START && s.resetAt > now,
    );
  }

  // ------------------------------------------------------------------ listing

  private async listingStep(): Promise<boolean> {
    const c = this.cursor;
    if (c.phase === "prune") return this.pruneStep(c.listing!);
    const firstPage = c.page === undefined;
    const res = await listInstallationRepositories(this.client, {
      ...(c.page && { next: c.page }),
      ...(firstPage && this.claim.repositoriesEtag && { etag: this.claim.repositoriesEtag }),
    });
    // Unchanged since the last listing (304): keep the current set, walk every visible repository.
    if (res.notModified) return this.commitListing([], this.walkStart(undefined), {});
    const listing = c.listing ?? Date.now();
    const next: Cursor = res.next
      ? { ...c, page: res.next, listing }
      : { phase: "prune", listing, pageSize: c.pageSize };
    return this.commitListing(res.repositories, next, {
      ...(firstPage && { total: res.total }),
      ...(firstPage && res.etag && { etag: res.etag }),
    });
  }

  private walkStart(listing: number | undefined): Cursor {
    return {
      phase: "walk",
      stage: this.settings.sequential ? "full" : "open_work",
      window: [],
      pageSize: this.pageSize,
      ...(listing !== undefined && { listing }),
    };
  }

  private async commitListing(
    repositories: RepositoryRecord[],
    next: Cursor,
    extra: { total?: number; etag?: string },
  ): Promise<boolean> {
    const ok = await this.ctx.runMutation(internal.sync.jobs.commitListing, {
      ...this.lease,
      repositories,
      cursor: next,
      ...extra,
      ...this.delta(),
    });
    if (ok) this.moved(next);
    return ok;
  }

  /** Repositories the completed listing did not see leave the installation, a batch per transaction. */
  private async pruneStep(listing: number): Promise<boolean> {
    const more = await this.ctx.runMutation(internal.sync.jobs.pruneUnlisted, { ...this.lease, listing });
    if (more === null) return false;
    if (more) return true;
    const next = this.walkStart(listing);
    const ok = await this.ctx.runMutation(internal.sync.jobs.commitPage, {
      ...this.lease,
      records: [],
      cursor: next,
      ...this.delta(),
    });
    if (ok) this.moved(next);
    return ok;
  }

  private moved(next: Cursor) {
    this.cursor = next;
    this.attempt = 0;
  }

  // ------------------------------------------------------------------ the walk

  /** One stage: the repositories in flight resume first, then lanes admit the next ones until the walk ends. */
  private async walkStage(stage: Stage) {
    const resumed = await Promise.all(
      (this.cursor.window ?? []).map(async (repositoryId) => ({
        repositoryId,
        repo: await this.ctx.runQuery(internal.sync.jobs.jobRepository, { repositoryId }),
      })),
    );
    const queue: Array<JobRepository | Id<"repositories">> = resumed.map((r) =>
      r.repo && !r.repo.removed ? r.repo : r.repositoryId,
    );
    const lanes = this.settings.sequential ? 1 : WINDOW;
    await Promise.all(Array.from({ length: lanes }, () => this.lane(stage, queue)));
  }

  private async lane(stage: Stage, queue: Array<JobRepository | Id<"repositories">>) {
    while (!this.stopped) {
      const next = queue.shift() ?? (await this.admit());
      if (!next) return;
      if (typeof next === "string") {
        // Removed while in flight: it leaves the window.
        if (!(await this.commit({ repositoryDone: true, repositoryUpdate: { repositoryId: next } }))) return;
        continue;
      }
      await this.syncRepository(stage, next);
    }
  }

  private async admit(): Promise<JobRepository | null> {
    if (this.stopped) return null;
    if (this.overBudget()) {
      this.stop({ kind: "budget" });
      return null;
    }
    const res = await this.serial(() => this.ctx.runMutation(internal.sync.jobs.admitRepository, this.lease));
    if (!res) this.stop({ kind: "lost" });
    return res?.kind === "repository" ? res.repository : null;
  }

  /** Where `repo` stands in this stage: its own stored cursor when this job left one, else the stage's start. */
  private startProgress(stage: Stage, repo: JobRepository): Progress | "skip" {
    const firstSync = repo.syncCursor.since === undefined;
    const mine = repo.syncProgress?.jobId === this.lease.jobId ? repo.syncProgress : undefined;
    if (mine?.failed) return "skip"; // failed permanently earlier in this job
    if (mine?.stage === stage || (mine && stage === "history" && mine.stage === "full")) return mine;
    const base = { jobId: this.lease.jobId };
    // History after this job's open work carries the probe's answer; otherwise it is the whole sync.
    if (stage === "history" && mine?.stage === "open_work") {
      const p: Progress = {
        ...base,
        stage,
        phase: "probe",
        ...(mine.changed !== undefined && { changed: mine.changed }),
        ...(mine.repoEtag !== undefined && { repoEtag: mine.repoEtag }),
      };
      return { ...p, phase: plan(stage, firstSync, p.changed)[0]! };
    }
    const s = stage === "history" ? "full" : stage;
    return { ...base, stage: s, phase: plan(s, firstSync, undefined)[0]! };
  }

  private async syncRepository(stage: Stage, repo: JobRepository) {
    const start = this.startProgress(stage, repo);
    if (start === "skip") {
      await this.commit({ repositoryDone: true, repositoryUpdate: { repositoryId: repo.id } });
      return;
    }
    let p = start;
    // A first sync shows the repository as processing until its history is in.
    let first = repo.syncCursor.since === undefined && repo.syncProgress?.jobId !== this.lease.jobId;
    while (!this.stopped) {
      if (this.overBudget()) return this.stop({ kind: "budget" });
      let next: Progress | "done" | "lost";
      try {
        next = await this.repositoryStep(repo, p, first);
      } catch (error) {
        if (error instanceof GitHubError && error.permanent) {
          if (!(await this.failRepository(repo, p, error))) this.stop({ kind: "lost" });
          return;
        }
        return this.stop({ kind: "error", error });
      }
      if (next === "lost") return this.stop({ kind: "lost" });
      if (next === "done") return;
      p = next;
      first = false;
    }
  }

  /** One request against GitHub within the concurrency limit, the pacing and the budget reserve. */
  private async request<T>(resource: Resource, points: number, call: () => Promise<T>): Promise<T> {
    const low = this.lowBudget();
    if (low) {
      throw new GitHubError("rate_limited", `${low.resource} budget below ${POLICY.MIN_BUDGET_TO_START}`, {
        resumeAt: low.resetAt,
      });
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
      throw error;
    } finally {
      this.gate.release();
    }
  }

  /** One page of `repo` (or no request at all when there is nothing to fetch) and its commit. */
  private async repositoryStep(repo: JobRepository, p: Progress, first: boolean): Promise<Progress | "done" | "lost"> {
    const firstSync = repo.syncCursor.since === undefined;
    const horizon = this.claim.startedAt - this.settings.historyMs;
    const since = repo.syncCursor.since ?? horizon;
    const coordinates = {
      githubId: repo.githubId,
      owner: repo.owner,
      name: repo.name,
      defaultBranch: repo.defaultBranch,
    };
    const status = first ? { syncStatus: "processing" as const } : {};
    const after = (q: Progress) => ({ ...q, page: undefined, phase: nextPhase(q, firstSync) });
    switch (p.phase) {
      case "probe": {
        const probe = await this.request("core", 1, () =>
          probeRepositoryChanges(this.client, coordinates, repo.syncCursor.changeProbeEtag),
        );
        const probed: Progress = {
          ...p,
          changed: probe.changed || firstSync,
          ...((probe.etag ?? p.repoEtag) && { repoEtag: probe.etag ?? p.repoEtag }),
        };
        return this.store(repo, after(probed), [], { ...status, currentRepository: repo.fullName });
      }
      case "openPulls":
      case "pulls":
      case "closedPulls": {
        const states: PullRequestState[] | undefined =
          p.phase === "openPulls" ? ["OPEN"] : p.phase === "closedPulls" ? ["CLOSED", "MERGED"] : undefined;
        const pageSize = this.pageSize;
        const estimate = pullRequestPageCost(pageSize);
        const started = Date.now();
        let page;
        try {
          page = await this.request("graphql", estimate, () =>
            fetchPullRequestsPage(this.client, coordinates, {
              ...(p.page && { after: p.page }),
              pageSize,
              ...(p.phase !== "openPulls" && { since }),
              ...(states && { states }),
            }),
          );
        } catch (error) {
          // A query that ran too long (502/504): the next one asks for half as many.
          if (error instanceof GitHubError && (error.details.status === 502 || error.details.status === 504)) {
            this.pageSize = Math.max(MIN_PULL_REQUEST_PAGE_SIZE, Math.floor(pageSize / 2));
          }
          throw error;
        }
        if (page.cost !== undefined) this.pacer.settle("graphql", page.cost - estimate);
        this.pageSize = this.settings.sequential
          ? Math.min(PULL_REQUEST_PAGE_SIZE, this.pageSize * 2) // grow back after a 502/504
          : nextPullRequestPageSize(pageSize, page.cost, Date.now() - started);
        const more = page.hasNextPage && !page.reachedWatermark && page.endCursor;
        return this.store(repo, more ? { ...p, page: page.endCursor } : after(p), page.records, status);
      }
      case "closedIssues": {
        const page = await this.request("graphql", 1, () =>
          fetchClosedIssuesPage(this.client, coordinates, { since, ...(p.page && { after: p.page }) }),
        );
        if (page.cost !== undefined) this.pacer.settle("graphql", page.cost - 1);
        return this.store(repo, page.next ? { ...p, page: page.next } : after(p), page.records, status);
      }
      case "openIssues":
      case "issues":
      case "issueComments":
      case "reviewComments": {
        const kind = p.phase;
        const page = await this.request("core", 1, () =>
          listSince(this.client, coordinates, kind, {
            ...(kind !== "openIssues" && { since }),
            ...(p.page && { next: p.page }),
          }),
        );
        return this.store(repo, page.next ? { ...p, page: page.next } : after(p), page.records, status);
      }
      case "deployments": {
        // Newest first, back to the horizon.
        const page = await this.request("graphql", 1, () =>
          fetchDeploymentsPage(this.client, coordinates, {
            since: horizon,
            ...(p.page && { after: p.page }),
          }),
        );
        if (page.cost !== undefined) this.pacer.settle("graphql", page.cost - 1);
        return this.store(repo, page.next ? { ...p, page: page.next } : after(p), page.records, status);
      }
      case "workflowRuns": {
        const source = await this.ctx.runQuery(internal.model.deployments.deploymentSource, { repositoryId: repo.id });
        // No choice: nothing to fetch or commit (the next phase stores the progress; a retry asks again).
        if (source.workflow === null) return after(p);
        // A choice made since the last sync fetches the runs back to the horizon.
        const fresh = firstSync || source.changedAt > (repo.syncCursor.since ?? 0);
        const workflow = source.workflow;
        const page = await this.request("core", 1, () =>
          fetchWorkflowRunsPage(this.client, coordinates, workflow, {
            since: fresh ? horizon : since - DAY_MS,
            ...(p.page && { next: p.page }),
          }),
        );
        return this.store(repo, page.next ? { ...p, page: page.next } : after(p), page.records, status);
      }
      case "commits": {
        const lastPushedAt = repo.syncCursor.pushedAt;
        const pushed = firstSync || lastPushedAt === undefined || (repo.pushedAt ?? 0) > lastPushedAt;
        if (!pushed) return this.store(repo, after(p), [], status);
        const fetched = p.fetched ?? 0;
        const page = await this.request("core", 1, () =>
          listSince(this.client, coordinates, "commits", { since, ...(p.page && { next: p.page }) }),
        );
        // Newest first: the cap keeps the most recent commits.
        const records = page.records.slice(0, Math.max(0, this.settings.maxCommits - fetched));
        const total = fetched + records.length;
        const more = page.next && total < this.settings.maxCommits;
        return this.store(
          repo,
          more ? { ...p, page: page.next, fetched: total } : after({ ...p, fetched: total }),
          records,
          status,
        );
      }
      case "done":
        return this.store(repo, p, [], status);
    }
  }

  /**
   * Commit a page of `repo`: its records and its own new cursor, in bounded chunks (the last one
   * carries the cursor and renews the lease). At the end of a stage the repository leaves the window;
   * at the end of its history (or full sync) it completes: ready, with its new watermark.
   */
  private async store(
    repo: JobRepository,
    next: Progress,
    records: AnyRecord[],
    extra: { syncStatus?: "processing"; currentRepository?: string } = {},
  ): Promise<Progress | "done" | "lost"> {
    const { syncStatus, currentRepository } = extra;
    const done = next.phase === "done";
    const completes = done && next.stage !== "open_work";
    const update: RepositoryUpdate = completes
      ? {
          repositoryId: repo.id,
          syncStatus: "ready",
          syncProgress: null,
          syncCursor: {
            since: this.claim.startedAt - WATERMARK_OVERLAP_MS,
            ...(next.repoEtag && { changeProbeEtag: next.repoEtag }),
            ...(repo.pushedAt !== undefined && { pushedAt: repo.pushedAt }),
          },
        }
      : { repositoryId: repo.id, syncProgress: next, ...(syncStatus && { syncStatus }) };
    const ok = await this.commit(
      {
        repositoryUpdate: update,
        ...(done && { repositoryDone: true }),
        ...(currentRepository !== undefined && { currentRepository }),
      },
      records,
    );
    if (!ok) return "lost";
    return done ? "done" : next;
  }

  /** A permanent error on one repository fails that repository only; the walk goes on. */
  private async failRepository(repo: JobRepository, p: Progress, error: GitHubError): Promise<boolean> {
    return this.commit({
      repositoryDone: true,
      repositoryUpdate: {
        repositoryId: repo.id,
        syncStatus: "failed",
        syncError: jobErrorMessage(error.kind),
        syncErrorKind: error.kind,
        // Remembered for the rest of this job, so the history stage does not try it again.
        syncProgress: { jobId: this.lease.jobId, stage: p.stage, phase: "done", failed: true },
      },
    });
  }

  /** Records in bounded chunks, then the last chunk with the repository's update (one at a time per slice). */
  private commit(
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

  private async fail(error: unknown): Promise<void> {
    const e = error instanceof GitHubError ? error : null;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // The listing's cursor is this slice's; in the walk every repository keeps its own.
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
