/**
 * Alerts people act on (issue 23, item 3): the Alerts page's rows — one per pull request listing its
 * open breaches, "mine and my teams" by default, everything on request, filters by agreement,
 * repository and team, team names rather than slugs — and the daily digest: a destination on the daily
 * cadence gets one Slack message a day (what broke, what waits longest, what was fixed), none per alert,
 * and nothing on a day with nothing to say.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { AnyRecord } from "../convex/model/records";
import { measureQuery, signInAs } from "./helpers/convex";
import { ORG, orgWithPeople } from "./helpers/org";
import { HOUR, pr, repo, T0 } from "./helpers/records";

const SLACK = "https://hooks.slack.com/services/T0001/B0002/s3cr3tT0kenXyZw";

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

async function setup() {
  const org = await orgWithPeople();
  const { t, installationId } = org;
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [repo(), repo({ githubId: 501, name: "gadgets" })],
  });
  // The "Platform" team (slug platform): dev is in it.
  await t.run(async (ctx) => {
    await ctx.db.insert("teams", { accountId: ORG, githubId: 70, slug: "platform", name: "Platform", seenAt: T0 });
    await ctx.db.insert("teamMembers", { accountId: ORG, teamGithubId: 70, githubUserId: 3, login: "dev", seenAt: T0 });
  });
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      vi.runOnlyPendingTimers();
      await org.t.finishInProgressScheduledFunctions();
    }
  };
  const apply = async (...records: AnyRecord[]) => {
    await t.mutation(internal.model.ingest.applyRecords, { installationId, records });
    await settle();
  };
  return { ...org, apply, settle };
}

/** PR 1 in widgets waits on five reviewers (one a team) and is big; PR 2 in gadgets waits on bob only. */
const flood = (): AnyRecord[] => [
  {
    kind: "pullRequest",
    record: pr({
      authorLogin: "owner",
      additions: 900,
      deletions: 300,
      requestedReviewers: 5,
      reviewRequests: ["bob", "carol", "dave", "erin", "team:platform"].map((reviewer) => ({
        reviewer,
        requestedAt: T0,
      })),
    }),
  },
  {
    kind: "pullRequest",
    record: pr({
      githubId: 7777,
      repoGithubId: 501,
      number: 2,
      title: "Gadgets",
      url: "https://github.com/acme/gadgets/pull/2",
      authorLogin: "zed",
      requestedReviewers: 1,
      reviewRequests: [{ reviewer: "bob", requestedAt: T0 }],
    }),
  },
];

describe("the Alerts page: one row per pull request", () => {
  test("five reviewers' breaches and a size breach are one row; mine by default, everyone on request", async () => {
    const { t, installationId, owner, dev, apply } = await setup();
    vi.setSystemTime(T0 + 30 * HOUR);
    await apply(...flood());
    expect((await t.run((ctx) => ctx.db.query("alerts").collect())).length).toBe(7);

    // The owner authored PR 1: one row, its six breaches, the team by its name.
    const mine = (await owner.query(api.alerts.rows.open, { installationId }))!;
    expect(mine.rows).toHaveLength(1);
    expect(mine.rows[0]).toMatchObject({ about: "pullRequest", repository: "acme/widgets", number: 1, unread: true });
    expect(mine.rows[0]!.breaches.map((b) => [b.kind, b.who]).sort()).toEqual([
      ["pickup", "Platform team"],
      ["pickup", "bob"],
      ["pickup", "carol"],
      ["pickup", "dave"],
      ["pickup", "erin"],
      ["size", null],
    ]);
    // dev is in Platform: PR 1 concerns them through the team, PR 2 not at all.
    const devs = (await dev.query(api.alerts.rows.open, { installationId }))!;
    expect(devs.rows.map((r) => r.number)).toEqual([1]);
    expect(devs.teams).toEqual([{ slug: "platform", name: "Platform team" }]);
    // Everything: one row per PR.
    const all = (await dev.query(api.alerts.rows.open, { installationId, everyone: true }))!;
    expect(all.rows.map((r) => r.number).sort()).toEqual([1, 2]);
    expect(all.repositories).toEqual(["acme/gadgets", "acme/widgets"]);

    // Filters: agreement, repository, team.
    const sizes = (await dev.query(api.alerts.rows.open, { installationId, everyone: true, kind: "size" }))!;
    expect(sizes.rows.map((r) => [r.number, r.breaches.length])).toEqual([[1, 1]]);
    const gadgets = (await dev.query(api.alerts.rows.open, {
      installationId,
      everyone: true,
      repository: "acme/gadgets",
    }))!;
    expect(gadgets.rows.map((r) => r.number)).toEqual([2]);
    const platform = (await owner.query(api.alerts.rows.open, { installationId, everyone: true, team: "platform" }))!;
    expect(platform.rows.map((r) => [r.number, r.breaches.map((b) => b.who)])).toEqual([[1, ["Platform team"]]]);

    // The page reads the alerts (with the PR and reviewer they stored) and the repositories, never the
    // pull requests every webhook rewrites: its cost is the alerts it groups plus a constant.
    const stored = await t.run((ctx) => ctx.db.query("alerts").collect());
    expect(stored.filter((a) => a.kind === "pickup").every((a) => a.reviewer && a.pullRequest?.number)).toBe(true);
    const lead = await signInAs(t, 2, "owner");
    const measured = await measureQuery(t, lead, api.alerts.rows.open, { installationId, everyone: true });
    expect(measured.result!.rows).toHaveLength(2);
    expect(measured.documentsRead).toBeLessThanOrEqual(stored.length + 2 + 8);

    // Read: the row stays, no longer unread.
    await owner.mutation(api.alerts.bell.markRead, { installationId });
    expect((await owner.query(api.alerts.rows.open, { installationId }))!.unread).toBe(0);
  });
});

describe("the daily digest", () => {
  const calls: Array<{ text: string }> = [];
  const fakeSlack = () => {
    calls.length = 0;
    vi.stubGlobal("fetch", async (_url: string, init?: RequestInit) => {
      calls.push(JSON.parse(String(init?.body)) as { text: string });
      return new Response("ok", { status: 200 });
    });
  };

  test("a daily destination gets one message a day with one line per PR, none per alert, none when quiet", async () => {
    const { t, installationId, owner, apply, settle } = await setup();
    fakeSlack();
    const daily = await owner.mutation(api.notify.destinations.add, { installationId, url: SLACK, label: "#eng" });
    await owner.mutation(api.notify.destinations.setCadence, { destinationId: daily, cadence: "daily" });
    // A quiet day: nothing to say, nothing sent.
    await t.mutation(internal.notify.digest.sendDigests, {});
    await settle();
    expect(calls).toEqual([]);

    vi.setSystemTime(T0 + 30 * HOUR);
    await apply(...flood());
    expect(calls).toEqual([]); // seven alerts, no message in real time

    await t.mutation(internal.notify.digest.sendDigests, {});
    await settle();
    expect(calls).toHaveLength(1);
    const text = calls[0]!.text;
    expect(text).toContain("New in the last 24 h: 2");
    expect(text).toContain("(6 breaches)");
    expect(text.split("\n").filter((l) => l.startsWith("•"))).toHaveLength(2);
    // Once a day, however often the pass runs.
    await t.mutation(internal.notify.digest.sendDigests, {});
    await settle();
    expect(calls).toHaveLength(1);

    // The next day: the breaches have waited a day; the digest says so, still one message.
    vi.setSystemTime(T0 + 56 * HOUR);
    await t.mutation(internal.notify.digest.sendDigests, {});
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.text).toContain("Waiting longest");
    expect(calls[1]!.text).toContain("open 1 day");
    const log = await owner.query(api.notify.destinations.deliveries, {
      installationId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(log.page.map((d) => d.event)).toEqual(["digest", "digest"]);
  });

  test("a real-time destination beside it still gets a message per alert", async () => {
    const { installationId, owner, apply } = await setup();
    fakeSlack();
    await owner.mutation(api.notify.destinations.add, { installationId, url: SLACK, label: "#now" });
    vi.setSystemTime(T0 + 30 * HOUR);
    await apply(...flood());
    expect(calls.length).toBe(7);
  });
});
