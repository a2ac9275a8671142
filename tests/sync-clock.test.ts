/**
 * getStatus changes at its time boundaries because a mutation scheduled for that instant changes data,
 * never because the query read the clock (a subscribed query re-runs only when its data changes).
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { recordMembership } from "../convex/memberships";
import { POLICY } from "../convex/sync/policy";
import { createInstallation, makeConvex, signInAs } from "./helpers/convex";
import { repo } from "./helpers/records";
import { patchSyncState } from "./helpers/syncState";

const T = Date.UTC(2026, 10, 24, 12);

async function setup() {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
  await t.run((ctx) => recordMembership(ctx, { accountId: 9001, githubUserId: 42, login: "mona", member: true }));
  const me = t.withIdentity(await signInAs(t, 42, "mona"));
  const core = { resource: "core", limit: 5000, remaining: 4000, used: 1000, resetAt: T + 3_600_000, observedAt: T };
  await patchSyncState(t, installationId, { rateLimits: { core } });
  return { t, me, installationId };
}

describe("status time boundaries are carried by data", () => {
  afterEach(() => vi.useRealTimers());

  test("the manual cooldown ends: Sync Now enables itself through a scheduled status tick", async () => {
    vi.useFakeTimers({ now: T });
    const { t, me, installationId } = await setup();
    // Fresh data (stale data may always be refreshed, which would bypass the cooldown).
    await patchSyncState(t, installationId, { sync: { lastSyncedAt: T - 60_000 } });
    expect(await me.mutation(api.sync.status.syncNow, { installationId })).toMatchObject({ action: "start" });
    await t.mutation(internal.sync.operators.cancelActiveJob, { installationId });
    const during = await me.query(api.sync.status.getStatus, { installationId });
    expect(during).toMatchObject({ state: "idle", canSyncNow: false, cooldownEndsAt: T + POLICY.MANUAL_COOLDOWN_MS });

    // Time passes and nothing changes: the answer is the same (the query does not read the clock).
    vi.setSystemTime(T + POLICY.MANUAL_COOLDOWN_MS + 60_000);
    expect(await me.query(api.sync.status.getStatus, { installationId })).toEqual(during);

    // The tick scheduled for the cooldown's end runs: the status changes with no other write.
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await me.query(api.sync.status.getStatus, { installationId })).toMatchObject({
      state: "idle",
      canSyncNow: true,
    });
  });

  test("a budget block lifts at the reset: the status unblocks through a scheduled tick", async () => {
    vi.useFakeTimers({ now: T });
    const { t, me, installationId } = await setup();
    const resetAt = T + 20 * 60_000;
    const low = { resource: "core", limit: 5000, remaining: 50, used: 4950, resetAt, observedAt: T };
    await patchSyncState(t, installationId, { rateLimits: { core: low } });
    expect(await me.mutation(api.sync.status.syncNow, { installationId })).toMatchObject({ action: "block" });
    const blocked = await me.query(api.sync.status.getStatus, { installationId });
    expect(blocked).toMatchObject({ state: "blocked", canSyncNow: false, blockedUntil: resetAt });

    vi.setSystemTime(resetAt + 60_000);
    expect(await me.query(api.sync.status.getStatus, { installationId })).toEqual(blocked);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await me.query(api.sync.status.getStatus, { installationId })).toMatchObject({
      state: "idle",
      canSyncNow: true,
    });
  });
});
