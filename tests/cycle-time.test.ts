/**
 * Cycle time broken down (issue 14, deliverable 1): per merged PR, coding (first commit → ready),
 * pickup (ready → first review), review (first review → last approval), merge (approval → merge),
 * deploy (merge → deployed), kept in the `cycle` figure by the write path and read back by the Analytics
 * queries per installation, repository, team and author — never more than a member may see.
 */
import { DURATIONS, quantileHours, sampleOf } from "../convex/metrics/histogram";
import { CYCLE } from "../convex/metrics/figures";
import { bucketTotal } from "./helpers/metrics";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { recordMembership } from "../convex/memberships";
import { dayOf } from "../convex/model/contribution";
import type { AnyRecord, RepositoryRecord } from "../convex/model/records";
import { upsertTeam, upsertTeamMember } from "../convex/people/teams";
import { createInstallation, expectNoAggregateDifferences, makeConvex, signInAs } from "./helpers/convex";
import { HOUR, pr, repo, review, T0 } from "./helpers/records";

const OWNER = 9001; // createInstallation's organisation account
const INSTALLER = 77;
const REPOS = [
  repo(), // widgets: public
  repo({ githubId: 501, name: "gadgets", private: true }), // granted to mona
  repo({ githubId: 502, name: "vault", private: true }), // not granted to her
];

/** A merged PR of `repoGithubId` by `author`, opened at T0 + `opened` h and merged at T0 + `merged` h. */
const merged = (
  repoGithubId: number,
  number: number,
  author: string,
  opened: number,
  mergedAfter: number,
  o: Parameters<typeof pr>[0] = {},
) =>
  pr({
    repoGithubId,
    githubId: repoGithubId * 100 + number,
    number,
    authorLogin: author,
    createdAt: T0 + opened * HOUR,
    state: "merged",
    mergedAt: T0 + mergedAfter * HOUR,
    closedAt: T0 + mergedAfter * HOUR,
    updatedAt: T0 + mergedAfter * HOUR,
    ...o,
  });
const reviewOf = (
  repoGithubId: number,
  prNumber: number,
  id: number,
  by: string,
  state: "approved" | "commented",
  at: number,
) =>
  review({
    repoGithubId,
    prNumber,
    githubId: repoGithubId * 1000 + id,
    authorLogin: by,
    state,
    submittedAt: T0 + at * HOUR,
  });

async function setup() {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.run(async (ctx) => {
    await ctx.db.patch(installationId, { installedByGithubUserId: INSTALLER, installedByLogin: "lead" });
    await recordMembership(ctx, { accountId: OWNER, githubUserId: 42, login: "mona", member: true });
    await upsertTeam(ctx.db, OWNER, { githubId: 31, slug: "core", name: "Core" }, 1);
    for (const [id, login] of [
      [41, "ann"],
      [43, "bob"],
    ] as const) {
      await upsertTeamMember(ctx.db, { accountId: OWNER, teamGithubId: 31, githubUserId: id, login }, 1);
    }
  });
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: REPOS });
  const repoId = (githubId: number) =>
    t.run(
      async (ctx) =>
        (await ctx.db
          .query("repositories")
          .withIndex("by_installation_github_id", (q) =>
            q.eq("installationId", installationId).eq("githubId", githubId),
          )
          .unique())!._id,
    );
  const gadgets = await repoId(501);
  await t.run((ctx) =>
    ctx.db.insert("repositoryGrants", {
      installationId,
      repositoryId: gadgets,
      githubUserId: 42,
      permission: "read",
      seenAt: T0,
    }),
  );
  const apply = (records: AnyRecord[], repository?: RepositoryRecord) =>
    t.mutation(internal.model.ingest.applyRecords, { installationId, records, ...(repository && { repository }) });
  const lead = t.withIdentity(await signInAs(t, INSTALLER, "lead"));
  const mona = t.withIdentity(await signInAs(t, 42, "mona"));
  return { t, installationId, apply, lead, mona, repoId };
}

/**
 * widgets#1 by ann: first commit T0 − 10 h, opened as a draft at T0, ready at T0 + 2 h, hubot comments at
 * + 3 h and approves at + 6 h, merged at + 10 h: coding 12 h, pickup 1 h, review 3 h, merge 4 h, cycle 20 h.
 * gadgets#1 by bob: merged 5 h after opening, never approved. vault#1 by carol: approved, merged a day later.
 */
async function seed(apply: Awaited<ReturnType<typeof setup>>["apply"]) {
  await apply([
    {
      kind: "pullRequest",
      record: merged(500, 1, "ann", 0, 10, { firstCommitAt: T0 - 10 * HOUR, readyForReviewAt: T0 + 2 * HOUR }),
    },
    { kind: "review", record: reviewOf(500, 1, 1, "hubot", "commented", 3) },
    { kind: "review", record: reviewOf(500, 1, 2, "hubot", "approved", 6) },
    // The author's own approval never counts.
    { kind: "review", record: reviewOf(500, 1, 3, "ann", "approved", 7) },
    { kind: "pullRequest", record: merged(501, 1, "bob", 0, 5) },
    { kind: "pullRequest", record: merged(502, 1, "carol", 20, 30) },
    { kind: "review", record: reviewOf(502, 1, 1, "ann", "approved", 24) },
  ]);
}

const DAY0 = dayOf(T0);
/** The `p` quantile of one sample of `hours`, as docs/metrics.md defines it (its bin, interpolated). */
const singleSample = (hours: number, p: number) => quantileHours(sampleOf(DURATIONS, hours * HOUR), p);
const range = { from: DAY0 - 6, to: DAY0 + 7 };

describe("cycle time", () => {
  test("stage figures, percentiles and the drill-down rows behind them", async () => {
    const { t, installationId, apply, lead } = await setup();
    await seed(apply);
    const all = (await lead.query(api.dashboard.analytics.cycleTime, { installationId, ...range }))!;
    expect(all.granularity).toBe("day");
    expect(all.periods).toHaveLength(14);
    expect(all.totals).toMatchObject({ merged: 3, unapproved: 1, deployed: 0 });
    const day = (d: number) => all.periods.find((p) => p.start === d)!;
    expect(day(DAY0)).toMatchObject({
      merged: 2,
      unapproved: 1,
      label: new Date(DAY0 * 86_400_000).toISOString().slice(0, 10),
    });
    expect(day(DAY0 + 1)).toMatchObject({ merged: 1, unapproved: 0 });
    expect(all.totals.stages.deploy).toEqual({ count: 0, p50Hours: null, p75Hours: null, p90Hours: null });

    // One PR: each stage's percentile is interpolated within its bin (an eighth of an octave: within 4.5%
    // of the exact hours the drill-down shows).
    const ann = (await lead.query(api.dashboard.analytics.cycleTime, { installationId, ...range, author: "ann" }))!;
    expect(ann.totals.merged).toBe(1);
    const p50 = Object.fromEntries(Object.entries(ann.totals.stages).map(([s, p]) => [s, p.p50Hours]));
    const exact = { coding: 12, pickup: 1, review: 3, merge: 4, deploy: null, cycle: 20, lead: null };
    expect(p50).toEqual(
      Object.fromEntries(Object.entries(exact).map(([s, h]) => [s, h === null ? null : singleSample(h, 0.5)])),
    );
    for (const [s, h] of Object.entries(exact))
      if (h !== null) expect(Math.abs(p50[s]! - h)).toBeLessThanOrEqual(h * 0.046);
    expect(ann.totals.stages.cycle).toEqual({
      count: 1,
      p50Hours: singleSample(20, 0.5),
      p75Hours: singleSample(20, 0.75),
      p90Hours: singleSample(20, 0.9),
    });

    // Drill-down: newest merge first, with each stage's exact hours.
    const rows = await lead.query(api.dashboard.analytics.mergedPullRequests, {
      installationId,
      ...range,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(rows.page.map((r) => [r.repository, r.number, r.authorLogin])).toEqual([
      ["acme/vault", 1, "carol"],
      ["acme/widgets", 1, "ann"],
      ["acme/gadgets", 1, "bob"],
    ]);
    expect(rows.page.length).toBe(all.totals.merged);
    expect(rows.page[1]).toMatchObject({
      firstCommitAt: T0 - 10 * HOUR,
      readyAt: T0 + 2 * HOUR,
      firstReviewAt: T0 + 3 * HOUR,
      approvedAt: T0 + 6 * HOUR,
      mergedAt: T0 + 10 * HOUR,
      deployedAt: null,
      hours: { coding: 12, pickup: 1, review: 3, merge: 4, deploy: null, cycle: 20, lead: null },
    });
    // Without a first commit, the cycle starts at creation; unapproved: no review or merge stage.
    expect(rows.page[2]).toMatchObject({
      approvedAt: null,
      hours: { coding: null, review: null, merge: null, cycle: 5 },
    });
    // Paginated.
    const first = await lead.query(api.dashboard.analytics.mergedPullRequests, {
      installationId,
      ...range,
      paginationOpts: { numItems: 2, cursor: null },
    });
    const second = await lead.query(api.dashboard.analytics.mergedPullRequests, {
      installationId,
      ...range,
      paginationOpts: { numItems: 2, cursor: first.continueCursor },
    });
    expect([...first.page, ...second.page].map((r) => r.repository)).toEqual(rows.page.map((r) => r.repository));
    await expectNoAggregateDifferences(t, installationId);
  });

  test("repository, team and author filters; the range picks the granularity", async () => {
    const { installationId, apply, lead, repoId } = await setup();
    await seed(apply);
    const figure = async (f: { repositoryId?: Id<"repositories">; team?: string; author?: string }) => {
      const c = (await lead.query(api.dashboard.analytics.cycleTime, { installationId, ...range, ...f }))!;
      const rows = await lead.query(api.dashboard.analytics.mergedPullRequests, {
        installationId,
        ...range,
        ...f,
        paginationOpts: { numItems: 10, cursor: null },
      });
      return { merged: c.totals.merged, unapproved: c.totals.unapproved, rows: rows.page.map((r) => r.repository) };
    };
    expect(await figure({ team: "core" })).toEqual({
      merged: 2,
      unapproved: 1,
      rows: ["acme/widgets", "acme/gadgets"],
    });
    expect(await figure({ team: "nobody" })).toEqual({ merged: 0, unapproved: 0, rows: [] });
    expect(await figure({ author: "carol" })).toEqual({ merged: 1, unapproved: 0, rows: ["acme/vault"] });
    expect(await figure({ team: "core", author: "carol" })).toEqual({ merged: 0, unapproved: 0, rows: [] });
    const gadgets = await repoId(501);
    expect(await figure({ repositoryId: gadgets })).toEqual({ merged: 1, unapproved: 1, rows: ["acme/gadgets"] });
    expect(await figure({ repositoryId: gadgets, author: "ann" })).toEqual({ merged: 0, unapproved: 0, rows: [] });
    expect(await figure({ repositoryId: gadgets, team: "core" })).toEqual({
      merged: 1,
      unapproved: 1,
      rows: ["acme/gadgets"],
    });

    const granularity = async (from: number, to: number) =>
      (await lead.query(api.dashboard.analytics.cycleTime, { installationId, from, to }))!;
    const month = await granularity(DAY0 - 200, DAY0 + 10);
    expect(month.granularity).toBe("month");
    expect(month.periods.at(-1)).toMatchObject({ label: "2026-10", end: DAY0 + 10, merged: 3 });
    const weeks = await granularity(DAY0 - 40, DAY0 + 10);
    expect(weeks.granularity).toBe("week");
    // 2026-10-01 is a Thursday: its week starts on Monday 2026-09-28.
    expect(weeks.periods.find((p) => p.merged > 0)).toMatchObject({ label: "Week of 2026-09-28", merged: 3 });
    expect(weeks.periods[0]!.start).toBe(DAY0 - 40);

    await expect(granularity(DAY0, DAY0 - 1)).rejects.toThrow(/must not be before/);
    await expect(granularity(DAY0 - 366, DAY0)).rejects.toThrow(/at most 366 days/);
    await expect(granularity(DAY0 + 0.5, DAY0 + 2)).rejects.toThrow(/from must be a UTC day number/);
  });

  test("a restricted member sees no figure of a private repository they cannot read", async () => {
    const { t, installationId, apply, mona, lead, repoId } = await setup();
    await seed(apply);
    const monaFigure = async (f: { repositoryId?: Id<"repositories">; author?: string } = {}) =>
      (await mona.query(api.dashboard.analytics.cycleTime, { installationId, ...range, ...f }))?.totals.merged ?? null;
    expect(await monaFigure()).toBe(2); // widgets and gadgets, not vault
    expect(await monaFigure({ author: "carol" })).toBe(0);
    const vault = await repoId(502);
    expect(await monaFigure({ repositoryId: vault })).toBeNull();
    const rows = await mona.query(api.dashboard.analytics.mergedPullRequests, {
      installationId,
      ...range,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(rows.page.map((r) => r.repository)).toEqual(["acme/widgets", "acme/gadgets"]);
    const vaultRows = await mona.query(api.dashboard.analytics.mergedPullRequests, {
      installationId,
      ...range,
      repositoryId: vault,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(vaultRows.page).toEqual([]);
    const options = (await mona.query(api.dashboard.analytics.filterOptions, { installationId }))!;
    expect(options.repositories.map((r) => r.fullName)).toEqual(["acme/gadgets", "acme/widgets"]);
    expect(options.teams).toEqual([{ slug: "core", name: "Core" }]);
    expect((await lead.query(api.dashboard.analytics.filterOptions, { installationId }))!.repositories).toHaveLength(3);

    // An outsider sees nothing at all.
    const stranger = t.withIdentity(await signInAs(t, 99, "stranger"));
    expect(await stranger.query(api.dashboard.analytics.cycleTime, { installationId, ...range })).toBeNull();
  });

  describe("later knowledge moves the figures", () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    test("a production deployment after the merge adds the deploy and lead stages in the merge day", async () => {
      const { t, installationId, apply, lead } = await setup();
      await seed(apply);
      const deployment = (githubId: number, environment: string, createdAt: number, succeededAt: number) =>
        ({
          kind: "deployment",
          record: {
            githubId,
            repoGithubId: 500,
            source: "deployment",
            environment,
            sha: "a".repeat(40),
            url: `https://api.github.com/repos/acme/widgets/deployments/${githubId}`,
            createdAt: T0 + createdAt * HOUR,
            updatedAt: T0 + succeededAt * HOUR,
            state: "success",
            succeededAt: T0 + succeededAt * HOUR,
          },
        }) as const;
      // Staging does not ship it; production created 2 h after the merge, succeeding 4 h after it, does.
      await apply([deployment(1, "staging", 11, 11.5), deployment(2, "production", 12, 14)]);
      await t.finishAllScheduledFunctions(() => vi.runAllTimers());
      const ann = (await lead.query(api.dashboard.analytics.cycleTime, { installationId, ...range, author: "ann" }))!;
      expect(ann.totals).toMatchObject({ merged: 1, deployed: 1 });
      expect(ann.periods.find((p) => p.merged > 0)).toMatchObject({ start: DAY0, deployed: 1 });
      expect(ann.totals.stages.deploy.p50Hours).toBe(singleSample(4, 0.5)); // merged → deployed: 4 h
      expect(ann.totals.stages.lead.p50Hours).toBe(singleSample(24, 0.5)); // first commit → deployed: 24 h
      const row = (
        await lead.query(api.dashboard.analytics.mergedPullRequests, {
          installationId,
          ...range,
          author: "ann",
          paginationOpts: { numItems: 10, cursor: null },
        })
      ).page[0]!;
      expect(row).toMatchObject({ deployedAt: T0 + 14 * HOUR, hours: { deploy: 4, lead: 24 } });
      await expectNoAggregateDifferences(t, installationId);
    });

    test("a privacy flip moves the repository's buckets into and out of public", async () => {
      const { t, installationId, apply, mona } = await setup();
      await seed(apply);
      const monaMerged = async () =>
        (await mona.query(api.dashboard.analytics.cycleTime, { installationId, ...range }))!.totals.merged;
      expect(await monaMerged()).toBe(2);
      await apply([], { ...REPOS[2]!, private: false }); // vault made public
      expect(await monaMerged()).toBe(3);
      await expectNoAggregateDifferences(t, installationId);
      await apply([], { ...REPOS[0]!, private: true }); // widgets made private: hers no more
      await t.finishAllScheduledFunctions(() => vi.runAllTimers());
      expect(await monaMerged()).toBe(2);
      const merged = async (key: string) =>
        (await bucketTotal(t, installationId, CYCLE, "public", { key })).n.merged ?? 0;
      expect([await merged(""), await merged("carol")]).toEqual([1, 1]);
      await expectNoAggregateDifferences(t, installationId);
    });

    test("long stages are not capped: cycles of 50 and 400 days read as such (within a bin's 4.5%)", async () => {
      const { installationId, apply, lead } = await setup();
      for (const [number, days] of [
        [7, 50],
        [8, 400],
      ] as const) {
        await apply([{ kind: "pullRequest", record: merged(500, number, "ann", -days * 24, 0) }]);
      }
      const one = async (author: string, from: number, to: number) =>
        (await lead.query(api.dashboard.analytics.cycleTime, { installationId, from, to, author }))!.totals.stages
          .cycle;
      // Both merged at T0: the median reads in the 50-day sample's bin, p90 in the 400-day one's (each
      // bin spans 9%: a reading within it is at most that far from the exact duration).
      const both = await one("ann", DAY0 - 1, DAY0 + 1);
      expect(both.count).toBe(2);
      expect(Math.abs(both.p50Hours! - 50 * 24) / (50 * 24)).toBeLessThan(0.091);
      expect(Math.abs(both.p90Hours! - 400 * 24) / (400 * 24)).toBeLessThan(0.091);
    });

    test("an approval after the merge does not count; a webhook without the first commit keeps it", async () => {
      const { t, installationId, apply, lead } = await setup();
      await seed(apply);
      const gadgetsUnapproved = async () =>
        (await lead.query(api.dashboard.analytics.cycleTime, { installationId, ...range, author: "bob" }))!.totals
          .unapproved;
      await apply([{ kind: "review", record: reviewOf(501, 1, 1, "ann", "approved", 6) }]);
      expect(await gadgetsUnapproved()).toBe(1);
      // A review submitted before the merge, arriving late, approves it after all.
      await apply([{ kind: "review", record: reviewOf(501, 1, 2, "ann", "approved", 4) }]);
      expect(await gadgetsUnapproved()).toBe(0);

      // widgets#1 again, as a later webhook: no first commit in the payload; the stored one stays.
      await apply([
        {
          kind: "pullRequest",
          record: merged(500, 1, "ann", 0, 10, {
            readyForReviewAt: T0 + 2 * HOUR,
            updatedAt: T0 + 50 * HOUR,
            title: "x",
          }),
        },
      ]);
      const ann = (await lead.query(api.dashboard.analytics.cycleTime, { installationId, ...range, author: "ann" }))!;
      expect(ann.totals.stages.coding.count).toBe(1);
      // An older sync page that knows an earlier first commit still moves it (earliest known wins).
      await apply([
        {
          kind: "pullRequest",
          record: merged(500, 1, "ann", 0, 10, { firstCommitAt: T0 - 20 * HOUR, updatedAt: T0 + 11 * HOUR }),
        },
      ]);
      const row = (
        await lead.query(api.dashboard.analytics.mergedPullRequests, {
          installationId,
          ...range,
          author: "ann",
          paginationOpts: { numItems: 10, cursor: null },
        })
      ).page[0]!;
      expect(row).toMatchObject({ title: "x", firstCommitAt: T0 - 20 * HOUR, hours: { coding: 22 } });
      await expectNoAggregateDifferences(t, installationId);
    });
  });
});
