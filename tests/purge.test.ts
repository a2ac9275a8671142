/**
 * Uninstalling deletes everything stored about the installation, in every room (read model, settings,
 * alerts, notifications, sync figures), each by its owner; the installation row stays as a tombstone
 * and the SyncService keeps its own job history.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { TableNames } from "../convex/_generated/dataModel";
import { setInstallationStatus } from "../convex/model/installations";
import schema from "../convex/schema";
import { createInstallation, makeConvex, signInAs } from "./helpers/convex";
import { seedInstallation } from "./helpers/seed";

/** Kept on purpose: the tombstone, and the job history the SyncService prunes itself. */
const KEPT: TableNames[] = ["installations", "syncJobs"];

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("every document about an uninstalled installation goes, in bounded batches", async () => {
  const t = makeConvex();
  const installationId = await createInstallation(t, { accountId: 9001 });
  const other = await createInstallation(t, { githubInstallationId: 2002, accountId: 9002, accountLogin: "other" });
  await seedInstallation(t, installationId, 3, 60);
  await seedInstallation(t, other, 1, 5, { repoIdBase: 900_000 });
  const owner = t.withIdentity(await signInAs(t, 9001, "acme"));
  await owner.mutation(api.settings.update, { installationId, staleAfterDays: 3 });
  await owner.mutation(api.notify.destinations.add, {
    installationId,
    url: "https://hooks.slack.com/services/T1/B1/abc",
    label: "#eng",
  });
  await owner.query(api.alerts.bell.list, { installationId, paginationOpts: { numItems: 5, cursor: null } });
  await t.finishAllScheduledFunctions(vi.runAllTimers);

  const aboutIt = async () => {
    const left: Record<string, number> = {};
    for (const table of Object.keys(schema.tables) as TableNames[]) {
      if (KEPT.includes(table)) continue;
      const n = await t.run(
        async (ctx) =>
          (await ctx.db.query(table).collect()).filter(
            (d) => (d as { installationId?: unknown }).installationId === installationId,
          ).length,
      );
      if (n > 0) left[table] = n;
    }
    return left;
  };
  const before = await aboutIt();
  expect(Object.keys(before)).toEqual(
    expect.arrayContaining(["repositories", "pullRequests", "metricBuckets", "installationSettings"]),
  );
  expect(before.notificationDestinations).toBe(1);

  await t.run(async (ctx) => setInstallationStatus(ctx, (await ctx.db.get(installationId))!, "deleted"));
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(await aboutIt()).toEqual({});
  // The other installation keeps all of its own.
  const otherPrs = await t.run(async (ctx) =>
    (await ctx.db.query("pullRequests").collect()).filter((p) => p.installationId === other),
  );
  expect(otherPrs).toHaveLength(5);
});
