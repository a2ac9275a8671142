import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { syncDecisionMessage } from "../convex/messages";
import { evaluate, POLICY, type PolicyState, type Trigger } from "../convex/sync/policy";

const NOW = Date.UTC(2026, 10, 24, 12);
const MIN = 60_000;
const healthy: PolicyState = {
  installationStatus: "active",
  repositoryCount: 3,
  activeJob: null,
  lastSyncedAt: NOW - 40 * MIN,
  rateLimit: { remaining: 4_000, limit: 5_000, resetAt: NOW + 30 * MIN },
};
const TRIGGERS: Trigger[] = ["manual", "cron", "webhook", "maintenance"];

describe("evaluate: every branch", () => {
  test.each<[string, Partial<PolicyState>, Trigger, string, string, object?]>([
    ["suspended installation", { installationStatus: "suspended" }, "maintenance", "skip", "installation_suspended"],
    ["deleted installation", { installationStatus: "deleted" }, "webhook", "skip", "installation_deleted"],
    ["no repositories", { repositoryCount: 0 }, "manual", "skip", "no_repositories"],
    ["a job already active", { activeJob: { stalled: false } }, "manual", "skip", "already_syncing"],
    ["stalled job, not maintenance", { activeJob: { stalled: true } }, "cron", "skip", "already_syncing"],
    [
      "stalled job, maintenance recovers it",
      { activeJob: { stalled: true } },
      "maintenance",
      "start",
      "recover_stalled_job",
    ],
    [
      "blockedUntil in the future",
      { blockedUntil: NOW + 5 * MIN },
      "maintenance",
      "block",
      "rate_limit_blocked",
      { blockedUntil: NOW + 5 * MIN },
    ],
    ["blockedUntil in the past", { blockedUntil: NOW - 1 }, "webhook", "start", "webhook_backfill"],
    [
      "manual within cooldown",
      { lastManualSyncAt: NOW - 30_000, lastSyncedAt: NOW - 20_000 },
      "manual",
      "skip",
      "manual_cooldown",
      { cooldownMs: POLICY.MANUAL_COOLDOWN_MS - 30_000 },
    ],
    [
      "manual within cooldown but data stale",
      { lastManualSyncAt: NOW - 30_000, lastSyncedAt: NOW - 2 * 60 * MIN },
      "manual",
      "start",
      "stale_data_refresh",
    ],
    [
      "manual after cooldown",
      { lastManualSyncAt: NOW - 3 * MIN, lastSyncedAt: NOW - 2 * MIN },
      "manual",
      "start",
      "manual_requested",
    ],
    ["manual, never synced", { lastSyncedAt: undefined }, "manual", "start", "manual_requested"],
    [
      "maintenance bypasses the cooldown",
      { lastManualSyncAt: NOW - 30_000, lastSyncedAt: NOW - 20_000 },
      "maintenance",
      "start",
      "maintenance",
    ],
    ["cron after a recent sync", { lastSyncedAt: NOW - 10 * MIN }, "cron", "skip", "recently_synced"],
    ["cron when due", { lastSyncedAt: NOW - 31 * MIN }, "cron", "start", "scheduled"],
    ["maintenance bypasses the cron interval", { lastSyncedAt: NOW - MIN }, "maintenance", "start", "maintenance"],
    ["webhook backfill", {}, "webhook", "start", "webhook_backfill"],
    [
      "budget below the minimum blocks even maintenance",
      { rateLimit: { remaining: 50, limit: 5_000, resetAt: NOW + 9 * MIN } },
      "maintenance",
      "block",
      "rate_limit_low",
      { blockedUntil: NOW + 9 * MIN },
    ],
    [
      "budget below the minimum blocks webhooks",
      { rateLimit: { remaining: 50, limit: 5_000, resetAt: NOW + 9 * MIN } },
      "webhook",
      "block",
      "rate_limit_low",
    ],
    [
      "the webhook reserve blocks a manual sync",
      { rateLimit: { remaining: 300, limit: 5_000, resetAt: NOW + 9 * MIN } },
      "manual",
      "block",
      "reserved_for_webhooks",
      { blockedUntil: NOW + 9 * MIN },
    ],
    [
      "the webhook reserve blocks cron",
      { rateLimit: { remaining: 300, limit: 5_000, resetAt: NOW + 9 * MIN }, lastSyncedAt: NOW - 40 * MIN },
      "cron",
      "block",
      "reserved_for_webhooks",
    ],
    [
      "…but not a webhook backfill",
      { rateLimit: { remaining: 300, limit: 5_000, resetAt: NOW + 9 * MIN } },
      "webhook",
      "start",
      "webhook_backfill",
    ],
    [
      "a low figure whose reset passed counts as refilled",
      { rateLimit: { remaining: 0, limit: 5_000, resetAt: NOW - 1 } },
      "manual",
      "start",
      "manual_requested",
    ],
    [
      "unknown budget: start, and the worker reads it first",
      { rateLimit: undefined },
      "cron",
      "start",
      "budget_unknown",
    ],
  ])("%s", (_name, patch, trigger, action, reason, metadata) => {
    const d = evaluate({ ...healthy, ...patch }, trigger, NOW);
    expect(d).toMatchObject({ action, reason });
    if (metadata) expect(d.metadata).toEqual(metadata);
    expect(syncDecisionMessage(d).length).toBeGreaterThan(5);
  });
});

describe("evaluate: properties", () => {
  const state: fc.Arbitrary<PolicyState> = fc.record(
    {
      installationStatus: fc.constantFrom("active", "suspended", "deleted"),
      repositoryCount: fc.nat(50),
      activeJob: fc.option(fc.record({ stalled: fc.boolean() }), { nil: null }),
      blockedUntil: fc.integer({ min: NOW - 3_600_000, max: NOW + 3_600_000 }),
      lastSyncedAt: fc.integer({ min: NOW - 10_000_000, max: NOW }),
      lastManualSyncAt: fc.integer({ min: NOW - 10_000_000, max: NOW }),
      rateLimit: fc.record({
        remaining: fc.nat(5000),
        limit: fc.constant(5000),
        resetAt: fc.integer({ min: NOW - 3_600_000, max: NOW + 3_600_000 }),
      }),
    },
    { requiredKeys: ["installationStatus", "repositoryCount", "activeJob"] },
  );

  test("never starts a second job, never starts while blocked, never starts an inactive installation", () => {
    fc.assert(
      fc.property(state, fc.constantFrom(...TRIGGERS), (s, trigger) => {
        const d = evaluate(s, trigger, NOW);
        if (d.action !== "start") return;
        expect(s.installationStatus).toBe("active");
        if (s.activeJob) expect(trigger === "maintenance" && s.activeJob.stalled).toBe(true);
        if (!s.activeJob && s.blockedUntil !== undefined) expect(s.blockedUntil).toBeLessThanOrEqual(NOW);
      }),
      { numRuns: 2_000 },
    );
  });

  test("maintenance is never throttled by users but never exceeds the rate limit", () => {
    fc.assert(
      fc.property(state, (s) => {
        const d = evaluate(s, "maintenance", NOW);
        expect(["manual_cooldown", "recently_synced", "reserved_for_webhooks"]).not.toContain(d.reason);
        const r = s.rateLimit;
        if (d.action === "start" && r && !s.activeJob && r.resetAt > NOW)
          expect(r.remaining).toBeGreaterThanOrEqual(POLICY.MIN_BUDGET_TO_START);
      }),
      { numRuns: 2_000 },
    );
  });
});
