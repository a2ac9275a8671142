/**
 * One figure, one number (issue 21): where two pages show the same figure for the same range, they show
 * the same number — for the installer (every repository) and for a member who reads only some.
 *
 * - Organisations: merged (30 d), median cycle time (30 d) = Analytics' merged and cycle p50.
 * - Organisations: deployments (30 d) = DORA's deployment frequency count.
 * - DORA's lead time (p50, changes) = Analytics' lead stage (p50, count).
 * - Trends: PRs merged and reviews = Analytics' merged, Reviewer load's reviews given (people).
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { dayOf } from "../convex/model/contribution";
import type { AnyRecord } from "../convex/model/records";
import { orgWithPeople } from "./helpers/org";
import { HOUR, pr, repo, review, T0 } from "./helpers/records";

const NOW = T0 + 29 * 24 * HOUR;
const TODAY = dayOf(NOW);

beforeEach(() => vi.useFakeTimers({ now: NOW }));
afterEach(() => vi.useRealTimers());

function merged(repoGithubId: number, n: number, hours: number): AnyRecord[] {
  const created = T0 + n * 7 * HOUR;
  const head = `${repoGithubId}${n}`.padEnd(40, "0");
  return [
    {
      kind: "pullRequest",
      record: pr({
        repoGithubId,
        number: n,
        githubId: repoGithubId * 1_000 + n,
        authorLogin: n % 2 ? "ann" : "bob",
        headSha: head,
        url: `https://github.com/acme/r${repoGithubId}/pull/${n}`,
        createdAt: created,
        firstCommitAt: created - 5 * HOUR,
        updatedAt: created + hours * HOUR,
        state: "merged",
        mergedAt: created + hours * HOUR,
        closedAt: created + hours * HOUR,
        additions: 40 * n,
        deletions: 3,
      }),
    },
    {
      kind: "review",
      record: review({
        repoGithubId,
        githubId: repoGithubId * 1_000 + 500 + n,
        prNumber: n,
        authorLogin: n % 3 ? "carol" : "dave",
        state: "approved",
        submittedAt: created + (hours / 2) * HOUR,
      }),
    },
    {
      kind: "deployment",
      record: {
        githubId: repoGithubId * 1_000 + 700 + n,
        repoGithubId,
        source: "deployment",
        environment: "production",
        sha: head,
        url: `https://github.com/acme/r${repoGithubId}/deployments`,
        createdAt: created + (hours + 1) * HOUR,
        updatedAt: created + (hours + 2) * HOUR,
        state: n % 5 ? "success" : "failure",
        ...(n % 5 ? { succeededAt: created + (hours + 2) * HOUR } : { failedAt: created + (hours + 2) * HOUR }),
      },
    },
  ];
}

test("every figure shown on two pages is one number, whoever reads it", async () => {
  const { t, installationId, installer, dev } = await orgWithPeople();
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [repo({ githubId: 501, name: "open" }), repo({ githubId: 502, name: "closed", private: true })],
  });
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: Array.from({ length: 40 }, (_, i) => merged(i % 4 === 0 ? 502 : 501, i + 1, 3 + ((i * 37) % 200))).flat(),
  });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const range = { installationId, from: TODAY - 29, to: TODAY };
  for (const [who, caller] of [
    ["installer", installer],
    ["restricted member", dev],
  ] as const) {
    const [analytics, dora, overview, trends, load] = await Promise.all([
      caller.query(api.dashboard.analytics.cycleTime, range),
      caller.query(api.dashboard.dora.metrics, range),
      caller.query(api.dashboard.organisations.overview, { today: TODAY }),
      caller.query(api.dashboard.trends.trends, { installationId, days: 30, today: TODAY }),
      caller.query(api.dashboard.reviewerLoad.reviewerLoad, { installationId, days: 30, today: TODAY }),
    ]);
    const rollup = overview.find((o) => o.installationId === installationId)!;
    const label = (figure: string) => `${figure} (${who})`;
    expect(analytics!.totals.merged, label("merged")).toBeGreaterThan(0);
    expect(rollup.merged30d, label("merged")).toBe(analytics!.totals.merged);
    expect(rollup.medianCycleHours30d, label("median cycle time")).toBe(analytics!.totals.stages.cycle.p50Hours);
    expect(rollup.deployments30d, label("deployments")).toBe(dora!.deploymentFrequency.deployments);
    expect(dora!.leadTime.p50Hours, label("lead time")).toBe(analytics!.totals.stages.lead.p50Hours);
    expect(dora!.leadTime.changes, label("lead time samples")).toBe(analytics!.totals.stages.lead.count);
    const sum = (k: "prsMerged" | "reviews") => trends!.days.reduce((n, d) => n + d[k], 0);
    expect(sum("prsMerged"), label("merged")).toBe(analytics!.totals.merged);
    expect(sum("reviews"), label("reviews")).toBe(load!.people.reduce((n, p) => n + p.reviewsGiven, 0));
    // The sizes of merged PRs add up to the merged count.
    const sizes = (await caller.query(api.dashboard.analytics.sizes, range))!;
    expect(
      Object.values(sizes).reduce((a, b) => a + b, 0),
      label("sizes"),
    ).toBe(analytics!.totals.merged);
  }
  // The member reads less than the installer: the comparison is not between equal answers by chance.
  const [all, some] = await Promise.all([
    installer.query(api.dashboard.analytics.cycleTime, range),
    dev.query(api.dashboard.analytics.cycleTime, range),
  ]);
  expect(some!.totals.merged).toBeLessThan(all!.totals.merged);
});
