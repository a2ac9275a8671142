/**
 * An installation of 9,000 repositories (more than Convex's 8,192 array elements): the listing stamps
 * them page by page, unlisted ones are pruned in bounded batches, and the walk visits every one through
 * the index — nothing on the job grows with the installation (the harness checks every document
 * written against Convex's value limits).
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { createInstallation, makeConvex } from "./helpers/convex";
import { repo } from "./helpers/records";

beforeEach(() => {
  vi.useFakeTimers(); // the scheduled worker is not run: the test drives its transactions
});
afterEach(() => vi.useRealTimers());

const REPOSITORIES = 9_000;
const PAGE = 100;
const WALKED = 200;
const name = (i: number) => `repo-${String(i).padStart(5, "0")}`;

test("a listing of 9,000 repositories: stamped, pruned, walked to the end with a job of constant size", async () => {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  // Repositories the App lost access to since the last listing: pruned when this listing completes.
  const gone = Array.from({ length: 30 }, (_, i) => repo({ githubId: 900_000 + i, name: `gone-${i}` }));
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: gone });
  const { jobId } = await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" });
  const lease = { jobId: jobId!, generation: 1 };
  const claim = await t.mutation(internal.sync.jobs.claimSlice, lease);
  expect(claim).not.toBeNull();

  const listing = Date.now();
  const none = { stats: { requests: 1, notModified: 0 }, rateLimits: [] };
  for (let first = 0; first < REPOSITORIES; first += PAGE) {
    const repositories = Array.from({ length: PAGE }, (_, i) =>
      repo({ githubId: 10_000 + first + i, name: name(first + i) }),
    );
    const last = first + PAGE >= REPOSITORIES;
    const cursor = last
      ? { ...claim!.cursor, phase: "prune" as const, page: undefined, listing }
      : { ...claim!.cursor, phase: "list" as const, page: `page-${first / PAGE + 2}`, listing };
    const ok = await t.mutation(internal.sync.listingJobs.commitListing, {
      ...lease,
      repositories,
      cursor,
      ...(first === 0 && { total: REPOSITORIES }),
      ...none,
    });
    expect(ok).toBe(true);
  }
  let batches = 0;
  while (await t.mutation(internal.sync.listingJobs.pruneUnlisted, { ...lease, listing })) batches += 1;
  expect(batches).toBe(0); // 30 unlisted: one batch
  const visible = await t.run((ctx) =>
    ctx.db
      .query("repositories")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", false))
      .collect(),
  );
  expect(visible).toHaveLength(REPOSITORIES);

  // The walk: repositories are admitted one after another through the index (a bounded window in
  // flight); each is finished at once here, as the worker would after its pages. convex-test scans a
  // range per admission (a deployment seeks), so the walk is checked over its first WALKED and then
  // resumed near the end, where the walk must still find every repository after the last admitted.
  await t.run((ctx) => ctx.db.patch(jobId!, { cursor: { ...claim!.cursor, phase: "walk", listing } }));
  let previous = "";
  let walked = 0;
  const walk = async (limit: number) => {
    for (let step = 0; step < limit; step++) {
      const admitted = await t.mutation(internal.sync.jobs.admitRepository, lease);
      if (!admitted || admitted.kind !== "repository") {
        expect(admitted?.kind).toBe("end");
        break;
      }
      expect(admitted.repository.fullName > previous).toBe(true);
      previous = admitted.repository.fullName;
      walked += 1;
      const done = await t.mutation(internal.sync.jobs.commitPage, {
        ...lease,
        records: [],
        repositoryDone: true,
        repositoryUpdate: { repositoryId: admitted.repository.id, syncStatus: "ready" },
        ...none,
      });
      expect(done).toBe(true);
    }
  };
  await walk(WALKED);
  expect(walked).toBe(WALKED);
  // Resume as a later slice would, after the 8,900th repository: the rest, then the end.
  const resumeAfter = name(REPOSITORIES - 101);
  await t.run((ctx) =>
    ctx.db.patch(jobId!, { cursor: { ...claim!.cursor, phase: "walk", listing, after: `acme/${resumeAfter}` } }),
  );
  previous = `acme/${resumeAfter}`;
  walked = 0;
  await walk(REPOSITORIES);
  expect(walked).toBe(100);

  const job = await t.run((ctx) => ctx.db.get(jobId!));
  expect(job!.progress.total).toBe(REPOSITORIES);
  expect(JSON.stringify(job).length).toBeLessThan(4_000);
  expect(Object.values(job!).some((value) => Array.isArray(value))).toBe(false);
}, 600_000);
