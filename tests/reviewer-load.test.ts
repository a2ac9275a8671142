/**
 * Reviewer load (issue 13, deliverable 5): per person and per team, the open review requests, the
 * median time from a request to the first review after it (measured from the request, not from the
 * PR's creation) and the reviews given, from the reviewer buckets — whatever order the PR, its reviews
 * and its request history arrive in.
 */
import { describe, expect, test } from "vitest";
import { upsertTeam, upsertTeamMember } from "../convex/people/teams";
import { api, internal } from "../convex/_generated/api";
import { dayOf, reviewPickups } from "../convex/model/contribution";
import type { AnyRecord } from "../convex/model/records";
import { createInstallation, expectNoAggregateDifferences, makeConvex, signInAs } from "./helpers/convex";
import { HOUR, pr, repo, review, T0 } from "./helpers/records";

const INSTALLER = 77;

async function setup() {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.run(async (ctx) => {
    const installation = (await ctx.db.get(installationId))!;
    await ctx.db.patch(installation._id, { installedByGithubUserId: INSTALLER, installedByLogin: "lead" });
  });
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
  const apply = (...records: AnyRecord[]) =>
    t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  const lead = t.withIdentity(await signInAs(t, INSTALLER, "lead"));
  const load = async (args: { today?: number; days?: number } = {}) =>
    (await lead.query(api.dashboard.reviewerLoad.reviewerLoad, { installationId, ...args }))!;
  return { t, installationId, apply, load };
}

/** PR #1, created at T0, hubot asked 100 h later, ann and team:core too; hubot answers 1.5 h after his request. */
const requested = pr({
  updatedAt: T0 + 100 * HOUR,
  requestedReviewers: 2,
  reviewRequests: [
    { reviewer: "ann", requestedAt: T0 + 100 * HOUR },
    { reviewer: "team:core", requestedAt: T0 + 100 * HOUR },
  ],
  requestHistory: [
    { reviewer: "hubot", requestedAt: T0 + 100 * HOUR },
    { reviewer: "ann", requestedAt: T0 + 100 * HOUR },
    { reviewer: "team:core", requestedAt: T0 + 100 * HOUR },
  ],
});
const hubotReview = review({ githubId: 1, authorLogin: "hubot", state: "commented", submittedAt: T0 + 101.5 * HOUR });

describe("pickup samples (pure)", () => {
  test("one per request: the reviewer's first review at or after it and before their next request", () => {
    const reviews = [
      { authorLogin: "ann", state: "approved", submittedAt: T0 + 2 * HOUR },
      { authorLogin: "ann", state: "approved", submittedAt: T0 + 3 * HOUR }, // not a second answer
      { authorLogin: "ann", state: "commented", submittedAt: T0 + 30 * HOUR },
      { authorLogin: "octocat", state: "commented", submittedAt: T0 + 5 * HOUR }, // the author
      { authorLogin: "bob", state: "pending" }, // not submitted
    ];
    const samples = reviewPickups(
      {
        authorLogin: "octocat",
        requestHistory: [
          { reviewer: "ann", requestedAt: T0 },
          { reviewer: "ann", requestedAt: T0 + 20 * HOUR }, // re-requested: answered 10 h later
          { reviewer: "bob", requestedAt: T0 },
          { reviewer: "team:core", requestedAt: T0 + HOUR },
        ],
        reviewRequests: [{ reviewer: "ann", requestedAt: T0 + 20 * HOUR }], // the same request twice
      },
      reviews,
    );
    expect(samples).toEqual([
      { reviewer: "ann", day: dayOf(T0 + 2 * HOUR), ms: 2 * HOUR },
      { reviewer: "ann", day: dayOf(T0 + 30 * HOUR), ms: 10 * HOUR },
      // A team's request is answered by anyone's review but the author's.
      { reviewer: "team:core", day: dayOf(T0 + 2 * HOUR), ms: HOUR },
    ]);
  });
});

describe("reviewerLoad", () => {
  test("median pickup is measured from the request, not from the PR's creation", async () => {
    const { t, installationId, apply, load } = await setup();
    await apply({ kind: "pullRequest", record: requested });
    await apply(
      { kind: "review", record: hubotReview },
      // bob reviews later: his own review, no request of his.
      {
        kind: "review",
        record: review({ githubId: 2, authorLogin: "bob", state: "approved", submittedAt: T0 + 103 * HOUR }),
      },
    );
    const today = dayOf(T0 + 103 * HOUR);
    const result = await load({ today });
    expect(result).toMatchObject({ days: 30, to: new Date(today * 86_400_000).toISOString().slice(0, 10) });
    const people = Object.fromEntries(result.people.map((r) => [r.reviewer, r]));
    // 1.5 h from the request (bin [1 h, 2 h)), not 101.5 h from the PR's creation.
    expect(people.hubot).toMatchObject({ openRequests: 0, pickups: 1, medianPickupHours: 1.4, reviewsGiven: 1 });
    expect(people.ann).toMatchObject({ openRequests: 1, pickups: 0, medianPickupHours: null, reviewsGiven: 0 });
    expect(people.bob).toMatchObject({ openRequests: 0, pickups: 0, reviewsGiven: 1 });
    expect(result.people[0]!.reviewer).toBe("ann"); // most open requests first
    // The team's request is answered by the first review of anyone but the author (hubot's, 1.5 h); it
    // stays open while GitHub lists it (as the inbox shows it).
    // Not listed from GitHub (yet): the team's own requests, under its slug.
    expect(result.teams).toEqual([
      {
        reviewer: "team:core",
        kind: "team",
        name: "core",
        members: 0,
        openRequests: 1,
        pickups: 1,
        medianPickupHours: 1.4,
        reviewsGiven: 0,
      },
    ]);
    await expectNoAggregateDifferences(t, installationId);

    // Once the team and its members are known, its load adds its members' to its own requests.
    await t.run(async (ctx) => {
      await upsertTeam(ctx.db, 9001, { githubId: 31, slug: "core", name: "Core" }, 1);
      for (const [id, login] of [
        [41, "ann"],
        [42, "hubot"],
      ] as const) {
        await upsertTeamMember(ctx.db, { accountId: 9001, teamGithubId: 31, githubUserId: id, login }, 1);
      }
    });
    expect((await load()).teams).toEqual([
      {
        reviewer: "team:core",
        kind: "team",
        name: "Core",
        members: 2,
        openRequests: 2, // the team's and ann's
        pickups: 2, // the team's and hubot's
        medianPickupHours: 1.4,
        reviewsGiven: 1, // hubot's
      },
    ]);

    // Outside the window (30 days later), nothing but open requests remains.
    const later = await load({ today: today + 40 });
    expect(later.people.map((p) => [p.reviewer, p.openRequests, p.reviewsGiven])).toEqual([["ann", 1, 0]]);
    expect(later.teams.map((p) => [p.reviewer, p.openRequests, p.pickups])).toEqual([["team:core", 2, 0]]);
  });

  test("the order PR, reviews and request history arrive in does not matter", async () => {
    const inOrder = await setup();
    await inOrder.apply({ kind: "pullRequest", record: requested });
    await inOrder.apply({ kind: "review", record: hubotReview });

    const reversed = await setup();
    await reversed.apply({ kind: "review", record: hubotReview });
    // First seen without its history (a webhook), then a sync page brings the timeline.
    const { requestHistory: _history, ...withoutHistory } = requested;
    await reversed.apply({ kind: "pullRequest", record: { ...withoutHistory, updatedAt: T0 + 99 * HOUR } });
    await reversed.apply({ kind: "pullRequest", record: requested });

    const today = dayOf(T0 + 102 * HOUR);
    expect(await reversed.load({ today })).toEqual(await inOrder.load({ today }));
    await expectNoAggregateDifferences(reversed.t, reversed.installationId);
  });

  test("closing the PR ends its open requests; days and today are validated", async () => {
    const { t, installationId, apply, load } = await setup();
    await apply({ kind: "pullRequest", record: requested });
    expect((await load()).people.map((p) => p.reviewer)).toEqual(["ann"]);
    await apply({
      kind: "pullRequest",
      record: { ...requested, state: "closed", closedAt: T0 + 200 * HOUR, updatedAt: T0 + 200 * HOUR },
    });
    expect((await load()).people).toEqual([]);
    await expect(load({ days: 91 })).rejects.toThrow(/days must be a whole number from 1 to 90/);
    await expect(load({ today: 1.5 })).rejects.toThrow(/today must be a UTC day number/);
    await expectNoAggregateDifferences(t, installationId);
  });
});
