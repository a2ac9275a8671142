/**
 * processSyncJob: the single sync worker. One invocation is one bounded slice (time and page
 * budget); it claims the job, works from the stored cursor, commits page by page, and schedules
 * its own continuation. Convex does not retry scheduled actions, so every slice is safe to run
 * again: writes are idempotent upserts and the cursor only advances with the data it covers.
 *
 * Per repository: probe (one conditional request; 304 = nothing changed) → pull requests with
 * reviews and checks (GraphQL, newest first, down to the watermark) → issues → issue comments →
 * review comments → commits on the default branch (only if it was pushed to).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import {
  fetchPullRequestsPage,
  listCommitsSince,
  listInstallationRepositories,
  listIssueCommentsSince,
  listIssuesSince,
  listReviewCommentsSince,
  probeRepositoryChanges,
  type RepoCoordinates,
} from "../github/api";
import type { GitHubClient } from "../github/client";
import { githubAppForAction } from "../github/connection";
import { GitHubError, type GitHubErrorKind } from "../github/errors";
import { PULL_REQUEST_PAGE_SIZE } from "../github/queries";
import { rateLimitResponse } from "../github/schemas";
import type { AnyRecord } from "../model/records";
import type { Doc } from "../_generated/dataModel";
import { POLICY } from "./policy";

/** Well inside Convex's 10-minute action limit, leaving room for the last page in flight. */
export const SLICE_TIME_BUDGET_MS = 2 * 60_000;
export const SLICE_PAGE_BUDGET = 60;
/** Records per write transaction: far below 16,000 writes / 32,000 reads even for large PR pages. */
export const RECORDS_PER_MUTATION = 250;
/** Transient failures of one step before the job fails. */
export const MAX_ATTEMPTS = 5;
export const BACKOFF_BASE_MS = 2_000;
/** The incremental watermark starts this long before the previous sync began (clock skew, in-flight edits). */
export const WATERMARK_OVERLAP_MS = 5 * 60_000;
/** The first sync of a repository reads this much commit history (trends look back 90 days). */
export const COMMIT_BACKFILL_MS = 90 * 86_400_000;
const MIN_PAGE_SIZE = 5;

type Cursor = Doc<"syncJobs">["cursor"];
type Claim = NonNullable<Awaited<ReturnType<typeof claim>>>;
const claim = (ctx: ActionCtx, jobId: Id<"syncJobs">, generation: number) =>
  ctx.runMutation(internal.sync.jobs.claimSlice, { jobId, generation });

/** Exponential backoff with full jitter: 2 s, 4 s, 8 s… (±50%). */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1);
  return Math.round(base * (0.5 + random()));
}

const USER_MESSAGES: Record<GitHubErrorKind | "internal", string> = {
  rate_limited: "GitHub's rate limit was reached.",
  transient: "GitHub is not responding right now. The sync will be retried.",
  not_found: "The installation or repository no longer exists on GitHub, or the app lost access to it.",
  forbidden: "The GitHub App lacks a permission needed to read this data.",
  unauthorized: "GitHub rejected the app's credentials. Check the GitHub App configuration.",
  bad_request: "GitHub rejected a request made by the sync.",
  invalid_response: "GitHub returned data the sync could not read.",
  internal: "The sync failed unexpectedly.",
};
export const userMessageFor = (kind: GitHubErrorKind | "internal") => USER_MESSAGES[kind];

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
      const error_ = { kind: "internal", message: "The GitHub App is not configured on the server.", detail };
      await ctx.runMutation(internal.sync.jobs.finishJob, {
        jobId,
        generation,
        outcome: "failed",
        error: error_,
        stats: { requests: 0, notModified: 0 },
        rateLimits: [],
      });
      return;
    }
    await new Slice(ctx, client, { jobId, generation }, slice).run();
  },
});

class Slice {
  private readonly deadline = Date.now() + SLICE_TIME_BUDGET_MS;
  private pages = 0;
  private reported = { requests: 0, notModified: 0 };
  private cursor: Cursor;
  private repositoryIds: Id<"repositories">[];
  /** Consecutive transient failures of the current step; progress resets it. */
  private attempt: number;
  private repo:
    | (RepoCoordinates & {
        fullName: string;
        id: Id<"repositories">;
        since?: number;
        changeProbeEtag?: string;
        pushedAt?: number;
        lastPushedAt?: number;
      })
    | null = null;

  constructor(
    private readonly ctx: ActionCtx,
    private readonly client: GitHubClient,
    private readonly lease: { jobId: Id<"syncJobs">; generation: number },
    private readonly claim: Claim,
  ) {
    this.cursor = claim.cursor;
    this.repositoryIds = claim.repositoryIds;
    this.attempt = claim.attempt;
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

  async run(): Promise<void> {
    try {
      if (!this.claim.hasRateLimit && (await this.blockedByUnknownBudget())) return;
      while (this.cursor.phase === "list" || this.cursor.repoIndex < this.repositoryIds.length) {
        if (this.pages >= SLICE_PAGE_BUDGET || Date.now() > this.deadline) {
          await this.ctx.runMutation(internal.sync.jobs.scheduleContinuation, {
            ...this.lease,
            state: "queued",
            runAt: Date.now(),
            ...this.delta(),
          });
          return;
        }
        if (!(await this.step())) return; // lease lost: another slice owns the job now
        this.pages += 1;
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

  /** The budget was never observed: read it (GET /rate_limit is free) before spending any. */
  private async blockedByUnknownBudget(): Promise<boolean> {
    const res = await this.client.get("/rate_limit", {}, rateLimitResponse);
    if (res.notModified) return false;
    const now = Date.now();
    for (const [resource, r] of Object.entries(res.data.resources)) {
      if (resource === "core" || resource === "graphql") {
        this.client.rateLimits[resource] = {
          resource,
          limit: r.limit,
          remaining: r.remaining,
          used: r.used,
          resetAt: r.reset * 1000,
          observedAt: now,
        };
      }
    }
    const low = Object.values(this.client.rateLimits).find(
      (s) => s.remaining < POLICY.MIN_BUDGET_TO_START && s.resetAt > now,
    );
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

  /** One request and its commit. Returns false if the lease was lost. */
  private async step(): Promise<boolean> {
    const c = this.cursor;
    if (c.phase === "list") return this.listStep();
    const repo = await this.currentRepo();
    if (!repo) return this.advance(this.nextRepository(), { repositoryDone: true }); // removed meanwhile
    try {
      return await this.repoStep(repo);
    } catch (error) {
      if (error instanceof GitHubError && error.permanent) return this.failRepository(repo, error);
      throw error;
    }
  }

  private async listStep(): Promise<boolean> {
    const c = this.cursor;
    const firstPage = c.page === undefined;
    const res = await listInstallationRepositories(this.client, {
      ...(c.page && { next: c.page }),
      ...(firstPage && this.claim.repositoriesEtag && { etag: this.claim.repositoriesEtag }),
    });
    const repositories = res.notModified ? [] : res.repositories;
    const listed = [...(c.listed ?? []), ...repositories.map((r) => r.githubId)];
    const complete = res.notModified || !res.next;
    const next: Cursor = complete
      ? { phase: "probe", repoIndex: 0, pageSize: c.pageSize, listed }
      : { ...c, page: res.notModified ? undefined : res.next, listed };
    const ok = await this.ctx.runMutation(internal.sync.jobs.commitListing, {
      ...this.lease,
      repositories,
      complete,
      notModified: res.notModified,
      ...(!res.notModified && firstPage && res.etag && { etag: res.etag }),
      cursor: next,
      ...this.delta(),
    });
    if (!ok) return false;
    const { listed: _, ...rest } = next;
    this.cursor = complete ? rest : next;
    this.attempt = 0;
    if (complete) {
      const fresh = await this.ctx.runQuery(internal.sync.jobs.jobRepositoryIds, { jobId: this.lease.jobId });
      this.repositoryIds = fresh;
    }
    return true;
  }

  private async currentRepo() {
    const id = this.repositoryIds[this.cursor.repoIndex];
    if (!id) return null;
    if (this.repo?.id === id) return this.repo;
    const r = await this.ctx.runQuery(internal.sync.jobs.jobRepository, { repositoryId: id });
    if (!r || r.removed) return null;
    this.repo = {
      id,
      githubId: r.githubId,
      owner: r.owner,
      name: r.name,
      fullName: r.fullName,
      defaultBranch: r.defaultBranch,
      ...(r.syncCursor.since !== undefined && { since: r.syncCursor.since }),
      ...(r.syncCursor.changeProbeEtag !== undefined && { changeProbeEtag: r.syncCursor.changeProbeEtag }),
      ...(r.pushedAt !== undefined && { pushedAt: r.pushedAt }),
      ...(r.syncCursor.pushedAt !== undefined && { lastPushedAt: r.syncCursor.pushedAt }),
    };
    return this.repo;
  }

  private async repoStep(repo: NonNullable<Slice["repo"]>): Promise<boolean> {
    const c = this.cursor;
    const since = repo.since;
    switch (c.phase) {
      case "probe": {
        const probe = await probeRepositoryChanges(this.client, repo, repo.changeProbeEtag);
        // Unchanged since the last sync: issues, PRs and comments are skipped (304, no budget).
        const next: Cursor = {
          ...c,
          phase: probe.changed || since === undefined ? "pulls" : "commits",
          page: undefined,
          ...(probe.etag && { repoEtag: probe.etag }),
        };
        return this.advance(next, {
          repositoryUpdate: { repositoryId: repo.id, syncStatus: "processing" },
          currentRepository: repo.fullName,
        });
      }
      case "pulls": {
        try {
          const page = await fetchPullRequestsPage(this.client, repo, {
            ...(c.page && { after: c.page }),
            pageSize: c.pageSize,
            ...(since !== undefined && { since }),
          });
          const more = page.hasNextPage && !page.reachedWatermark && page.endCursor;
          const pageSize = Math.min(PULL_REQUEST_PAGE_SIZE, c.pageSize * 2); // grow back after a success
          return this.advance(
            more ? { ...c, page: page.endCursor, pageSize } : { ...c, phase: "issues", page: undefined, pageSize },
            {},
            page.records,
          );
        } catch (error) {
          // A query that ran too long (502/504): retry with half the page size.
          if (error instanceof GitHubError && (error.details.status === 502 || error.details.status === 504)) {
            this.cursor = { ...c, pageSize: Math.max(MIN_PAGE_SIZE, Math.floor(c.pageSize / 2)) };
          }
          throw error;
        }
      }
      case "issues":
      case "issueComments":
      case "reviewComments": {
        const list = {
          issues: listIssuesSince,
          issueComments: listIssueCommentsSince,
          reviewComments: listReviewCommentsSince,
        }[c.phase];
        const following = {
          issues: "issueComments",
          issueComments: "reviewComments",
          reviewComments: "commits",
        } as const;
        const page = await list(this.client, repo, {
          ...(since !== undefined && { since }),
          ...(c.page && { next: c.page }),
        });
        return this.advance(
          page.next ? { ...c, page: page.next } : { ...c, phase: following[c.phase], page: undefined },
          {},
          page.records,
        );
      }
      case "commits": {
        const pushed =
          since === undefined || repo.lastPushedAt === undefined || (repo.pushedAt ?? 0) > repo.lastPushedAt;
        if (!pushed) return this.completeRepository(repo);
        const page = await listCommitsSince(this.client, repo, {
          since: since ?? this.claim.startedAt - COMMIT_BACKFILL_MS,
          ...(c.page && { next: c.page }),
        });
        if (page.next) return this.advance({ ...c, page: page.next }, {}, page.records);
        return this.completeRepository(repo, page.records);
      }
      case "list":
        throw new Error("the listing is not a repository phase");
    }
  }

  private nextRepository(): Cursor {
    return { phase: "probe", repoIndex: this.cursor.repoIndex + 1, pageSize: this.cursor.pageSize };
  }

  private completeRepository(repo: NonNullable<Slice["repo"]>, records: AnyRecord[] = []): Promise<boolean> {
    return this.advance(
      this.nextRepository(),
      {
        repositoryDone: true,
        repositoryUpdate: {
          repositoryId: repo.id,
          syncStatus: "ready",
          syncCursor: {
            since: this.claim.startedAt - WATERMARK_OVERLAP_MS,
            ...(this.cursor.repoEtag && { changeProbeEtag: this.cursor.repoEtag }),
            ...(repo.pushedAt !== undefined && { pushedAt: repo.pushedAt }),
          },
        },
      },
      records,
    );
  }

  /** A permanent error on one repository fails that repository only; the job moves on. */
  private failRepository(repo: NonNullable<Slice["repo"]>, error: GitHubError): Promise<boolean> {
    return this.advance(this.nextRepository(), {
      repositoryDone: true,
      repositoryUpdate: { repositoryId: repo.id, syncStatus: "failed", syncError: userMessageFor(error.kind) },
    });
  }

  /** Commit records in bounded chunks; the last chunk carries the new cursor (and renews the lease). */
  private async advance(
    next: Cursor,
    extra: {
      repositoryDone?: boolean;
      repositoryUpdate?: {
        repositoryId: Id<"repositories">;
        syncStatus: "processing" | "ready" | "failed";
        syncError?: string;
        syncCursor?: { since?: number; changeProbeEtag?: string; pushedAt?: number };
      };
      currentRepository?: string;
    } = {},
    records: AnyRecord[] = [],
  ): Promise<boolean> {
    for (let i = 0; i + RECORDS_PER_MUTATION < records.length; i += RECORDS_PER_MUTATION) {
      const chunk = records.slice(i, i + RECORDS_PER_MUTATION);
      if (
        !(await this.ctx.runMutation(internal.sync.jobs.commitPage, { ...this.lease, records: chunk, ...this.delta() }))
      )
        return false;
    }
    const last = records.slice(
      Math.floor(Math.max(0, records.length - 1) / RECORDS_PER_MUTATION) * RECORDS_PER_MUTATION,
    );
    const ok = await this.ctx.runMutation(internal.sync.jobs.commitPage, {
      ...this.lease,
      records: last,
      cursor: next,
      ...extra,
      ...this.delta(),
    });
    if (ok) {
      this.cursor = next;
      this.attempt = 0;
    }
    return ok;
  }

  private async fail(error: unknown): Promise<void> {
    const e = error instanceof GitHubError ? error : null;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (e?.kind === "rate_limited") {
      await this.ctx.runMutation(internal.sync.jobs.scheduleContinuation, {
        ...this.lease,
        state: "blocked",
        runAt: e.details.resumeAt ?? Date.now() + 60_000,
        cursor: this.cursor,
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
        cursor: this.cursor,
        reason: detail,
        ...this.delta(),
      });
      return;
    }
    const kind = e?.kind ?? "internal";
    await this.ctx.runMutation(internal.sync.jobs.finishJob, {
      ...this.lease,
      outcome: "failed",
      error: { kind, message: userMessageFor(kind), detail },
      ...this.delta(),
    });
  }
}
