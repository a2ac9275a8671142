import { DURATIONS, quantileHours, sampleOf } from "../convex/metrics/histogram";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { FunctionArgs, PaginationResult } from "convex/server";
import { api, internal } from "../convex/_generated/api";
import type { DeploymentListRow } from "../convex/dashboard/dora";
import { DEPLOYMENTS_PAGE_QUERY } from "../convex/github/deploymentPages";
import { recordMembership } from "../convex/memberships";
import type { AnyRecord, DeploymentRecord } from "../convex/model/records";
import { queryCost, validateDocument } from "./fakeGitHub/graphql";
import { createInstallation, expectNoAggregateDifferences, makeConvex, signInAs } from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";
import { HOUR, pr, repo, T0 } from "./helpers/records";

const DAY = 24 * HOUR;
const MINUTE = 60_000;
const day0 = Math.floor(T0 / DAY);

let nextId = 1;
const deployment = (o: Partial<DeploymentRecord> = {}): AnyRecord => ({
  kind: "deployment",
  record: {
    githubId: nextId++,
    repoGithubId: 500,
    source: "deployment",
    environment: "production",
    sha: "d".repeat(40),
    url: "https://api.github.com/repos/acme/widgets/deployments/1",
    createdAt: T0,
    updatedAt: T0,
    state: "pending",
    ...o,
  },
});
const succeeded = (at: number, o: Partial<DeploymentRecord> = {}) =>
  deployment({ createdAt: at, updatedAt: at + 10 * MINUTE, state: "success", succeededAt: at + 10 * MINUTE, ...o });
const failed = (at: number, o: Partial<DeploymentRecord> = {}) =>
  deployment({ createdAt: at, updatedAt: at + 10 * MINUTE, state: "failure", failedAt: at + 10 * MINUTE, ...o });

type Caller = { query: ReturnType<typeof makeConvex>["query"] };
/** Every page of the DORA drill-down, 2 rows at a time. */
async function listDeployments(
  caller: Caller,
  args: Omit<FunctionArgs<typeof api.dashboard.dora.deployments>, "paginationOpts">,
): Promise<DeploymentListRow[]> {
  const rows: DeploymentListRow[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: PaginationResult<DeploymentListRow> = await caller.query(api.dashboard.dora.deployments, {
      ...args,
      paginationOpts: { numItems: 2, cursor },
    });
    rows.push(...page.page);
    if (page.isDone) return rows;
    cursor = page.continueCursor;
  }
}

async function setup(repos = [repo()]) {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: repos });
  const apply = (...records: AnyRecord[]) =>
    t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  // The account itself (9001): an administrator who sees every repository.
  const admin = t.withIdentity(await signInAs(t, 9001, "acme"));
  return { t, installationId, apply, admin };
}

describe("DORA metrics", () => {
  test("the four keys and their bands on known data", async () => {
    const { t, installationId, apply, admin } = await setup();
    // 14 production successes over 28 days (every other day), one failure restored 12 hours later.
    await apply(...Array.from({ length: 14 }, (_, k) => succeeded(T0 + 2 * k * DAY)));
    await apply(failed(T0 + 5 * DAY + 12 * HOUR - 10 * MINUTE));
    // A staging deployment counts for nothing.
    await apply(succeeded(T0 + 3 * DAY, { environment: "staging" }));
    // Three changes: first commit (creation) 2 hours before the start, merged a day later, shipped by
    // the success created on day 2 (at T0 + 2 days + 10 minutes): 50 hours' lead time each.
    await apply(
      ...[1, 2, 3].map(
        (n) =>
          ({
            kind: "pullRequest",
            record: pr({
              number: n,
              createdAt: T0 - 2 * HOUR,
              state: "merged",
              mergedAt: T0 + DAY + HOUR,
              closedAt: T0 + DAY + HOUR,
              updatedAt: T0 + DAY + HOUR,
            }),
          }) as const,
      ),
    );
    const m = (await admin.query(api.dashboard.dora.metrics, { installationId, from: day0, to: day0 + 27 }))!;
    expect(m.hasDeployments).toBe(true);
    expect(m.deploymentFrequency).toEqual({ deployments: 14, perWeek: 3.5, band: "high" });
    expect(m.changeFailureRate).toEqual({ deployments: 15, failures: 1, rate: 0.067, band: "high" });
    // The one restore's time, read within its bin (convex/metrics/histogram.ts).
    const restored = await t.run(async (ctx) =>
      (await ctx.db.query("deployments").collect()).find((d) => d.restoreMs !== undefined),
    );
    expect(restored!.restoreMs).toBeGreaterThan(12 * HOUR);
    expect(m.timeToRestore).toEqual({
      restores: 1,
      p50Hours: quantileHours(sampleOf(DURATIONS, restored!.restoreMs!), 0.5),
      band: "high",
    });
    expect(m.leadTime).toMatchObject({ changes: 3, band: "high" });
    expect(m.leadTime.p50Hours).toBeGreaterThanOrEqual(32);
    expect(m.leadTime.p50Hours).toBeLessThan(64);
    // 28 days: one period per day, each with its own outcome.
    expect(m.periods).toHaveLength(28);
    expect(m.periods[0]).toMatchObject({ start: day0, end: day0, deployments: 1, successes: 1, failures: 0 });
    // Day 6: the failure (at midnight) and the success that restored it at noon.
    expect(m.periods[6]).toMatchObject({ deployments: 2, successes: 1, failures: 1 });
    // Longer ranges: weeks, then months.
    const quarter = (await admin.query(api.dashboard.dora.metrics, { installationId, from: day0, to: day0 + 89 }))!;
    expect(quarter.periods[0]!.label).toMatch(/^Week of /);
    const year = (await admin.query(api.dashboard.dora.metrics, { installationId, from: day0, to: day0 + 365 }))!;
    expect(year.periods[0]!.label).toBe("2026-10");
    expect(year.deploymentFrequency.band).toBe("medium"); // 14 in a year: ≥ 1 a month
    await expect(
      admin.query(api.dashboard.dora.metrics, { installationId, from: day0, to: day0 + 367 }),
    ).rejects.toThrow(/at most 366 days/);
    await expect(
      admin.query(api.dashboard.dora.metrics, { installationId, from: day0 + 0.5, to: day0 }),
    ).rejects.toThrow();

    // Each figure drills down to the deployments behind it, newest first, a page at a time.
    const range = { installationId, from: day0, to: day0 + 27 };
    const all = await listDeployments(admin, range);
    expect(all).toHaveLength(m.changeFailureRate.deployments);
    expect(all.map((d) => d.at)).toEqual([...all.map((d) => d.at)].sort((a, b) => b - a));
    expect(all.every((d) => d.environment === "production" && d.repository === "acme/widgets")).toBe(true);
    expect(all[0]).toMatchObject({ url: "https://github.com/acme/widgets/deployments/production", outcome: "success" });
    expect(await listDeployments(admin, { ...range, outcome: "success" })).toHaveLength(14);
    const failures = await listDeployments(admin, { ...range, outcome: "failure" });
    expect(failures.map((d) => d.at)).toEqual([T0 + 5 * DAY + 12 * HOUR]);
    expect((await listDeployments(admin, { ...range, outcome: "restore" })).map((d) => [d.at, d.restoreHours])).toEqual(
      [[T0 + 6 * DAY + 10 * MINUTE, 12.2]], // 12 h 10 min
    );
    // A day's period lists that day's only.
    expect(await listDeployments(admin, { ...range, from: day0 + 6, to: day0 + 6 })).toHaveLength(2);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("no deployments: no bands, and the page is told so", async () => {
    const { installationId, admin } = await setup();
    const m = (await admin.query(api.dashboard.dora.metrics, { installationId, from: day0, to: day0 + 6 }))!;
    expect(m).toMatchObject({
      hasDeployments: false,
      deploymentFrequency: { deployments: 0, band: null },
      changeFailureRate: { rate: null, band: null },
      timeToRestore: { p50Hours: null, band: null },
      leadTime: { p50Hours: null, band: null },
    });
  });

  test("a restricted member sees no private repository's deployments", async () => {
    const vault = repo({ githubId: 501, name: "vault", private: true });
    const { t, installationId, apply, admin } = await setup([repo(), vault]);
    await apply(succeeded(T0), succeeded(T0 + DAY), failed(T0 + 2 * DAY, { repoGithubId: 501 }));
    await apply(succeeded(T0 + 3 * DAY, { repoGithubId: 501 }), succeeded(T0 + 4 * DAY, { repoGithubId: 501 }));
    await t.run((ctx) => recordMembership(ctx, { accountId: 9001, githubUserId: 42, login: "mona", member: true }));
    const member = t.withIdentity(await signInAs(t, 42, "mona"));
    const range = { installationId, from: day0, to: day0 + 6 };
    const all = (await admin.query(api.dashboard.dora.metrics, range))!;
    expect(all.changeFailureRate).toMatchObject({ deployments: 5, failures: 1 });
    expect(all.timeToRestore.restores).toBe(1);
    const mine = (await member.query(api.dashboard.dora.metrics, range))!;
    expect(mine.changeFailureRate).toMatchObject({ deployments: 2, failures: 0 });
    expect(mine.timeToRestore.restores).toBe(0);
    expect(await listDeployments(admin, range)).toHaveLength(5);
    expect((await listDeployments(member, range)).map((d) => d.repository)).toEqual(["acme/widgets", "acme/widgets"]);
    const vaultId = (await t.run((ctx) => ctx.db.query("repositories").collect())).find((r) => r.private)!._id;
    expect(await member.query(api.dashboard.dora.metrics, { ...range, repositoryId: vaultId })).toBeNull();
    expect(await listDeployments(member, { ...range, repositoryId: vaultId })).toEqual([]);
    expect(await listDeployments(admin, { ...range, repositoryId: vaultId })).toHaveLength(3);
    expect(
      (await admin.query(api.dashboard.dora.metrics, { ...range, repositoryId: vaultId }))!.changeFailureRate,
    ).toMatchObject({ deployments: 3, failures: 1 });
    // The vault becomes public: its figures move into the public group, the member sees them.
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      repository: { ...vault, private: false },
      records: [],
    });
    expect((await member.query(api.dashboard.dora.metrics, range))!.changeFailureRate).toMatchObject({
      deployments: 5,
    });
    await expectNoAggregateDifferences(t, installationId);
  });

  test("the deployment workflow setting: administrators only; the repository's figures follow the choice", async () => {
    const { t, installationId, apply, admin } = await setup();
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    const run = (id: number, at: number, conclusion: "success" | "failure", ref = "main") =>
      deployment({
        githubId: id,
        source: "workflow_run",
        environment: "Deploy",
        workflowPath: ".github/workflows/deploy.yml",
        ref,
        createdAt: at,
        updatedAt: at + HOUR,
        state: conclusion,
        ...(conclusion === "success" ? { succeededAt: at + HOUR } : { failedAt: at + HOUR }),
      });
    await apply(succeeded(T0), succeeded(T0 + DAY));
    // Before the choice, a workflow's runs are not stored.
    expect(await apply(run(900, T0 + 2 * DAY, "failure"))).toEqual({ unchanged: 1 });
    const range = { installationId, from: day0, to: day0 + 6 };
    expect((await admin.query(api.dashboard.dora.metrics, range))!.changeFailureRate.deployments).toBe(2);

    await t.run((ctx) => recordMembership(ctx, { accountId: 9001, githubUserId: 42, login: "mona", member: true }));
    const member = t.withIdentity(await signInAs(t, 42, "mona"));
    await expect(
      member.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: "deploy.yml" }),
    ).rejects.toThrow(/owners/);
    await admin.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: "deploy.yml" });
    await t.finishAllScheduledFunctions(() => {});
    expect(await member.query(api.settings.repositorySettings, { installationId })).toEqual([
      { repositoryId, fullName: "acme/widgets", deploymentWorkflow: "deploy.yml" },
    ]);
    const settings = await t.run((ctx) => ctx.db.query("repositorySettings").first());
    expect(settings).toMatchObject({ deploymentWorkflow: "deploy.yml", updatedByLogin: "acme" });
    // GitHub deployments no longer count; the workflow's runs do.
    expect((await admin.query(api.dashboard.dora.metrics, range))!.changeFailureRate.deployments).toBe(0);
    await apply(run(900, T0 + 2 * DAY, "failure"), run(901, T0 + 3 * DAY, "success"));
    // A run on another branch is not a deployment of the default branch.
    await apply(run(902, T0 + 4 * DAY, "success", "feature"));
    await t.run(async (ctx) => {
      const d = (await ctx.db.query("deployments").collect()).find((x) => x.githubId === 902)!;
      expect(d.production).toBe(false);
    });
    const withRuns = (await admin.query(api.dashboard.dora.metrics, range))!;
    expect(withRuns.changeFailureRate).toMatchObject({ deployments: 2, failures: 1 });
    expect(withRuns.timeToRestore).toMatchObject({ restores: 1, p50Hours: expect.any(Number) });

    // Cleared: back to GitHub deployments; the stored runs stop counting.
    await admin.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: null });
    await t.finishAllScheduledFunctions(() => {});
    expect((await admin.query(api.dashboard.dora.metrics, range))!.changeFailureRate).toMatchObject({
      deployments: 2,
      failures: 0,
    });
    await expectNoAggregateDifferences(t, installationId);
  });
});

describe("the sync fetches deployments from GitHub", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  test("the deployments query is valid against GitHub's schema and costs one point per 100 deployments", () => {
    expect(validateDocument(DEPLOYMENTS_PAGE_QUERY)).toEqual([]);
    expect(queryCost({ query: DEPLOYMENTS_PAGE_QUERY, variables: { owner: "a", name: "b", after: null } })).toBe(1);
  });

  test("GitHub deployments on the first sync; the chosen workflow's runs after the choice", async () => {
    const T = Date.UTC(2026, 10, 24, 12);
    vi.useFakeTimers({ now: T });
    const fake = useFakeGitHub({ latencyMs: 0, seed: 5, org: { repos: 2, prsPerRepo: 3, issuesPerRepo: 1 } });
    const target = fake.org.repos[0]!;
    target.deployments = [
      {
        id: 1,
        environment: "production",
        sha: "a".repeat(40),
        ref: "main",
        creator: "mona",
        createdAt: T - 3 * DAY,
        statuses: [
          { state: "in_progress", createdAt: T - 3 * DAY + MINUTE },
          { state: "failure", createdAt: T - 3 * DAY + 5 * MINUTE },
        ],
      },
      {
        id: 2,
        environment: "production",
        sha: "b".repeat(40),
        ref: "main",
        creator: "mona",
        createdAt: T - 2 * DAY,
        statuses: [
          { state: "success", createdAt: T - 2 * DAY + 5 * MINUTE },
          { state: "inactive", createdAt: T - DAY },
        ],
      },
      {
        id: 3,
        environment: "staging",
        sha: "c".repeat(40),
        ref: "main",
        creator: "mona",
        createdAt: T - DAY,
        statuses: [],
      },
      // Beyond the year of history the sync reads.
      {
        id: 4,
        environment: "production",
        sha: "d".repeat(40),
        ref: "main",
        creator: "mona",
        createdAt: T - 400 * DAY,
        statuses: [{ state: "success", createdAt: T - 400 * DAY }],
      },
    ];
    target.workflows = [{ id: 77, name: "Deploy", path: ".github/workflows/deploy.yml" }];
    target.workflowRuns = [
      {
        id: 700,
        workflowId: 77,
        headBranch: target.defaultBranch,
        headSha: "e".repeat(40),
        status: "completed",
        conclusion: "success",
        createdAt: T - 4 * DAY,
        updatedAt: T - 4 * DAY + 10 * MINUTE,
        actor: "mona",
      },
      {
        id: 701,
        workflowId: 77,
        headBranch: "feature",
        headSha: "f".repeat(40),
        status: "completed",
        conclusion: "success",
        createdAt: T - 3 * DAY,
        updatedAt: T - 3 * DAY + 10 * MINUTE,
        actor: "mona",
      },
      {
        id: 702,
        workflowId: 77,
        headBranch: target.defaultBranch,
        headSha: "9".repeat(40),
        status: "completed",
        conclusion: "failure",
        createdAt: T - 2 * DAY,
        updatedAt: T - 2 * DAY + 10 * MINUTE,
        actor: "mona",
      },
    ];
    const t = makeConvex();
    const installationId = await installFakeOrg(t, fake);
    const runAll = () => t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
    await t.mutation(internal.sync.service.request, { installationId, trigger: "webhook" });
    await runAll();
    const stored = async () =>
      new Map(
        (await t.run((ctx) => ctx.db.query("deployments").collect())).map((d) => [`${d.source}:${d.githubId}`, d]),
      );
    let deployments = await stored();
    expect([...deployments.keys()].sort()).toEqual(["deployment:1", "deployment:2", "deployment:3"]);
    expect(deployments.get("deployment:1")).toMatchObject({
      state: "failure",
      failedAt: T - 3 * DAY + 5 * MINUTE,
      production: true,
    });
    expect(deployments.get("deployment:2")).toMatchObject({
      state: "inactive",
      succeededAt: T - 2 * DAY + 5 * MINUTE,
      production: true,
      restoreMs: DAY,
    });
    expect(deployments.get("deployment:3")).toMatchObject({ state: "pending", production: false });
    const admin = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
    const today = Math.floor(T / DAY);
    const range = { installationId, from: today - 29, to: today };
    expect((await admin.query(api.dashboard.dora.metrics, range))!.changeFailureRate).toMatchObject({
      deployments: 2,
      failures: 1,
    });
    // The GraphQL page: one request, one point.
    const pages = fake.requests.filter((r) => r.page.startsWith("graphql DeploymentsPage"));
    expect(pages.map((r) => r.cost)).toEqual([1, 1]);

    // The repository deploys from Actions: choosing its workflow fetches the runs on the next sync.
    vi.advanceTimersByTime(30 * 60_000);
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").collect())).find(
      (r) => r.githubId === target.id,
    )!._id;
    await admin.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: "Deploy" });
    await runAll();
    deployments = await stored();
    expect(deployments.get("deployment:1")!.production).toBe(false);
    expect(deployments.get("workflow_run:700")).toMatchObject({
      production: true,
      state: "success",
      environment: "Deploy",
    });
    expect(deployments.get("workflow_run:702")).toMatchObject({ production: true, state: "failure" });
    expect(deployments.has("workflow_run:701")).toBe(false);
    expect((await admin.query(api.dashboard.dora.metrics, range))!.changeFailureRate).toMatchObject({
      deployments: 2,
      failures: 1,
    });
    await expectNoAggregateDifferences(t, installationId);
  });
});
