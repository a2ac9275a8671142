/**
 * The job state machine of `convex/sync/README.md`, one test per arrow, each named after it. Every
 * transition moves the job row and the installation's `sync` field together, so every test asserts
 * both. The internal mutations are driven directly under fake timers: the scheduled worker is enqueued
 * (and checked) but never runs.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { LEASE_MS } from "../convex/sync/jobState";
import { createInstallation, makeConvex, type TestConvex } from "./helpers/convex";
import { repo } from "./helpers/records";
import { patchSyncState } from "./helpers/syncState";

const T = Date.UTC(2026, 10, 24, 12);
const noCost = { stats: { requests: 0, notModified: 0 }, rateLimits: [] };

beforeEach(() => {
  vi.useFakeTimers({ now: T }); // scheduled slices are enqueued, never run
});
afterEach(() => vi.useRealTimers());

/** An installation with `count` repositories and a job requested for it (request(start) ──► queued). */
async function queuedJob(count = 2, trigger: "webhook" | "manual" | "maintenance" = "webhook") {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  const repositoryIds = await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: Array.from({ length: count }, (_, i) => repo({ githubId: 500 + i, name: `r${i}` })),
  });
  const decision = await t.mutation(internal.sync.service.request, { installationId, trigger });
  expect(decision).toMatchObject({ action: "start" });
  return { t, installationId, repositoryIds, jobId: decision.jobId! };
}

/** queued ──claimSlice──► running, for the tests of later arrows. */
async function runningJob(count = 2) {
  const s = await queuedJob(count);
  expect(await claim(s.t, s.jobId, 1)).not.toBeNull();
  return s;
}

const claim = (t: TestConvex, jobId: Id<"syncJobs">, generation: number) =>
  t.mutation(internal.sync.jobs.claimSlice, { jobId, generation });

const continueAs = (
  t: TestConvex,
  jobId: Id<"syncJobs">,
  generation: number,
  next: { state: "queued" | "retrying" | "blocked"; runAt: number; attempt?: number; reason?: string },
) => t.mutation(internal.sync.jobs.scheduleContinuation, { jobId, generation, ...next, ...noCost });

/** The job row and the installation row, read together. */
function both(t: TestConvex, installationId: Id<"installations">, jobId: Id<"syncJobs">) {
  return t.run(async (ctx) => ({
    job: (await ctx.db.get(jobId))!,
    installation: (await ctx.db.get(installationId))!,
    jobCount: (await ctx.db.query("syncJobs").collect()).length,
  }));
}

/** Pending worker slices, as (generation, time) pairs. */
async function pendingSlices(t: TestConvex, jobId: Id<"syncJobs">) {
  const scheduled = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  return scheduled
    .filter((s) => s.state.kind === "pending" && s.name === "sync/worker:processSyncJob")
    .map((s) => ({ args: s.args[0] as { jobId: string; generation: number }, at: s.scheduledTime }))
    .filter((s) => s.args.jobId === jobId)
    .map((s) => ({ generation: s.args.generation, at: s.at }));
}

describe("job state machine: one test per arrow (job row and installation.sync move together)", () => {
  test("request(start) ──► queued", async () => {
    const { t, installationId, jobId } = await queuedJob(2, "manual");
    const { job, installation, jobCount } = await both(t, installationId, jobId);
    expect(jobCount).toBe(1);
    expect(job).toMatchObject({
      installationId,
      trigger: "manual",
      state: "queued",
      createdAt: T,
      attempt: 0,
      nextRunAt: T,
      lease: { generation: 1, claimed: false },
      cursor: { phase: "list" },
      progress: { current: 0, total: 2 },
    });
    expect(job.startedAt).toBeUndefined();
    expect(installation.sync).toMatchObject({
      state: "syncing",
      activeJobId: jobId,
      lastSyncStartedAt: T,
      lastManualSyncAt: T,
    });
    expect(installation.sync.blockedUntil).toBeUndefined();
    expect(await pendingSlices(t, jobId)).toEqual([{ generation: 1, at: T }]);
  });

  test("queued ──claimSlice──► running", async () => {
    const { t, installationId, jobId } = await queuedJob();
    vi.setSystemTime(T + 1_000);
    const claimed = await claim(t, jobId, 1);
    expect(claimed).toMatchObject({ installationId, githubInstallationId: 1001, startedAt: T + 1_000, attempt: 0 });
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({
      state: "running",
      startedAt: T + 1_000,
      lease: { generation: 1, claimed: true, expiresAt: T + 1_000 + LEASE_MS },
    });
    expect(job.nextRunAt).toBeUndefined();
    expect(installation.sync).toMatchObject({ state: "syncing", activeJobId: jobId });

    // A second copy of the same slice sees the live claim and exits; so does any other generation.
    expect(await claim(t, jobId, 1)).toBeNull();
    expect(await claim(t, jobId, 2)).toBeNull();
    const after = await both(t, installationId, jobId);
    expect(after.job.lease).toEqual(job.lease);
    expect(after.installation.sync).toEqual(installation.sync);
  });

  test("running ──scheduleContinuation(queued)──► queued", async () => {
    const { t, installationId, jobId } = await runningJob();
    vi.setSystemTime(T + 120_000);
    expect(await continueAs(t, jobId, 1, { state: "queued", runAt: T + 120_000 })).toBe(true);
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({
      state: "queued",
      nextRunAt: T + 120_000,
      lease: { generation: 2, claimed: false, expiresAt: 0 },
      stats: { mutations: 1 },
    });
    expect(job.blockedUntil).toBeUndefined();
    expect(installation.sync).toMatchObject({ state: "syncing", activeJobId: jobId });
    expect(installation.sync.blockedUntil).toBeUndefined();
    expect(await pendingSlices(t, jobId)).toContainEqual({ generation: 2, at: T + 120_000 });
    // The old generation can no longer write; the new one claims.
    expect(await continueAs(t, jobId, 1, { state: "queued", runAt: T + 200_000 })).toBe(false);
    expect(await claim(t, jobId, 1)).toBeNull();
    expect(await claim(t, jobId, 2)).not.toBeNull();
  });

  test("running ──transient──► retrying", async () => {
    const { t, installationId, jobId } = await runningJob();
    const runAt = T + 2_000;
    expect(await continueAs(t, jobId, 1, { state: "retrying", runAt, attempt: 1, reason: "HTTP 502" })).toBe(true);
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({
      state: "retrying",
      attempt: 1,
      nextRunAt: runAt,
      lease: { generation: 2, claimed: false, expiresAt: 0 },
    });
    expect(job.blockedUntil).toBeUndefined();
    expect(installation.sync).toMatchObject({ state: "syncing", activeJobId: jobId });
    expect(installation.sync.blockedUntil).toBeUndefined();
    expect(await pendingSlices(t, jobId)).toContainEqual({ generation: 2, at: runAt });
  });

  test("running ──rate_limited──► blocked", async () => {
    const { t, installationId, jobId } = await runningJob();
    const reset = T + 600_000;
    expect(await continueAs(t, jobId, 1, { state: "blocked", runAt: reset, reason: "primary rate limit" })).toBe(true);
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({
      state: "blocked",
      blockedUntil: reset,
      nextRunAt: reset,
      lease: { generation: 2, claimed: false, expiresAt: 0 },
    });
    expect(installation.sync).toMatchObject({ state: "blocked", blockedUntil: reset, activeJobId: jobId });
    expect(await pendingSlices(t, jobId)).toContainEqual({ generation: 2, at: reset });
  });

  test("retrying ──claimSlice──► running", async () => {
    const { t, installationId, jobId } = await runningJob();
    await continueAs(t, jobId, 1, { state: "retrying", runAt: T + 2_000, attempt: 1 });
    vi.setSystemTime(T + 2_000);
    expect(await claim(t, jobId, 2)).toMatchObject({ attempt: 1, startedAt: T });
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({
      state: "running",
      attempt: 1,
      startedAt: T, // the job's start, not this slice's
      lease: { generation: 2, claimed: true, expiresAt: T + 2_000 + LEASE_MS },
    });
    expect(job.nextRunAt).toBeUndefined();
    expect(job.blockedUntil).toBeUndefined();
    expect(installation.sync).toMatchObject({ state: "syncing", activeJobId: jobId });
    expect(installation.sync.blockedUntil).toBeUndefined();
  });

  test("blocked ──claimSlice──► running", async () => {
    const { t, installationId, jobId } = await runningJob();
    const reset = T + 600_000;
    await continueAs(t, jobId, 1, { state: "blocked", runAt: reset });
    vi.setSystemTime(reset);
    expect(await claim(t, jobId, 2)).not.toBeNull();
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({
      state: "running",
      lease: { generation: 2, claimed: true, expiresAt: reset + LEASE_MS },
    });
    expect(job.blockedUntil).toBeUndefined();
    expect(job.nextRunAt).toBeUndefined();
    expect(installation.sync).toMatchObject({ state: "syncing", activeJobId: jobId });
    expect(installation.sync.blockedUntil).toBeUndefined();
  });

  test("running ──finishJob──► completed", async () => {
    const { t, installationId, jobId, repositoryIds } = await runningJob();
    // The walk stores each repository's outcome (a repository still "processing" at the end would be
    // a coalesced webhook backfill, and finishJob would request the next job for it).
    for (const repositoryId of repositoryIds) {
      const page = { jobId, generation: 1, records: [], repositoryDone: true, ...noCost };
      expect(
        await t.mutation(internal.sync.jobs.commitPage, {
          ...page,
          repositoryUpdate: { repositoryId, syncStatus: "ready" },
        }),
      ).toBe(true);
    }
    vi.setSystemTime(T + 60_000);
    expect(
      await t.mutation(internal.sync.jobs.finishJob, { jobId, generation: 1, outcome: "completed", ...noCost }),
    ).toBe(true);
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({
      state: "completed",
      finishedAt: T + 60_000,
      lease: { generation: 1, claimed: false },
      stats: { repositoriesSynced: 2, repositoriesFailed: 0 },
    });
    expect(job.error).toBeUndefined();
    expect(job.nextRunAt).toBeUndefined();
    expect(installation.sync).toMatchObject({ state: "idle", lastSyncedAt: T + 60_000 });
    expect(installation.sync.activeJobId).toBeUndefined();
    expect(installation.sync.lastSyncError).toBeUndefined();
    expect(installation.sync.blockedUntil).toBeUndefined();
    expect((await both(t, installationId, jobId)).jobCount).toBe(1);
    // A final state takes no more slices.
    expect(await claim(t, jobId, 1)).toBeNull();
  });

  test("running ──finishJob(failed)──► failed", async () => {
    const { t, installationId, jobId } = await runningJob();
    await patchSyncState(t, installationId, { sync: { lastSyncedAt: T - 3_600_000 } });
    const error = {
      kind: "forbidden" as const,
      message: "GitHub refused access.",
      detail: "403 Resource not accessible",
    };
    vi.setSystemTime(T + 60_000);
    expect(
      await t.mutation(internal.sync.jobs.finishJob, { jobId, generation: 1, outcome: "failed", error, ...noCost }),
    ).toBe(true);
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({ state: "failed", finishedAt: T + 60_000, error });
    expect(installation.sync).toMatchObject({
      state: "error",
      lastSyncError: error.message,
      lastSyncedAt: T - 3_600_000,
    });
    expect(installation.sync.activeJobId).toBeUndefined();
  });

  test("running ──finishJob(completed) with every repository failed──► failed", async () => {
    const { t, installationId, jobId, repositoryIds } = await runningJob(2);
    await patchSyncState(t, installationId, { sync: { lastSyncedAt: T - 3_600_000 } });
    for (const [i, repositoryId] of repositoryIds.entries()) {
      expect(
        await t.mutation(internal.sync.jobs.commitPage, {
          jobId,
          generation: 1,
          records: [],
          repositoryDone: true,
          repositoryUpdate: {
            repositoryId,
            syncStatus: "failed",
            syncError: `Bad credentials for r${i}`,
            syncErrorKind: "unauthorized",
          },
          currentRepository: `acme/r${i}`,
          ...noCost,
        }),
      ).toBe(true);
    }
    const mid = await both(t, installationId, jobId);
    expect(mid.job).toMatchObject({
      state: "running",
      progress: { current: 2, total: 2 },
      stats: { repositoriesFailed: 2, repositoriesSynced: 0 },
    });
    vi.setSystemTime(T + 60_000);
    expect(
      await t.mutation(internal.sync.jobs.finishJob, { jobId, generation: 1, outcome: "completed", ...noCost }),
    ).toBe(true);
    const { job, installation } = await both(t, installationId, jobId);
    expect(job.state).toBe("failed");
    expect(job.error).toMatchObject({
      kind: "unauthorized",
      message: expect.stringMatching(/^Bad credentials for r\d$/),
    });
    expect(job.error!.detail).toMatch(/every repository failed/);
    expect(installation.sync).toMatchObject({
      state: "error",
      lastSyncError: job.error!.message,
      lastSyncedAt: T - 3_600_000, // NOT advanced
    });
    expect(installation.sync.activeJobId).toBeUndefined();
    const repositories = await t.run((ctx) => Promise.all(repositoryIds.map((id) => ctx.db.get(id))));
    expect(repositories.map((r) => [r!.syncStatus, r!.syncErrorKind])).toEqual([
      ["failed", "unauthorized"],
      ["failed", "unauthorized"],
    ]);
  });

  test("any active state ──cancelSync──► cancelled", async () => {
    const reach = {
      queued: async () => queuedJob(),
      running: async () => runningJob(),
      retrying: async () => {
        const s = await runningJob();
        await continueAs(s.t, s.jobId, 1, { state: "retrying", runAt: T + 2_000, attempt: 1 });
        return s;
      },
      blocked: async () => {
        const s = await runningJob();
        await continueAs(s.t, s.jobId, 1, { state: "blocked", runAt: T + 600_000 });
        return s;
      },
    };
    for (const [state, setup] of Object.entries(reach)) {
      vi.setSystemTime(T);
      const { t, installationId, jobId } = await setup();
      const before = await both(t, installationId, jobId);
      expect(before.job.state, state).toBe(state);
      vi.setSystemTime(T + 5_000);
      expect(await t.mutation(internal.sync.operators.cancelActiveJob, { installationId }), state).toEqual({
        cancelled: true,
        jobId,
      });
      const { job, installation } = await both(t, installationId, jobId);
      expect(job, state).toMatchObject({ state: "cancelled", finishedAt: T + 5_000, lease: { claimed: false } });
      expect(job.nextRunAt, state).toBeUndefined();
      expect(job.blockedUntil, state).toBeUndefined();
      expect(installation.sync.state, state).toBe("idle");
      expect(installation.sync.activeJobId, state).toBeUndefined();
      expect(installation.sync.blockedUntil, state).toBeUndefined();
      // The slice that held (or was scheduled to take) the lease can no longer write.
      const generation = job.lease.generation;
      expect(await claim(t, jobId, generation), state).toBeNull();
      expect(
        await t.mutation(internal.sync.jobs.commitPage, { jobId, generation, records: [], ...noCost }),
        state,
      ).toBe(false);
      // Nothing left to cancel.
      expect(await t.mutation(internal.sync.operators.cancelActiveJob, { installationId })).toEqual({
        cancelled: false,
      });
    }
  });

  test("claimSlice on a suspended installation ──► cancelled", async () => {
    const { t, installationId, jobId } = await queuedJob();
    await t.run((ctx) => ctx.db.patch(installationId, { status: "suspended" }));
    vi.setSystemTime(T + 1_000);
    expect(await claim(t, jobId, 1)).toBeNull();
    const { job, installation } = await both(t, installationId, jobId);
    expect(job).toMatchObject({ state: "cancelled", finishedAt: T + 1_000 });
    expect(job.startedAt).toBeUndefined();
    expect(installation.sync.state).toBe("idle");
    expect(installation.sync.activeJobId).toBeUndefined();
  });

  test("stalled ──request(maintenance)──► queued", async () => {
    const { t, installationId, jobId } = await runningJob();
    await t.mutation(internal.sync.jobs.commitPage, { jobId, generation: 1, records: [], ...noCost });
    // The slice dies: no heartbeat for longer than the lease. (setSystemTime moves the clock without
    // running the scheduled slice.)
    vi.setSystemTime(T + LEASE_MS + 1);
    expect(await claim(t, jobId, 2)).toBeNull(); // no such generation yet
    expect(await t.mutation(internal.sync.service.request, { installationId, trigger: "cron" })).toMatchObject({
      action: "skip",
      reason: "already_syncing",
    });
    expect(await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" })).toEqual(
      expect.objectContaining({ action: "start", reason: "recover_stalled_job", jobId }),
    );
    const { job, installation, jobCount } = await both(t, installationId, jobId);
    expect(jobCount).toBe(1); // the same job, never a second one
    expect(job).toMatchObject({
      state: "queued",
      nextRunAt: T + LEASE_MS + 1,
      lease: { generation: 2, claimed: false, expiresAt: 0 },
      startedAt: T,
    });
    expect(installation.sync).toMatchObject({ state: "syncing", activeJobId: jobId });
    expect(installation.sync.blockedUntil).toBeUndefined();
    expect(await pendingSlices(t, jobId)).toContainEqual({ generation: 2, at: T + LEASE_MS + 1 });
    // The dead generation cannot write; the new one takes over.
    expect(await t.mutation(internal.sync.jobs.commitPage, { jobId, generation: 1, records: [], ...noCost })).toBe(
      false,
    );
    expect(await claim(t, jobId, 1)).toBeNull();
    expect(await claim(t, jobId, 2)).not.toBeNull();
    expect((await both(t, installationId, jobId)).job).toMatchObject({
      state: "running",
      lease: { generation: 2, claimed: true },
    });
  });
});
