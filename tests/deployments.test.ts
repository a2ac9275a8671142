import { DEPLOYMENTS, figureId } from "../convex/metrics/figures";
import { bucketDays } from "./helpers/metrics";
import { propertyRuns } from "./helpers/property";
import examples from "@octokit/webhooks-examples";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { AnyRecord, DeploymentRecord } from "../convex/model/records";
import { mapWebhookEvent } from "../convex/github/mapWebhook";
import {
  createInstallation,
  expectNoAggregateDifferences,
  makeConvex,
  signInAs,
  type TestConvex,
} from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";
import { HOUR, pr, repo, T0 } from "./helpers/records";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;
const require = createRequire(import.meta.url);
const GHES_VERSIONS = ["ghes-31", "ghes-32", "ghes-33", "ghes-34", "ghes-35"];
const ghesExamples = (version: string, name: string) =>
  (
    JSON.parse(readFileSync(require.resolve(`@octokit/webhooks-examples/${version}/index.json`), "utf8")) as Example[]
  ).find((e) => e.name === name)?.examples ?? [];

const DAY = 24 * HOUR;

const deployment = (o: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  githubId: 1,
  repoGithubId: 500,
  source: "deployment",
  environment: "production",
  sha: "d".repeat(40),
  url: "https://api.github.com/repos/acme/widgets/deployments/1",
  createdAt: T0,
  updatedAt: T0,
  state: "pending",
  ...o,
});

async function setup() {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
  const apply = (...records: AnyRecord[]) =>
    t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  return { t, installationId, apply };
}

const deployments = (t: TestConvex) => t.run((ctx) => ctx.db.query("deployments").collect());
const days = async (t: TestConvex, installationId: Id<"installations">, scope: string) =>
  [...(await bucketDays(t, installationId, DEPLOYMENTS, scope))].map(([day, { n }]) => ({
    day,
    deployments: n.deployments ?? 0,
    successes: n.successes ?? 0,
    failures: n.failures ?? 0,
  }));

describe("deployment write path", () => {
  test("a status before its deployment, a stale status and an inactive after success keep the first success", async () => {
    const { t, installationId, apply } = await setup();
    const success = deployment({ state: "success", updatedAt: T0 + HOUR, succeededAt: T0 + HOUR });
    expect(await apply({ kind: "deployment", record: success })).toEqual({ inserted: 1 });
    // The `deployment` created event arrives late: older, pending.
    expect(await apply({ kind: "deployment", record: deployment() })).toEqual({ stale: 1 });
    // A stale in_progress status.
    expect(
      await apply({ kind: "deployment", record: deployment({ state: "pending", updatedAt: T0 + HOUR / 2 }) }),
    ).toEqual({ stale: 1 });
    await apply({ kind: "deployment", record: deployment({ state: "inactive", updatedAt: T0 + 3 * HOUR }) });
    const [d] = await deployments(t);
    expect(d).toMatchObject({ state: "inactive", succeededAt: T0 + HOUR, production: true });
    expect(await days(t, installationId, "all")).toEqual([
      { day: Math.floor((T0 + HOUR) / DAY), deployments: 1, successes: 1, failures: 0 },
    ]);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("only production environments count; a success ending failures records the time to restore", async () => {
    const { t, installationId, apply } = await setup();
    await apply(
      {
        kind: "deployment",
        record: deployment({ githubId: 1, environment: "staging", state: "success", succeededAt: T0 }),
      },
      { kind: "deployment", record: deployment({ githubId: 2, createdAt: T0, state: "failure", failedAt: T0 + HOUR }) },
      {
        kind: "deployment",
        record: deployment({ githubId: 3, createdAt: T0 + 2 * HOUR, state: "failure", failedAt: T0 + 3 * HOUR }),
      },
    );
    // The fix lands; its success restores the environment 4 hours after the first failure.
    await apply({
      kind: "deployment",
      record: deployment({
        githubId: 4,
        createdAt: T0 + 4 * HOUR,
        updatedAt: T0 + 5 * HOUR,
        state: "success",
        succeededAt: T0 + 5 * HOUR,
      }),
    });
    const byId = new Map((await deployments(t)).map((d) => [d.githubId, d]));
    expect(byId.get(1)!.production).toBe(false);
    expect(byId.get(4)!.restoreMs).toBe(4 * HOUR);
    // A late success of the first failed deployment (a retry) ends the run earlier.
    await apply({
      kind: "deployment",
      record: deployment({ githubId: 2, updatedAt: T0 + 6 * HOUR, state: "success", succeededAt: T0 + 6 * HOUR }),
    });
    const after = new Map((await deployments(t)).map((d) => [d.githubId, d]));
    expect(after.get(2)!.restoreMs).toBeUndefined();
    expect(after.get(4)!.restoreMs).toBe(5 * HOUR - 3 * HOUR);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("merged PRs are attributed to the first production success created after the merge", async () => {
    const { t, installationId, apply } = await setup();
    const merged = (n: number, at: number) =>
      ({
        kind: "pullRequest",
        record: pr({ number: n, state: "merged", mergedAt: at, closedAt: at, updatedAt: at }),
      }) as const;
    await apply(merged(1, T0 + HOUR), merged(2, T0 + 3 * HOUR), merged(3, T0 + 5 * HOUR));
    await apply(
      { kind: "deployment", record: deployment({ githubId: 10, createdAt: T0 + 2 * HOUR, state: "pending" }) },
      {
        kind: "deployment",
        record: deployment({
          githubId: 11,
          createdAt: T0 + 4 * HOUR,
          updatedAt: T0 + 4 * HOUR,
          state: "failure",
          failedAt: T0 + 4 * HOUR,
        }),
      },
    );
    await apply({
      kind: "deployment",
      record: deployment({
        githubId: 10,
        createdAt: T0 + 2 * HOUR,
        updatedAt: T0 + 6 * HOUR,
        state: "success",
        succeededAt: T0 + 6 * HOUR,
      }),
    });
    const deployedAt = async () =>
      new Map((await t.run((ctx) => ctx.db.query("pullRequests").collect())).map((p) => [p.number, p.deployedAt]));
    expect(await deployedAt()).toEqual(
      new Map([
        [1, T0 + 6 * HOUR],
        [2, undefined],
        [3, undefined],
      ]),
    );
    await apply({
      kind: "deployment",
      record: deployment({
        githubId: 12,
        createdAt: T0 + 7 * HOUR,
        updatedAt: T0 + 8 * HOUR,
        state: "success",
        succeededAt: T0 + 8 * HOUR,
      }),
    });
    expect(await deployedAt()).toEqual(
      new Map([
        [1, T0 + 6 * HOUR],
        [2, T0 + 8 * HOUR],
        [3, T0 + 8 * HOUR],
      ]),
    );
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a deployment shipping more PRs than the inline budget re-derives the rest in scheduled chunks", async () => {
    const { t, installationId, apply } = await setup();
    const n = 260;
    for (let start = 0; start < n; start += 100) {
      await apply(
        ...Array.from({ length: Math.min(100, n - start) }, (_, i) => {
          const k = start + i + 1;
          const at = T0 + k * 60_000;
          return {
            kind: "pullRequest",
            record: pr({ number: k, state: "merged", mergedAt: at, closedAt: at, updatedAt: at }),
          } as const;
        }),
      );
    }
    await apply({
      kind: "deployment",
      record: deployment({
        createdAt: T0 + DAY,
        updatedAt: T0 + DAY + HOUR,
        state: "success",
        succeededAt: T0 + DAY + HOUR,
      }),
    });
    await t.finishAllScheduledFunctions(() => {});
    const prs = await t.run((ctx) => ctx.db.query("pullRequests").collect());
    expect(prs.filter((p) => p.deployedAt === T0 + DAY + HOUR)).toHaveLength(n);
    await expectNoAggregateDifferences(t, installationId);
  });
});

type Outcome = {
  deployments: Array<{ state: string } & Record<string, unknown>>;
  days: unknown[];
  deployedAt: number | undefined;
};

describe("any order of arrival", () => {
  const status = fc.record({
    id: fc.integer({ min: 1, max: 4 }),
    env: fc.constantFrom("production", "production", "staging"),
    state: fc.constantFrom("pending" as const, "success" as const, "failure" as const, "inactive" as const),
    t: fc.integer({ min: 1, max: 30 }),
  });
  const version = (s: { id: number; env: string; state: DeploymentRecord["state"]; t: number }): AnyRecord => {
    const at = T0 + s.t * HOUR;
    return {
      kind: "deployment",
      record: deployment({
        githubId: s.id,
        // A deployment's creation and environment never change; its statuses arrive in any order.
        environment: s.id === 4 ? "staging" : "production",
        createdAt: T0 + s.id * HOUR,
        updatedAt: at,
        state: s.state,
        ...(s.state === "success" && { succeededAt: at }),
        ...(s.state === "failure" && { failedAt: at }),
      }),
    };
  };

  test("deployments, restores, buckets and PR attribution converge whatever the order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(status, { minLength: 1, maxLength: 10 }), fc.integer(), async (statuses, seed) => {
        const records = statuses.map(version);
        const shuffled = [...records].sort(
          (a, b) =>
            (((a.record as DeploymentRecord).updatedAt * 7919 + seed) % 13) -
            (((b.record as DeploymentRecord).updatedAt * 7919 + seed) % 13),
        );
        const outcomes: Outcome[] = [];
        for (const order of [records, shuffled.reverse()]) {
          const { t, installationId, apply } = await setup();
          await apply({
            kind: "pullRequest",
            record: pr({
              state: "merged",
              mergedAt: T0 + 30 * 60_000,
              closedAt: T0 + 30 * 60_000,
              updatedAt: T0 + HOUR,
            }),
          });
          for (const r of order) await apply(r);
          await expectNoAggregateDifferences(t, installationId);
          outcomes.push(
            await t.run(async (ctx) => ({
              deployments: (await ctx.db.query("deployments").collect())
                .map(({ githubId, state, succeededAt, failedAt, production, restoreMs, updatedAt }) => ({
                  githubId,
                  state,
                  succeededAt,
                  failedAt,
                  production,
                  restoreMs,
                  updatedAt,
                }))
                .sort((a, b) => a.githubId - b.githubId),
              days: (await ctx.db.query("metricBuckets").collect())
                .filter((d) => d.figure === figureId(DEPLOYMENTS))
                .map(({ scope, day, entries }) => ({ scope, day, entries }))
                .sort((a, b) => a.scope.localeCompare(b.scope) || a.day - b.day),
              deployedAt: (await ctx.db.query("pullRequests").first())!.deployedAt,
            })),
          );
        }
        // Ties (two versions at the same time) may keep either state; the facts and figures may not differ.
        const facts = (o: Outcome) => ({
          ...o,
          deployments: o.deployments.map(({ state: _s, ...rest }) => rest),
        });
        expect(facts(outcomes[1]!)).toEqual(facts(outcomes[0]!));
      }),
      { numRuns: propertyRuns(12) },
    );
  });
});

describe("changing a repository's deployment source", () => {
  test("hundreds of stored deployments are reclassified in chunks, within each transaction's limits", async () => {
    const { t, installationId, apply } = await setup();
    const n = 300;
    for (let start = 0; start < n; start += 100) {
      await apply(
        ...Array.from({ length: 100 }, (_, i) => {
          const k = start + i;
          const at = T0 + k * HOUR;
          // Every fifth one fails, and the next success restores it.
          const failed = k % 5 === 0;
          return {
            kind: "deployment",
            record: deployment({
              githubId: 10_000 + k,
              createdAt: at,
              updatedAt: at + 10 * 60_000,
              state: failed ? "failure" : "success",
              ...(failed ? { failedAt: at + 10 * 60_000 } : { succeededAt: at + 10 * 60_000 }),
            }),
          } as const;
        }),
      );
    }
    const total = async (scope: string) =>
      (await days(t, installationId, scope)).reduce((a, d) => a + d.deployments, 0);
    expect(await total("all")).toBe(n);
    const admin = t.withIdentity(await signInAs(t, 9001, "acme"));
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    await admin.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: "deploy.yml" });
    await t.finishAllScheduledFunctions(() => {});
    expect(await total("all")).toBe(0);
    expect((await deployments(t)).filter((d) => d.production || d.restoreMs !== undefined)).toEqual([]);
    await admin.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: null });
    await t.finishAllScheduledFunctions(() => {});
    expect(await total("all")).toBe(n);
    expect((await deployments(t)).filter((d) => d.restoreMs === HOUR)).toHaveLength(n / 5);
    await expectNoAggregateDifferences(t, installationId);
  });
});

describe("deployment webhooks (@octokit/webhooks-examples)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });
  const settle = (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers);

  test("every example maps to a deployment record: states, environments, production flags", () => {
    const mapped = (event: string) =>
      of(event).map((p) => {
        const m = mapWebhookEvent(event, p);
        expect(m.outcome, JSON.stringify(m)).toBe("apply");
        return m.outcome === "apply" ? m.records.map((r) => r.record as DeploymentRecord) : [];
      });
    for (const records of mapped("deployment")) {
      expect(records).toEqual([
        expect.objectContaining({ source: "deployment", state: "pending", githubId: 145988746 }),
      ]);
    }
    const statuses = mapped("deployment_status").flat();
    expect(statuses.map((r) => [r.environment, r.state, r.productionEnvironment])).toEqual([
      ["production", "success", undefined],
      ["github-pages", "pending", false],
      ["production", "success", undefined],
      ["production", "success", undefined],
    ]);
    expect(statuses[0]).toMatchObject({ succeededAt: Date.parse("2019-05-15T15:20:55Z"), creatorLogin: "Codertocat" });
    // GitHub Enterprise Server's deployment events carry no action: they map all the same.
    for (const version of GHES_VERSIONS) {
      for (const event of ["deployment", "deployment_status"]) {
        const payloads = ghesExamples(version, event);
        expect(payloads.length, `${version} ${event}`).toBeGreaterThan(0);
        for (const p of payloads) {
          const m = mapWebhookEvent(event, { ...p, installation: p.installation ?? { id: 1 } });
          expect(m.outcome, `${version} ${event}: ${JSON.stringify(m)}`).toBe("apply");
        }
      }
    }
    // workflow_run: only a completed run on the default branch is a deployment candidate.
    const runs = mapped("workflow_run");
    expect(runs.map((r) => r.length)).toEqual([0, 1, 1, 0, 0]);
    expect(runs[1]![0]).toMatchObject({
      source: "workflow_run",
      environment: "test",
      workflowPath: ".github/workflows/test.yml",
      ref: "master",
      state: "success",
    });
  });

  test("a status before its deployment, an inactive after success; a workflow run only once its workflow is chosen", async () => {
    const t = makeConvex();
    const installationId = await createInstallation(t);
    const withInstallation = (p: Record<string, any>): Record<string, any> => ({
      ...structuredClone(p),
      installation: { id: 1001 },
    });
    const [status] = of("deployment_status").map(withInstallation);
    const [created] = of("deployment").map(withInstallation);
    const r = status!.repository;
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: [{ githubId: r.id, name: r.name, fullName: r.full_name, private: r.private }],
    });
    // GitHub delivers the success first, then the `deployment` event (older).
    expect((await deliver(t, "deployment_status", status)).status).toBe(202);
    expect((await deliver(t, "deployment", created)).status).toBe(202);
    await settle(t);
    const inactive = structuredClone(status!);
    inactive.deployment_status.state = "inactive";
    inactive.deployment_status.created_at = inactive.deployment_status.updated_at = "2019-05-16T09:00:00Z";
    expect((await deliver(t, "deployment_status", inactive)).status).toBe(202);
    await settle(t);
    const [d] = await deployments(t);
    expect(d).toMatchObject({
      githubId: 145988746,
      environment: "production",
      state: "inactive",
      succeededAt: Date.parse("2019-05-15T15:20:55Z"),
      creatorLogin: "Codertocat",
      production: true,
    });
    const day = Math.floor(Date.parse("2019-05-15T15:20:55Z") / DAY);
    expect(await days(t, installationId, "all")).toEqual([{ day, deployments: 1, successes: 1, failures: 0 }]);

    // A workflow run of a workflow nobody chose is not stored; once chosen, the next one is.
    // The example run is another repository's: here it is this one's (its default branch is "master" too).
    const run = { ...withInstallation(of("workflow_run")[1]!), repository: status!.repository };
    await deliver(t, "workflow_run", run);
    await settle(t);
    expect((await deployments(t)).filter((x) => x.source === "workflow_run")).toEqual([]);
    const admin = t.withIdentity(await signInAs(t, 9001, "acme"));
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    await admin.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: "test.yml" });
    await deliver(t, "workflow_run", run, { deliveryId: "00000000-0000-4000-8000-00000000ffff" });
    await settle(t);
    const byKind = new Map((await deployments(t)).map((x) => [x.source, x]));
    expect(byKind.get("workflow_run")).toMatchObject({ production: true, state: "success", environment: "test" });
    // The repository chose a workflow: its GitHub deployments no longer count.
    expect(byKind.get("deployment")!.production).toBe(false);
    await expectNoAggregateDifferences(t, installationId);
  });
});

describe("the sync fetches the chosen workflow's runs", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  const T = Date.UTC(2026, 10, 24, 12);
  /** A fake organisation of one repository, on a clock stopped at T. */
  function oneRepositoryOrg() {
    vi.useFakeTimers({ now: T });
    const fake = useFakeGitHub({ latencyMs: 0, seed: 7, org: { repos: 1, prsPerRepo: 1, issuesPerRepo: 0 } });
    return { fake, target: fake.org.repos[0]! };
  }
  /** A successful completed run of `workflowId`, created at `createdAt` and done 10 minutes later. */
  const completedRun = (id: number, workflowId: number, createdAt: number, headBranch: string) => ({
    id,
    workflowId,
    headBranch,
    headSha: "e".repeat(40),
    status: "completed" as const,
    conclusion: "success" as const,
    createdAt,
    updatedAt: createdAt + 10 * 60_000,
    actor: "mona",
  });
  /** Install the fake org, choose `workflow` as the repository's deployments, sync; the stored runs. */
  async function syncWithWorkflow(fake: ReturnType<typeof useFakeGitHub>, workflow: string) {
    const t = makeConvex();
    const installationId = await installFakeOrg(t, fake);
    const admin = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    await admin.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: workflow });
    await t.mutation(internal.sync.service.request, { installationId, trigger: "webhook" });
    await t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
    return (await deployments(t)).filter((d) => d.source === "workflow_run");
  }

  test("more runs than GitHub lists for one filtered query (1,000): older windows fetch the rest", async () => {
    const { fake, target } = oneRepositoryOrg();
    target.workflows = [{ id: 77, name: "Deploy", path: ".github/workflows/deploy.yml" }];
    // 1,250 completed runs on the default branch, one every 20 minutes over the last 18 days (the
    // 1,001st at the same second as the 1,000th, where GitHub's list stops), and a feature branch's.
    const n = 1250;
    const at = (k: number) => T - HOUR - (k === 1000 ? 999 : k) * 20 * 60_000;
    target.workflowRuns = [
      ...Array.from({ length: n }, (_, k) => completedRun(10_000 + k, 77, at(k), target.defaultBranch)),
      ...Array.from({ length: 5 }, (_, k) => completedRun(10_000 + n + k, 77, at(n + k), "feature")),
    ];
    const runs = await syncWithWorkflow(fake, "deploy.yml");
    expect(runs).toHaveLength(n);
    expect(new Set(runs.map((d) => d.githubId))).toEqual(new Set(Array.from({ length: n }, (_, k) => 10_000 + k)));
    expect(runs.every((d) => d.production)).toBe(true);
    // 10 pages of the capped listing, then the window up to its oldest run: 251 runs in 3 pages.
    const pages = fake.requests.filter((r) => r.path.endsWith("/actions/workflows/deploy.yml/runs"));
    expect(pages.map((r) => new URL(r.url, "https://x").searchParams.get("created")!.includes(".."))).toEqual([
      ...Array<boolean>(10).fill(false),
      ...Array<boolean>(3).fill(true),
    ]);
  });

  test("a workflow chosen by name is found among more than a page of workflows", async () => {
    const { fake, target } = oneRepositoryOrg();
    target.workflows = Array.from({ length: 150 }, (_, k) => ({
      id: 100 + k,
      name: `Workflow ${k}`,
      path: `.github/workflows/w${k}.yml`,
    }));
    target.workflowRuns = [completedRun(5_000, 100 + 140, T - 2 * HOUR, target.defaultBranch)];
    const runs = await syncWithWorkflow(fake, "Workflow 140");
    expect(runs.map((d) => [d.githubId, d.production])).toEqual([[5_000, true]]);
    expect(fake.requests.filter((r) => r.path.endsWith("/actions/workflows")).length).toBe(2);
  });
});
