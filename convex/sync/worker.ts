/**
 * processSyncJob: the single sync worker. One invocation is one bounded slice (time and page budget);
 * it claims the job, works from the stored cursor, commits page by page, and schedules its own
 * continuation. Convex does not retry scheduled actions, so every slice is safe to run again: writes
 * are idempotent upserts and the cursor only advances with the data it covers.
 *
 * The listing (GET /installation/repositories) stamps every repository it sees; once it completes,
 * unlisted repositories are pruned; then the walk visits repositories in name order through an index,
 * so the job document stays the same size at any number of repositories. Per repository: probe (one
 * conditional request; 304 = nothing changed) → pull requests with reviews and checks (GraphQL,
 * newest first, down to the watermark) → issues → issue comments → review comments → commits on the
 * default branch (only if it was pushed to).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import {
  fetchPullRequestsPage,
  listInstallationRepositories,
  listSince,
  probeRepositoryChanges,
  readRateLimits,
} from "../github/api";
import type { GitHubClient } from "../github/client";
import { githubAppForAction } from "../github/connection";
import { GitHubError } from "../github/errors";
import { PULL_REQUEST_PAGE_SIZE } from "../github/queries";
import { APP_NOT_CONFIGURED, jobErrorMessage } from "../messages";
import { chunksOf } from "../model/chunks";
import type { AnyRecord, RepositoryRecord } from "../model/records";
import type { JobRepository } from "./jobs";
import { POLICY } from "./policy";

/** Well inside Convex's 10-minute action limit, leaving room for the last page in flight. */
export const SLICE_TIME_BUDGET_MS = 2 * 60_000;
export const SLICE_PAGE_BUDGET = 60;
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
type RepositoryUpdate = {
  repositoryId: Id<"repositories">;
  syncStatus: "processing" | "ready" | "failed";
  syncError?: string;
  syncErrorKind?: GitHubError["kind"];
  syncCursor?: { since?: number; changeProbeEtag?: string; pushedAt?: number };
};
const claim = (ctx: ActionCtx, jobId: Id<"syncJobs">, generation: number) =>
  ctx.runMutation(internal.sync.jobs.claimSlice, { jobId, generation });

/** Exponential backoff with full jitter: 2 s, 4 s, 8 s… (±50%). */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1);
  return Math.round(base * (0.5 + random()));
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
    await new Slice(ctx, client, { jobId, generation }, slice).run();
  },
});

class Slice {
  private readonly deadline = Date.now() + SLICE_TIME_BUDGET_MS;
  private pages = 0;
  private reported = { requests: 0, notModified: 0 };
  private cursor: Cursor;
  /** Consecutive transient failures of the current step; progress resets it. */
  private attempt: number;
  private repo: JobRepository | null = null;

  constructor(
    private readonly ctx: ActionCtx,
    private readonly client: GitHubClient,
    private readonly lease: { jobId: Id<"syncJobs">; generation: number },
    private readonly claim: Claim,
  ) {
    this.cursor = claim.cursor;
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

  private get walking(): boolean {
    const c = this.cursor;
    return c.phase === "list" || c.phase === "prune" || c.repositoryId !== undefined;
  }

  async run(): Promise<void> {
    try {
      if (!this.claim.hasRateLimit && (await this.blockedByUnknownBudget())) return;
      while (this.walking) {
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
    await readRateLimits(this.client);
    const now = Date.now();
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

  /** One request (or one bounded transaction) and its commit. Returns false if the lease was lost. */
  private async step(): Promise<boolean> {
    const c = this.cursor;
    if (c.phase === "list") return this.listStep();
    if (c.phase === "prune") return this.pruneStep(c.listing!);
    const repo = await this.currentRepo();
    if (!repo) return this.advance(await this.nextRepository(), { repositoryDone: true }); // removed meanwhile
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
    // Unchanged since the last listing (304): keep the current set, walk every visible repository.
    if (res.notModified) {
      return this.commitListing([], { phase: "probe", pageSize: c.pageSize }, {});
    }
    const listing = c.listing ?? Date.now();
    const next: Cursor = res.next
      ? { ...c, page: res.next, listing }
      : { phase: "prune", listing, pageSize: c.pageSize };
    return this.commitListing(res.repositories, next, {
      ...(firstPage && { total: res.total }),
      ...(firstPage && res.etag && { etag: res.etag }),
    });
  }

  private async commitListing(
    repositories: RepositoryRecord[],
    next: Cursor,
    extra: { total?: number; etag?: string },
  ): Promise<boolean> {
    const walk = next.phase === "probe" ? await this.firstRepository(next) : next;
    const ok = await this.ctx.runMutation(internal.sync.jobs.commitListing, {
      ...this.lease,
      repositories,
      cursor: walk,
      ...extra,
      ...this.delta(),
    });
    if (ok) this.moved(walk);
    return ok;
  }

  /** Repositories the completed listing did not see leave the installation, a batch per transaction. */
  private async pruneStep(listing: number): Promise<boolean> {
    const more = await this.ctx.runMutation(internal.sync.jobs.pruneUnlisted, { ...this.lease, listing });
    if (more === null) return false;
    if (more) return true;
    return this.advance(await this.firstRepository({ phase: "probe", listing, pageSize: this.cursor.pageSize }));
  }

  private async firstRepository(base: Cursor): Promise<Cursor> {
    const first = await this.ctx.runQuery(internal.sync.jobs.nextRepository, {
      installationId: this.claim.installationId,
      ...(base.listing !== undefined && { listing: base.listing }),
    });
    return this.atRepository(base, first);
  }

  /** The cursor at the start of the repository after the current one (none: the walk is over). */
  private async nextRepository(): Promise<Cursor> {
    const c = this.cursor;
    const next = await this.ctx.runQuery(internal.sync.jobs.nextRepository, {
      installationId: this.claim.installationId,
      ...(c.repositoryName !== undefined && { after: c.repositoryName }),
      ...(c.listing !== undefined && { listing: c.listing }),
    });
    return this.atRepository(c, next);
  }

  private atRepository(c: Cursor, repo: JobRepository | null): Cursor {
    return {
      phase: "probe",
      pageSize: c.pageSize,
      ...(c.listing !== undefined && { listing: c.listing }),
      ...(repo && { repositoryId: repo.id, repositoryName: repo.fullName }),
    };
  }

  private async currentRepo(): Promise<JobRepository | null> {
    const id = this.cursor.repositoryId;
    if (!id) return null;
    if (this.repo?.id === id) return this.repo;
    const r = await this.ctx.runQuery(internal.sync.jobs.jobRepository, { repositoryId: id });
    this.repo = r && !r.removed ? r : null;
    return this.repo;
  }

  private async repoStep(repo: JobRepository): Promise<boolean> {
    const c = this.cursor;
    const { since } = repo.syncCursor;
    const coordinates = {
      githubId: repo.githubId,
      owner: repo.owner,
      name: repo.name,
      defaultBranch: repo.defaultBranch,
    };
    switch (c.phase) {
      case "probe": {
        const probe = await probeRepositoryChanges(this.client, coordinates, repo.syncCursor.changeProbeEtag);
        // Unchanged since the last sync: issues, PRs and comments are skipped (304, no budget).
        const next: Cursor = {
          ...c,
          phase: probe.changed || since === undefined ? "pulls" : "commits",
          page: undefined,
          ...(probe.etag && { repoEtag: probe.etag }),
        };
        // A repository synced before stays "ready" while it is refreshed (one write per sync, at its end).
        return this.advance(next, {
          ...(since === undefined && {
            repositoryUpdate: { repositoryId: repo.id, syncStatus: "processing" as const },
          }),
          currentRepository: repo.fullName,
        });
      }
      case "pulls": {
        try {
          const page = await fetchPullRequestsPage(this.client, coordinates, {
            ...(c.page && { after: c.page }),
            pageSize: c.pageSize,
            ...(since !== undefined && { since }),
          });
          const more = page.hasNextPage && !page.reachedWatermark && page.endCursor;
          const pageSize = Math.min(PULL_REQUEST_PAGE_SIZE, c.pageSize * 2); // grow back after a success
          const next: Cursor = more
            ? { ...c, page: page.endCursor, pageSize }
            : { ...c, phase: "issues", page: undefined, pageSize };
          return this.advance(next, {}, page.records);
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
        const following = {
          issues: "issueComments",
          issueComments: "reviewComments",
          reviewComments: "commits",
        } as const;
        const page = await listSince(this.client, coordinates, c.phase, {
          ...(since !== undefined && { since }),
          ...(c.page && { next: c.page }),
        });
        const next: Cursor = page.next
          ? { ...c, page: page.next }
          : { ...c, phase: following[c.phase], page: undefined };
        return this.advance(next, {}, page.records);
      }
      case "commits": {
        const lastPushedAt = repo.syncCursor.pushedAt;
        const pushed = since === undefined || lastPushedAt === undefined || (repo.pushedAt ?? 0) > lastPushedAt;
        if (!pushed) return this.completeRepository(repo);
        const page = await listSince(this.client, coordinates, "commits", {
          since: since ?? this.claim.startedAt - COMMIT_BACKFILL_MS,
          ...(c.page && { next: c.page }),
        });
        if (page.next) return this.advance({ ...c, page: page.next }, {}, page.records);
        return this.completeRepository(repo, page.records);
      }
      case "list":
      case "prune":
        throw new Error(`${c.phase} is not a repository phase`);
    }
  }

  private async completeRepository(repo: JobRepository, records: AnyRecord[] = []): Promise<boolean> {
    return this.advance(
      await this.nextRepository(),
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
  private async failRepository(repo: JobRepository, error: GitHubError): Promise<boolean> {
    return this.advance(await this.nextRepository(), {
      repositoryDone: true,
      repositoryUpdate: {
        repositoryId: repo.id,
        syncStatus: "failed",
        syncError: jobErrorMessage(error.kind),
        syncErrorKind: error.kind,
      },
    });
  }

  /** Commit records in bounded chunks; the last chunk carries the new cursor (and renews the lease). */
  private async advance(
    next: Cursor,
    extra: { repositoryDone?: boolean; repositoryUpdate?: RepositoryUpdate; currentRepository?: string } = {},
    records: AnyRecord[] = [],
  ): Promise<boolean> {
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
      cursor: next,
      ...extra,
      ...this.delta(),
    });
    if (ok) this.moved(next);
    return ok;
  }

  private moved(next: Cursor) {
    this.cursor = next;
    this.attempt = 0;
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
      error: { kind, message: jobErrorMessage(kind), detail },
      ...this.delta(),
    });
  }
}
