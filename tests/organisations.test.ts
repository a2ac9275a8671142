/**
 * Organisations overview (issue 14, deliverable 5; seed 004): a user who sees several installations
 * gets a rollup of each — repositories and open PRs from the counters, merged PRs, median cycle time
 * and deployments over 30 days from the buckets, the sync state — and only of what they may read:
 * a member's rollup leaves out the private repositories not granted to them.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { DAY_MS, dayOf } from "../convex/model/contribution";
import type { AnyRecord, DeploymentRecord } from "../convex/model/records";
import { createInstallation, makeConvex, measureQuery, signInAs, type TestConvex } from "./helpers/convex";
import { expectQueriesIgnoreClock } from "./helpers/clock";
import { HOUR, pr, repo, T0 } from "./helpers/records";

beforeEach(() => vi.useFakeTimers({ now: T0 + 2 * DAY_MS }));
afterEach(() => vi.useRealTimers());

const LEAD = { id: 77, login: "lead" };
const today = dayOf(T0) + 3;

const merged = (repoGithubId: number, number: number, hours: number): AnyRecord => ({
  kind: "pullRequest",
  record: pr({
    repoGithubId,
    githubId: repoGithubId * 100 + number,
    number,
    headSha: `${repoGithubId}${number}`.padEnd(40, "0"),
    url: `https://github.com/acme/r${repoGithubId}/pull/${number}`,
    state: "merged",
    createdAt: T0,
    updatedAt: T0 + hours * HOUR,
    closedAt: T0 + hours * HOUR,
    mergedAt: T0 + hours * HOUR,
  }),
});
const openPr = (repoGithubId: number, number: number): AnyRecord => ({
  kind: "pullRequest",
  record: pr({
    repoGithubId,
    githubId: repoGithubId * 100 + number,
    number,
    headSha: `${repoGithubId}${number}`.padEnd(40, "1"),
    url: `https://github.com/acme/r${repoGithubId}/pull/${number}`,
  }),
});
const deployed = (repoGithubId: number, githubId: number): AnyRecord => {
  const record: DeploymentRecord = {
    githubId,
    repoGithubId,
    source: "deployment",
    environment: "production",
    productionEnvironment: true,
    sha: "d".repeat(40),
    url: `https://api.github.com/repos/acme/r${repoGithubId}/deployments/${githubId}`,
    createdAt: T0 + 50 * HOUR,
    updatedAt: T0 + 51 * HOUR,
    state: "success",
    succeededAt: T0 + 51 * HOUR,
  };
  return { kind: "deployment", record };
};

/** acme: a public and a private repository; globex: one public repository. The lead installed both. */
async function setup() {
  const t = makeConvex();
  const acme = await createInstallation(t);
  const globex = await createInstallation(t, { githubInstallationId: 1002, accountLogin: "globex", accountId: 9002 });
  await t.run(async (ctx) => {
    for (const id of [acme, globex]) await ctx.db.patch(id, { installedByGithubUserId: LEAD.id });
    for (const [githubUserId, login, accountId] of [
      [88, "acme-dev", 9001],
      [99, "both-dev", 9001],
      [99, "both-dev", 9002],
    ] as const) {
      await ctx.db.insert("orgMemberships", { accountId, githubUserId, login, updatedAt: T0, role: "member" });
    }
  });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId: acme,
    repositories: [repo(), repo({ githubId: 501, name: "secret", private: true })],
  });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId: globex,
    repositories: [repo({ githubId: 600, name: "gadgets", ownerLogin: "globex", fullName: "globex/gadgets" })],
  });
  const apply = (installationId: Id<"installations">, ...records: AnyRecord[]) =>
    t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  // Cycle 4 h in widgets, 40 h in secret; one open PR each in widgets and secret.
  await apply(acme, merged(500, 1, 4), openPr(500, 2), merged(501, 1, 40), openPr(501, 2));
  await apply(acme, deployed(500, 1), deployed(501, 2));
  await apply(globex, merged(600, 1, 10), merged(600, 2, 12), deployed(600, 3));
  await t.finishAllScheduledFunctions(vi.runAllTimers, 1_000);
  return {
    t,
    acme,
    globex,
    lead: await signInAs(t, LEAD.id, LEAD.login),
    acmeDev: await signInAs(t, 88, "acme-dev"),
    bothDev: await signInAs(t, 99, "both-dev"),
  };
}

const overview = (t: TestConvex, identity: { subject: string }, args: { today?: number } = { today }) =>
  t.withIdentity(identity).query(api.dashboard.organisations.overview, args);

describe("organisations overview", () => {
  test("a user who sees both installations gets both rollups; one who sees one gets one", async () => {
    const { t, acme, globex, lead, acmeDev } = await setup();
    expect(await overview(t, lead)).toEqual([
      {
        installationId: acme,
        account: { login: "acme", type: "Organization" },
        repositories: 2,
        openPullRequests: 2,
        openPullRequestsByHealth: { green: expect.any(Number), yellow: expect.any(Number), red: expect.any(Number) },
        merged30d: 2,
        // 4 h and 40 h: the median of the summed histograms, as the Analytics page reads it (checked below).
        medianCycleHours30d: expect.any(Number),
        deployments30d: 2,
        syncState: "idle",
        lastSyncedAt: null,
      },
      expect.objectContaining({
        installationId: globex,
        account: { login: "globex", type: "Organization" },
        repositories: 1,
        openPullRequests: 0,
        merged30d: 2,
        medianCycleHours30d: expect.any(Number),
        deployments30d: 1,
      }),
    ]);
    const mine = await overview(t, acmeDev);
    expect(mine.map((r) => r.account.login)).toEqual(["acme"]);
    // Nobody signed in: nothing.
    expect(await t.query(api.dashboard.organisations.overview, { today })).toEqual([]);
  });

  test("a member's rollup leaves out the private repository they cannot read, until it is granted", async () => {
    const { t, acme, bothDev } = await setup();
    const [acmeRollup, globexRollup] = await overview(t, bothDev);
    expect(acmeRollup).toMatchObject({
      installationId: acme,
      repositories: 1,
      openPullRequests: 1,
      merged30d: 1,
      medianCycleHours30d: expect.any(Number),
      deployments30d: 1,
    });
    expect(globexRollup).toMatchObject({ repositories: 1, merged30d: 2, deployments30d: 1 });

    await t.run(async (ctx) => {
      const secret = (await ctx.db
        .query("repositories")
        .withIndex("by_installation_github_id", (q) => q.eq("installationId", acme).eq("githubId", 501))
        .unique())!;
      await ctx.db.insert("repositoryGrants", {
        installationId: acme,
        repositoryId: secret._id,
        githubUserId: 99,
        permission: "read",
        seenAt: T0,
      });
    });
    expect((await overview(t, bothDev))[0]).toMatchObject({
      repositories: 2,
      openPullRequests: 2,
      merged30d: 2,
      deployments30d: 2,
    });
  });

  test("the window: `today`, or the newest data; outside it nothing counts; the clock never matters", async () => {
    const { t, lead, bothDev } = await setup();
    const [withoutToday] = await overview(t, lead, {});
    expect(withoutToday).toMatchObject({ merged30d: 2, deployments30d: 2 });
    const [later] = await overview(t, lead, { today: today + 40 });
    expect(later).toMatchObject({ merged30d: 0, medianCycleHours30d: null, deployments30d: 0, repositories: 2 });
    await expect(overview(t, lead, { today: 1.5 })).rejects.toThrow(/today must be a UTC day number/);
    for (const identity of [lead, bothDev]) {
      await expectQueriesIgnoreClock(t, identity, [
        [api.dashboard.organisations.overview, { today }],
        [api.dashboard.organisations.overview, {}],
      ]);
    }
  });

  test("reads a fixed number of documents per installation (one per day and series), whatever the number of PRs", async () => {
    const { t, acme, lead } = await setup();
    const before = await measureQuery(t, lead, api.dashboard.organisations.overview, { today });
    // 60 more PRs merged on a day that already has its buckets.
    const many = Array.from({ length: 60 }, (_, i) => merged(500, 100 + i, 2 + (i % 8)));
    await t.mutation(internal.model.ingest.applyRecords, { installationId: acme, records: many });
    const after = await measureQuery(t, lead, api.dashboard.organisations.overview, { today });
    expect(after.result[0]!.merged30d).toBe(62);
    expect(after.documentsRead).toBe(before.documentsRead);
  });
});
