/**
 * The PR list triages (issue 23, item 2): sorted by last update, age (oldest first) or waiting
 * (waiting longest first), filtered by repository by its full name (as the list's URL carries it),
 * author and health in any order; a repository the caller may not read answers like a missing one.
 */
import { describe, expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { expectNoAggregateDifferences } from "./helpers/convex";
import { ORG, orgWithPeople } from "./helpers/org";
import { HOUR, pr, repo, T0 } from "./helpers/records";

const page = { numItems: 50, cursor: null };

async function setup() {
  const org = await orgWithPeople();
  const { t, installationId } = org;
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [
      repo(),
      repo({ githubId: 501, name: "gadgets" }),
      repo({ githubId: 502, name: "vault", private: true }),
    ],
  });
  // #1 old, updated last; #2 newest, waits longest on bob; #3 in between, waits on carol; #4 in gadgets, big.
  const prs = [
    pr({ number: 1, createdAt: T0, updatedAt: T0 + 50 * HOUR, authorLogin: "amy" }),
    pr({
      number: 2,
      createdAt: T0 + 20 * HOUR,
      updatedAt: T0 + 21 * HOUR,
      authorLogin: "ben",
      requestedReviewers: 1,
      reviewRequests: [{ reviewer: "bob", requestedAt: T0 + 20 * HOUR }],
    }),
    pr({
      number: 3,
      createdAt: T0 + 10 * HOUR,
      updatedAt: T0 + 30 * HOUR,
      authorLogin: "amy",
      requestedReviewers: 1,
      reviewRequests: [{ reviewer: "carol", requestedAt: T0 + 30 * HOUR }],
    }),
    pr({
      number: 4,
      repoGithubId: 501,
      githubId: 9004,
      url: "https://github.com/acme/gadgets/pull/4",
      createdAt: T0 + 5 * HOUR,
      updatedAt: T0 + 6 * HOUR,
      additions: 700,
      deletions: 20,
    }),
    pr({
      number: 5,
      repoGithubId: 502,
      githubId: 9005,
      url: "https://github.com/acme/vault/pull/5",
      createdAt: T0 - HOUR,
    }),
  ];
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: prs.map((record) => ({ kind: "pullRequest" as const, record })),
  });
  return org;
}

describe("the PR list's orders and filters", () => {
  test("sorted by update, age and waiting; by repository name; author with another order", async () => {
    const { t, installationId, owner, dev } = await setup();
    const numbers = async (args: Record<string, unknown>, as = owner) =>
      (await as.query(api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, ...args })).page.map(
        (r) => r.number,
      );
    expect(await numbers({})).toEqual([1, 3, 2, 4, 5]);
    expect(await numbers({ sort: "age" })).toEqual([5, 1, 4, 3, 2]);
    // Waiting: only PRs that wait on someone, the longest first.
    const waiting = await numbers({ sort: "waiting" });
    expect(waiting.indexOf(2)).toBeLessThan(waiting.indexOf(3));
    expect(await numbers({ repository: "acme/gadgets" })).toEqual([4]);
    expect(await numbers({ repository: "acme/gadgets", sort: "age" })).toEqual([4]);
    expect(await numbers({ author: "amy", sort: "age" })).toEqual([1, 3]);
    expect(await numbers({ repository: "acme/nope" })).toEqual([]);
    // By size: the most changed lines first; sizes GitHub never said come last.
    expect((await numbers({ sort: "size" }))[0]).toBe(4);
    expect((await numbers({ sort: "size", state: "all" }))[0]).toBe(4);
    // A team's PRs: those its members authored (amy and zed are in "web").
    await t.run(async (ctx) => {
      await ctx.db.insert("teams", { accountId: ORG, githubId: 71, slug: "web", name: "Web", seenAt: T0 });
      for (const [id, login] of [
        [11, "amy"],
        [12, "zed"],
      ] as const)
        await ctx.db.insert("teamMembers", { accountId: ORG, teamGithubId: 71, githubUserId: id, login, seenAt: T0 });
    });
    expect(await numbers({ team: "web" })).toEqual([1, 3]);
    expect(await numbers({ team: "web", sort: "age" })).toEqual([1, 3]);
    expect(await numbers({ team: "web", author: "ben" })).toEqual([]);
    expect(await numbers({ team: "nobody" })).toEqual([]);
    // A reviewer's queue (Reviewer load's names open it).
    expect(await numbers({ reviewer: "bob" })).toEqual([2]);
    expect(await numbers({ reviewer: "carol", author: "amy" })).toEqual([3]);
    expect(await numbers({ reviewer: "carol", author: "ben" })).toEqual([]);
    // The diff's size comes with the row.
    const [big] = (
      await owner.query(api.dashboard.lists.pullRequests, {
        installationId,
        paginationOpts: page,
        repository: "acme/gadgets",
      })
    ).page;
    expect(big).toMatchObject({ additions: 700, deletions: 20 });
    // A private repository dev may not read answers as a missing one, in every order.
    expect(await numbers({ repository: "acme/vault" }, dev)).toEqual([]);
    expect(await numbers({ sort: "age" }, dev)).toEqual([1, 4, 3, 2]);
  });
});

test("the migration gives pull requests stored before sizes were derived their size, once", async () => {
  const { t, installationId, owner } = await setup();
  await t.run(async (ctx) => {
    for (const pr of await ctx.db.query("pullRequests").collect())
      await ctx.db.patch(pr._id, { changedLines: undefined });
  });
  const first = async () =>
    (
      await owner.query(api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, sort: "size" })
    ).page.map((r) => r.number)[0];
  expect(await first()).not.toBe(4);
  await t.mutation(internal.model.migrations.backfillChangedLines, {});
  await t.finishAllScheduledFunctions(() => {});
  expect(await first()).toBe(4);
  await expectNoAggregateDifferences(t, installationId);
});
