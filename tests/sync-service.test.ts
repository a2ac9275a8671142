import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { RECOVERY_SCAN_LIMIT } from "../convex/sync/maintenance";
import { POLICY } from "../convex/sync/policy";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { repo } from "./helpers/records";
import { patchSyncState } from "./helpers/syncState";

const T = Date.UTC(2026, 10, 24, 12);

async function withRepos(t: TestConvex, count = 2) {
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: Array.from({ length: count }, (_, i) => repo({ githubId: 500 + i, name: `r${i}` })),
  });
  return installationId;
}
const request = (
  t: TestConvex,
  installationId: Id<"installations">,
  trigger: "manual" | "cron" | "webhook" | "maintenance",
) => t.mutation(internal.sync.service.request, { installationId, trigger });
const patchInstallation = patchSyncState;
const jobs = (t: TestConvex) => t.run((ctx) => ctx.db.query("syncJobs").collect());

describe("syncService.request: every policy branch, reached by the trigger that causes it", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T }); // the scheduled worker is enqueued but not run in these tests
  });
  afterEach(() => vi.useRealTimers());

  test("suspended and deleted installations are skipped", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    await t.run((ctx) => ctx.db.patch(id, { status: "suspended" }));
    expect(await request(t, id, "webhook")).toMatchObject({ action: "skip", reason: "installation_suspended" });
    await t.run((ctx) => ctx.db.patch(id, { status: "deleted" }));
    expect(await request(t, id, "maintenance")).toMatchObject({ action: "skip", reason: "installation_deleted" });
    expect(await jobs(t)).toHaveLength(0);
  });

  test("an installation without repositories is skipped", async () => {
    const t = makeConvex();
    const id = await createInstallation(t);
    expect(await request(t, id, "webhook")).toMatchObject({ action: "skip", reason: "no_repositories" });
  });

  test("unknown budget starts; the first start sets the installation syncing and schedules the worker", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    const d = await request(t, id, "webhook");
    expect(d).toMatchObject({ action: "start", reason: "budget_unknown" });
    const [job] = await jobs(t);
    expect(job).toMatchObject({ state: "queued", trigger: "webhook", progress: { current: 0, total: 2 } });
    const installation = await t.run((ctx) => ctx.db.get(id));
    expect(installation!.sync).toMatchObject({ state: "syncing", activeJobId: job!._id });
    const scheduled = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(scheduled.map((s) => s.name)).toEqual(["sync/worker:processSyncJob"]);
  });

  test("a burst of requests coalesces: already syncing", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    await request(t, id, "webhook");
    for (const trigger of ["webhook", "manual", "cron", "maintenance"] as const) {
      expect(await request(t, id, trigger)).toMatchObject({ action: "skip", reason: "already_syncing" });
    }
    expect(await jobs(t)).toHaveLength(1);
  });

  test("100 concurrent requests start exactly one job", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        request(t, id, (["manual", "cron", "webhook", "maintenance"] as const)[i % 4]!),
      ),
    );
    expect(results.filter((r) => r.action === "start")).toHaveLength(1);
    expect(await jobs(t)).toHaveLength(1);
  });

  test("blocked until a future time (a cancelled job's rate-limit wait still applies)", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    await patchInstallation(t, id, { sync: { blockedUntil: T + 60_000 } });
    expect(await request(t, id, "maintenance")).toMatchObject({
      action: "block",
      reason: "rate_limit_blocked",
      metadata: { blockedUntil: T + 60_000 },
    });
  });

  const budget = (remaining: number) => ({
    core: { resource: "core", limit: 5000, remaining, used: 5000 - remaining, resetAt: T + 600_000, observedAt: T },
  });

  test("manual cooldown, and its stale-data bypass", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    await patchInstallation(t, id, {
      rateLimits: budget(4000),
      sync: { lastManualSyncAt: T - 30_000, lastSyncedAt: T - 20_000 },
    });
    expect(await request(t, id, "manual")).toMatchObject({
      action: "skip",
      reason: "manual_cooldown",
      metadata: { cooldownMs: POLICY.MANUAL_COOLDOWN_MS - 30_000 },
    });
    await patchInstallation(t, id, { sync: { lastSyncedAt: T - 2 * 3_600_000 } });
    expect(await request(t, id, "manual")).toMatchObject({ action: "start", reason: "stale_data_refresh" });
  });

  test("cron skips recently synced installations", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    await patchInstallation(t, id, { rateLimits: budget(4000), sync: { lastSyncedAt: T - 60_000 } });
    expect(await request(t, id, "cron")).toMatchObject({ action: "skip", reason: "recently_synced" });
    expect(await request(t, id, "maintenance")).toMatchObject({ action: "start", reason: "maintenance" });
  });

  test("rate-limit budget: minimum, webhook reserve, refilled after reset", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    await patchInstallation(t, id, { rateLimits: budget(50) });
    expect(await request(t, id, "maintenance")).toMatchObject({
      action: "block",
      reason: "rate_limit_low",
      metadata: { blockedUntil: T + 600_000 },
    });
    await patchInstallation(t, id, { rateLimits: budget(300) });
    expect(await request(t, id, "manual")).toMatchObject({ action: "block", reason: "reserved_for_webhooks" });
    expect(await request(t, id, "cron")).toMatchObject({ action: "block", reason: "reserved_for_webhooks" });
    vi.setSystemTime(T + 600_001);
    expect(await request(t, id, "manual")).toMatchObject({ action: "start", reason: "manual_requested" });
  });

  test("the lowest budget across resources decides (GraphQL and REST are separate)", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    await patchInstallation(t, id, {
      rateLimits: { ...budget(4000), graphql: { ...budget(20).core, resource: "graphql" } },
    });
    expect(await request(t, id, "webhook")).toMatchObject({ action: "block", reason: "rate_limit_low" });
  });

  test("maintenance recovers a stalled job (and only maintenance)", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    const { jobId } = await request(t, id, "webhook");
    await t.run((ctx) =>
      ctx.db.patch(jobId!, { state: "running", lease: { generation: 1, claimed: true, expiresAt: T - 1 } }),
    );
    expect(await request(t, id, "cron")).toMatchObject({ action: "skip", reason: "already_syncing" });
    expect(await request(t, id, "maintenance")).toMatchObject({
      action: "start",
      reason: "recover_stalled_job",
      jobId,
    });
    const [job] = await jobs(t);
    expect(job).toMatchObject({ state: "queued", lease: { generation: 2, claimed: false } });
  });

  test("the maintenance cron reaches every stalled job, beyond one batch", async () => {
    const t = makeConvex();
    const count = RECOVERY_SCAN_LIMIT + 7;
    for (let i = 0; i < count; i++) {
      const id = await createInstallation(t, {
        githubInstallationId: 5_000 + i,
        accountId: 70_000 + i,
        accountLogin: `org${i}`,
      });
      await t.mutation(internal.model.ingest.addRepositories, {
        installationId: id,
        repositories: [repo({ githubId: 900_000 + i, name: `r${i}` })],
      });
      const { jobId } = await request(t, id, "webhook");
      await t.run((ctx) =>
        ctx.db.patch(jobId!, { state: "running", lease: { generation: 1, claimed: true, expiresAt: T - 1 } }),
      );
    }
    // The workers' scheduled runs are lost; only the cron's own continuation may run.
    await t.run(async (ctx) => {
      for (const s of await ctx.db.system.query("_scheduled_functions").collect())
        if (s.state.kind === "pending") await ctx.scheduler.cancel(s._id);
    });
    expect(await t.mutation(internal.sync.maintenance.recoverStalledJobs, {})).toBe(RECOVERY_SCAN_LIMIT);
    const [continuation] = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).filter(
        (s) => s.state.kind === "pending" && s.name.includes("recoverStalledJobs"),
      ),
    );
    expect(continuation).toBeDefined();
    expect(await t.mutation(internal.sync.maintenance.recoverStalledJobs, continuation!.args[0] as never)).toBe(7);
    expect((await jobs(t)).filter((j) => j.state === "queued" && j.lease.generation === 2)).toHaveLength(count);
  });
});

describe("getStatus and syncNow (public)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T });
  });
  afterEach(() => vi.useRealTimers());

  test("idle → syncing with progress; canSyncNow agrees with what syncNow decides", async () => {
    const t = makeConvex();
    const id = await withRepos(t, 3);
    const me = t.withIdentity(await signInAs(t, 9001, "acme-admin")); // the account itself
    await patchInstallation(t, id, {
      rateLimits: {
        core: { resource: "core", limit: 5000, remaining: 4000, used: 1000, resetAt: T + 600_000, observedAt: T },
      },
    });
    const idle = await me.query(api.sync.status.getStatus, { installationId: id });
    expect(idle).toMatchObject({ state: "idle", canSyncNow: true });
    expect(await me.mutation(api.sync.status.syncNow, { installationId: id })).toMatchObject({
      action: "start",
      message: "Sync started.",
    });
    const syncing = await me.query(api.sync.status.getStatus, { installationId: id });
    expect(syncing).toMatchObject({ state: "syncing", canSyncNow: false, activeJobProgress: { current: 0, total: 3 } });
    const again = await me.mutation(api.sync.status.syncNow, { installationId: id });
    expect(again).toMatchObject({ action: "skip", reason: "already_syncing", message: "A sync is already running." });
  });

  test("cooldown is reported with its remaining time; blocked with its time; errors normalized", async () => {
    const t = makeConvex();
    const id = await withRepos(t);
    const me = t.withIdentity(await signInAs(t, 9001, "acme-admin"));
    await patchInstallation(t, id, {
      rateLimits: {
        core: { resource: "core", limit: 5000, remaining: 4000, used: 1000, resetAt: T + 600_000, observedAt: T },
      },
      sync: { lastManualSyncAt: T - 60_000, lastSyncedAt: T - 50_000 },
    });
    expect(await me.query(api.sync.status.getStatus, { installationId: id })).toMatchObject({
      state: "idle",
      canSyncNow: false,
      cooldownMs: POLICY.MANUAL_COOLDOWN_MS - 60_000,
    });
    await patchInstallation(t, id, {
      rateLimits: {
        core: { resource: "core", limit: 5000, remaining: 10, used: 4990, resetAt: T + 600_000, observedAt: T },
      },
      sync: { lastManualSyncAt: undefined },
    });
    expect(await me.query(api.sync.status.getStatus, { installationId: id })).toMatchObject({
      state: "blocked",
      canSyncNow: false,
      blockedUntil: T + 600_000,
    });
    await patchInstallation(t, id, {
      sync: { state: "error", lastSyncError: "GitHub is not responding right now. The sync will be retried." },
    });
    expect(await me.query(api.sync.status.getStatus, { installationId: id })).toMatchObject({
      state: "error",
      lastSyncError: expect.stringContaining("GitHub"),
    });
  });
});
