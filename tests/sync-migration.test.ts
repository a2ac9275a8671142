/**
 * The migration that empties the fields and cursor phases from before the walk window
 * (`sync/maintenance:dropDeprecated`), as an operator runs it: once, from the dashboard, continuing itself.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { createInstallation, makeConvex } from "./helpers/convex";

beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 11, 1) }));
afterEach(() => vi.useRealTimers());

test("dropDeprecated rewrites old cursors as the walk they resume as, removes old fields, and is idempotent", async () => {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [{ githubId: 1, name: "app", fullName: "acme/app", private: false }],
  });
  const { repositoryId, oldJob, currentJob } = await t.run(async (ctx) => {
    const repositoryId = (await ctx.db.query("repositories").first())!._id;
    const snapshot = { resource: "core", limit: 5000, remaining: 4000, used: 1000, resetAt: 0, observedAt: 0 };
    await ctx.db.patch(installationId, { rateLimits: { core: snapshot }, repositoriesEtag: '"abc"' });
    const base = {
      installationId,
      trigger: "cron" as const,
      createdAt: Date.now(),
      lease: { generation: 1, claimed: false, expiresAt: 0 },
      attempt: 0,
      progress: { current: 0, total: 1, itemsFetched: 0 },
      stats: { requests: 0, notModified: 0, primaryBudgetUsed: 0, itemsWritten: 0, mutations: 0 },
    };
    // Many installations' worth of old jobs, so the migration has to continue itself.
    for (let i = 0; i < 120; i++) {
      await ctx.db.insert("syncJobs", {
        ...base,
        state: "completed",
        cursor: { phase: "commits", pageSize: 25, repositoryId, repositoryName: "acme/app", repoIndex: 0 },
        repositoryIds: [repositoryId],
      });
    }
    const oldJob = await ctx.db.insert("syncJobs", {
      ...base,
      state: "completed",
      cursor: { phase: "pulls", pageSize: 25, page: "Y3Vyc29y", repositoryId, repositoryName: "acme/app", listed: [1] },
      repositoryIds: [repositoryId],
    });
    const currentJob = await ctx.db.insert("syncJobs", {
      ...base,
      state: "completed",
      cursor: { phase: "walk", stage: "history", pageSize: 50, after: "acme/app", window: [] },
    });
    return { repositoryId, oldJob, currentJob };
  });
  const before = await t.run((ctx) => ctx.db.get(currentJob));

  await t.mutation(internal.sync.maintenance.dropDeprecated, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);

  const after = await t.run(async (ctx) => ({
    installation: (await ctx.db.get(installationId))!,
    old: (await ctx.db.get(oldJob))!,
    current: (await ctx.db.get(currentJob))!,
    jobs: await ctx.db.query("syncJobs").collect(),
  }));
  expect(after.installation.rateLimits).toBeUndefined();
  expect(after.installation.repositoriesEtag).toBeUndefined();
  expect(after.old.cursor).toEqual({
    phase: "walk",
    stage: "full",
    pageSize: 25,
    window: [repositoryId],
    after: "acme/app",
  });
  expect(after.old.repositoryIds).toBeUndefined();
  expect(after.current).toEqual(before);
  const deprecated = after.jobs.filter(
    (j) => j.repositoryIds !== undefined || !["list", "prune", "walk", "people"].includes(j.cursor.phase),
  );
  expect(deprecated).toEqual([]);

  // Run again: nothing left to change.
  const snapshot = JSON.stringify(after.jobs);
  await t.mutation(internal.sync.maintenance.dropDeprecated, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(JSON.stringify(await t.run((ctx) => ctx.db.query("syncJobs").collect()))).toBe(snapshot);
});
