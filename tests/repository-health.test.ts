/**
 * Repository health (issue 14, deliverable 3; seed 001): a score per repository from the last 30 days'
 * buckets, with its reasons — CI pass rate, flaky checks (failed, then passed on the same commit),
 * merged without approval, stale open PRs, median time to merge, recent activity — refreshed by the
 * hourly cron and after each sync, kept per day with its trend, shown on the Repositories page only
 * to those who can read the repository.
 */
import { CI } from "../convex/metrics/figures";
import { bucketDocs } from "./helpers/metrics";
import examples from "@octokit/webhooks-examples";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { DAY_MS, dayOf } from "../convex/model/contribution";
import type { AnyRecord } from "../convex/model/records";
import {
  createInstallation,
  expectNoAggregateDifferences,
  makeConvex,
  signInAs,
  type TestConvex,
} from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";
import { ci, HOUR, pr, repo, review, T0 } from "./helpers/records";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

const NOW = T0 + 10 * DAY_MS;
const INSTALLER = 77;
const MEMBER = { id: 88, login: "member" };

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  // No GitHub unless a test brings the fake: a listing a webhook may schedule fails and changes nothing.
  vi.stubGlobal("fetch", () => Promise.reject(new Error("offline")));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

const runAll = (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers, 1_000);

async function setup(opts: { githubInstallationId?: number } = {}) {
  const t = makeConvex();
  const installationId = await createInstallation(t, opts);
  await t.run(async (ctx) => {
    await ctx.db.patch(installationId, { installedByGithubUserId: INSTALLER, installedByLogin: "lead" });
    await ctx.db.insert("orgMemberships", {
      accountId: 9001,
      githubUserId: MEMBER.id,
      login: MEMBER.login,
      updatedAt: T0,
      role: "member",
    });
  });
  const apply = (...records: AnyRecord[]) =>
    t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  const lead = t.withIdentity(await signInAs(t, INSTALLER, "lead"));
  const member = t.withIdentity(await signInAs(t, MEMBER.id, MEMBER.login));
  const rows = async (caller = lead) =>
    (
      await caller.query(api.dashboard.lists.repositories, {
        installationId,
        paginationOpts: { numItems: 50, cursor: null },
      })
    ).page;
  const healthOf = async (fullName: string, caller = lead) =>
    (await rows(caller)).find((r) => r.fullName === fullName)?.health;
  const refresh = () => t.mutation(internal.metrics.repositoryHealth.refreshInstallation, { installationId });
  return { t, installationId, apply, lead, member, rows, healthOf, refresh };
}

const sha = (label: string) => label.padEnd(40, "0").slice(0, 40);

/** 7 passing and 3 failing builds, and one test check that failed, was re-run (pending) and passed. */
const ciRuns: AnyRecord[] = [
  ...Array.from({ length: 10 }, (_, i): AnyRecord => ({
    kind: "ci",
    record: ci({ sha: sha(`b${i}`), name: "build", state: i < 7 ? "success" : "failure", updatedAt: T0 + i * HOUR }),
  })),
  ...(["failure", "pending", "success"] as const).map((state, i): AnyRecord => ({
    kind: "ci",
    record: ci({ sha: sha("flaky"), name: "test", state, updatedAt: T0 + (20 + i) * HOUR }),
  })),
];

/** Five PRs merged 3 h after creation, three approved by hubot before the merge, two not. */
const merged: AnyRecord[] = Array.from({ length: 5 }, (_, i) => {
  const number = 10 + i;
  const createdAt = T0 + i * DAY_MS;
  const records: AnyRecord[] = [
    {
      kind: "pullRequest",
      record: pr({
        githubId: 7000 + number,
        number,
        headSha: sha(`m${i}`),
        url: `https://github.com/acme/widgets/pull/${number}`,
        state: "merged",
        createdAt,
        updatedAt: createdAt + 3 * HOUR,
        closedAt: createdAt + 3 * HOUR,
        mergedAt: createdAt + 3 * HOUR,
      }),
    },
  ];
  if (i < 3) {
    records.push({
      kind: "review",
      record: review({ githubId: 80_000 + number, prNumber: number, state: "approved", submittedAt: createdAt + HOUR }),
    });
  }
  return records;
}).flat();

/** Four open PRs: three untouched since T0 (stale after 7 days), one opened yesterday. */
const open: AnyRecord[] = Array.from({ length: 4 }, (_, i) => {
  const number = 20 + i;
  const at = i < 3 ? T0 : NOW - DAY_MS;
  return {
    kind: "pullRequest",
    record: pr({
      githubId: 7000 + number,
      number,
      headSha: sha(`o${i}`),
      url: `https://github.com/acme/widgets/pull/${number}`,
      createdAt: at,
      updatedAt: at,
    }),
  };
});

describe("the score and its reasons", () => {
  test("known CI, review, stale and merge data give the documented penalties", async () => {
    const { t, installationId, apply, healthOf, refresh } = await setup();
    await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
    await apply(...ciRuns, ...merged, ...open);
    await runAll(t);
    await refresh();
    const health = await healthOf("acme/widgets");
    // CI: 8 of 11 passed → 25 × (3/11) / 50% = 14; flaky: 2 × 1; unapproved: 25 × 2/5 = 10;
    // stale: 20 × 3/4 = 15; median merge 3 h (read within its bin: 2.9 h) costs nothing; there was activity.
    expect(health).toMatchObject({
      day: dayOf(NOW),
      score: 100 - 14 - 15 - 10 - 2,
      grade: "yellow",
      reasons: [
        "3 of 4 open PRs stale (waiting over 7 days)",
        "CI passed 73% of 11 runs",
        "40% of 5 merged PRs merged without approval",
        "1 flaky check (failed, then passed on a re-run)",
        "Median time to merge 2.9 hours",
        "9 PRs opened, 5 merged, 3 reviews in 30 days",
      ],
      trend: [59],
    });
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a quiet repository without data is green but says so; a red one when most things fail", async () => {
    const { t, installationId, apply, healthOf, refresh } = await setup();
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: [repo(), repo({ githubId: 501, name: "broken" })],
    });
    const failing = Array.from({ length: 6 }, (_, i): AnyRecord => ({
      kind: "ci",
      record: ci({ repoGithubId: 501, sha: sha(`x${i}`), state: "failure", updatedAt: T0 + i * HOUR }),
    }));
    const stale = Array.from({ length: 3 }, (_, i): AnyRecord => ({
      kind: "pullRequest",
      record: pr({
        repoGithubId: 501,
        githubId: 9100 + i,
        number: i + 1,
        headSha: sha(`y${i}`),
        url: "https://github.com/acme/broken/pull/1",
      }),
    }));
    await apply(...failing, ...stale);
    await runAll(t);
    await refresh();
    expect(await healthOf("acme/widgets")).toMatchObject({
      score: 90,
      grade: "green",
      reasons: ["No commits, pull requests or reviews in 30 days", "No CI runs in 30 days"],
    });
    // 0% of 6 CI runs (25) and all 3 open PRs stale (20): 55, yellow; recent PR activity costs nothing.
    expect(await healthOf("acme/broken")).toMatchObject({
      score: 55,
      grade: "yellow",
      reasons: ["CI passed 0% of 6 runs", "3 of 3 open PRs stale (waiting over 7 days)", expect.any(String)],
    });
    // Counted 31+ days ago, the same data no longer counts.
    vi.setSystemTime(NOW + 40 * DAY_MS);
    await refresh();
    expect(await healthOf("acme/broken")).toMatchObject({ reasons: expect.arrayContaining(["No CI runs in 30 days"]) });
  });
});

describe("flaky checks", () => {
  test("GitHub's check_run payloads: a failed run, re-run and passed on the same commit is flaky", async () => {
    const failed = structuredClone(
      of("check_run").find((p) => p.action === "completed" && p.check_run.conclusion === "failure")!,
    );
    const passed = structuredClone(
      of("check_run").find((p) => p.action === "completed" && p.check_run.conclusion === "success")!,
    );
    const queued = structuredClone(of("check_run").find((p) => p.action === "created")!);
    const installation = { id: 4_242 };
    const r = failed.repository;
    const { t, installationId, healthOf, refresh } = await setup({ githubInstallationId: installation.id });
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: [{ githubId: r.id, name: r.name, fullName: r.full_name, private: r.private }],
    });
    // The same check on the same commit: failed, re-requested (queued), then passed, an hour apart each.
    const at = (h: number) => new Date(NOW - 5 * HOUR + h * HOUR).toISOString().replace(/\.000Z$/, "Z");
    failed.check_run.started_at = at(0);
    failed.check_run.completed_at = at(1);
    queued.check_run = { ...queued.check_run, name: failed.check_run.name, head_sha: failed.check_run.head_sha };
    queued.check_run.started_at = at(2);
    passed.check_run.started_at = at(2);
    passed.check_run.completed_at = at(3);
    for (const [i, payload] of [failed, queued, passed].entries()) {
      payload.installation = installation;
      expect((await deliver(t, "check_run", payload, { deliveryId: `check-${i}` })).status).toBe(202);
      await runAll(t);
    }
    const stored = await t.run((ctx) => ctx.db.query("ciResults").collect());
    expect(stored).toMatchObject([{ name: failed.check_run.name, state: "success", flaky: true }]);
    await refresh();
    expect((await healthOf(r.full_name))!.reasons).toEqual(
      expect.arrayContaining(["1 flaky check (failed, then passed on a re-run)", "CI passed 100% of 1 run"]),
    );
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a first success, or a failure after a success, is not flaky; flaky is never unset", async () => {
    const { t, installationId, apply } = await setup();
    await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
    const run = (name: string, state: "success" | "failure" | "pending", h: number): AnyRecord => ({
      kind: "ci",
      record: ci({ sha: sha("z"), name, state, updatedAt: T0 + h * HOUR }),
    });
    await apply(run("a", "success", 1), run("a", "failure", 2), run("b", "failure", 1), run("b", "success", 2));
    await apply(run("b", "failure", 3)); // failing again after the flaky pass
    const rows = await t.run((ctx) => ctx.db.query("ciResults").collect());
    const flaky = Object.fromEntries(rows.map((r) => [r.name, r.flaky === true]));
    expect(flaky).toEqual({ a: false, b: true });
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    const days = await bucketDocs(t, installationId, CI, repositoryId);
    expect(days.map((d) => d.entries)).toEqual([[{ k: "", n: { failed: 2, flaky: 1 }, h: {} }]]);
    await expectNoAggregateDifferences(t, installationId);
    // The recount catches a day that drifted.
    await t.run((ctx) => ctx.db.patch(days[0]!._id, { entries: [{ k: "", n: { failed: 2 }, h: {} }] }));
    const differences = await t.action(internal.model.verify.verifyAggregates, { installationId });
    expect(differences).toEqual([
      expect.stringMatching(/^acme\/widgets scope ci@1 key "" day \d+: stored .*"failed":2}/),
    ]);
  });
});

describe("refresh: the hourly cron and the end of a sync", () => {
  test("a completed sync scores every repository; the cron then builds a trend day by day", async () => {
    const fake = useFakeGitHub({ latencyMs: 0, seed: 5, org: { repos: 2, prsPerRepo: 6 } });
    const t = makeConvex();
    const installationId = await installFakeOrg(t, fake);
    await t.run((ctx) => ctx.db.patch(installationId, { installedByGithubUserId: INSTALLER }));
    await t.mutation(internal.sync.service.request, { installationId, trigger: "manual" });
    await t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
    const scores = () =>
      t.run(async (ctx) =>
        (
          await ctx.db
            .query("repositoryHealth")
            .withIndex("by_installation_day", (q) => q.eq("installationId", installationId))
            .collect()
        ).map((h) => ({ repositoryId: h.repositoryId, day: h.day, score: h.score, trend: h.trend })),
      );
    const afterSync = await scores();
    const syncDay = dayOf(Date.now());
    expect(afterSync).toHaveLength(2);
    expect(afterSync.every((h) => h.day === syncDay && h.trend.length === 0)).toBe(true);

    // Three days of hourly crons (one run a day here): one document per day, each carrying the days before.
    for (let d = 1; d <= 3; d++) {
      vi.setSystemTime((syncDay + d) * DAY_MS + 12 * HOUR);
      await t.mutation(internal.metrics.repositoryHealth.refreshAll, {});
      await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
    }
    const all = await scores();
    for (const id of new Set(all.map((h) => h.repositoryId))) {
      const docs = all.filter((h) => h.repositoryId === id);
      expect(docs.map((h) => h.day)).toEqual([syncDay, syncDay + 1, syncDay + 2, syncDay + 3]);
      const last = docs.at(-1)!;
      expect(last.trend).toEqual(docs.slice(0, 3).map((h) => ({ day: h.day, score: h.score })));
    }
    // An hour later, the same data: no write (the Repositories page is not re-run for nothing).
    const docs = () => t.run((ctx) => ctx.db.query("repositoryHealth").collect());
    const before = await docs();
    vi.advanceTimersByTime(HOUR);
    await t.mutation(internal.metrics.repositoryHealth.refreshAll, {});
    await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
    expect(await docs()).toEqual(before);
  });

  test("the trend keeps at most the 30 days before; older scores are deleted", async () => {
    const { t, installationId, rows, refresh } = await setup();
    await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
    for (let d = 0; d < 35; d++) {
      vi.setSystemTime(NOW + d * DAY_MS);
      await refresh();
    }
    const [row] = await rows();
    expect(row!.health!.day).toBe(dayOf(NOW) + 34);
    expect(row!.health!.trend).toHaveLength(31); // 30 days before, then today
    // Older documents are deleted as new days are stored.
    const stored = await t.run((ctx) => ctx.db.query("repositoryHealth").collect());
    expect(stored.map((h) => h.day)).toEqual(Array.from({ length: 31 }, (_, i) => dayOf(NOW) + 4 + i));
  });
});

describe("visibility", () => {
  test("a member never sees the health of a private repository they cannot read", async () => {
    const { t, installationId, apply, member, lead, healthOf, rows, refresh } = await setup();
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: [repo(), repo({ githubId: 501, name: "secret", private: true })],
    });
    await apply({ kind: "ci", record: ci({ repoGithubId: 501, state: "failure" }) });
    await refresh();
    expect(await healthOf("acme/secret", lead)).toMatchObject({
      reasons: expect.arrayContaining(["CI passed 0% of 1 run"]),
    });
    expect((await rows(member)).map((r) => r.fullName)).toEqual(["acme/widgets"]);
    expect(await healthOf("acme/widgets", member)).toMatchObject({ grade: "green" });

    // Granted the repository on GitHub: now they see it, with its health.
    const secretId = await t.run(
      async (ctx) =>
        (await ctx.db
          .query("repositories")
          .withIndex("by_installation_github_id", (q) => q.eq("installationId", installationId).eq("githubId", 501))
          .unique())!._id as Id<"repositories">,
    );
    await t.run((ctx) =>
      ctx.db.insert("repositoryGrants", {
        installationId,
        repositoryId: secretId,
        githubUserId: MEMBER.id,
        permission: "read",
        seenAt: NOW,
      }),
    );
    expect(await healthOf("acme/secret", member)).toMatchObject({ score: expect.any(Number) });
  });
});
