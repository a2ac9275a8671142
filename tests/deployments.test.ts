import { describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { AnyRecord, DeploymentRecord } from "../convex/model/records";
import { createInstallation, expectNoAggregateDifferences, makeConvex, type TestConvex } from "./helpers/convex";
import { HOUR, pr, repo, T0 } from "./helpers/records";

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
const days = (t: TestConvex, installationId: Id<"installations">, scope: string) =>
  t.run(async (ctx) =>
    (
      await ctx.db
        .query("deploymentDaily")
        .withIndex("by_installation_scope_day", (q) => q.eq("installationId", installationId).eq("scope", scope))
        .collect()
    ).map(({ day, deployments, successes, failures }) => ({ day, deployments, successes, failures })),
  );

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
