/**
 * Working agreements and the alert engine (issue 15): each breach raises exactly one alert at its
 * boundary — through the write path for data, through the cron's scan for time — which resolves when
 * the condition clears; alerts about a private repository reach only people who can read it; the
 * bell's unread count and mark-as-read; only administrators change agreements; the preview's counts
 * against a recount.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { DAY_MS, dayOf } from "../convex/model/contribution";
import type { AnyRecord } from "../convex/model/records";
import { orgWithPeople } from "./helpers/org";
import { HOUR, pr, repo, review, T0 } from "./helpers/records";

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

async function setup(options: { private?: boolean } = {}) {
  const { t, installationId, owner, dev } = await orgWithPeople();
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [repo({ private: options.private ?? false })],
  });
  const processDue = async () => {
    for (let i = 0; i < 4; i++) {
      vi.runOnlyPendingTimers();
      await t.finishInProgressScheduledFunctions();
    }
  };
  const apply = async (...records: AnyRecord[]) => {
    await t.mutation(internal.model.ingest.applyRecords, { installationId, records });
    await processDue();
  };
  const scan = async () => {
    await t.mutation(internal.alerts.engine.scan, { installationId });
    await processDue();
  };
  const alerts = () => t.run((ctx) => ctx.db.query("alerts").collect());
  const open = async () => (await alerts()).filter((a) => a.resolvedAt === undefined).map((a) => a.subject);
  return { t, installationId, owner, dev, apply, scan, alerts, open, processDue };
}

const requested = (o: Parameters<typeof pr>[0] = {}) =>
  pr({ requestedReviewers: 1, reviewRequests: [{ reviewer: "bob", requestedAt: T0 }], ...o });

describe("one alert per breach, at its boundary, resolved when it clears", () => {
  test("a review request passing 24 h with no activity; a review resolves it", async () => {
    const { t, apply, scan, alerts, open } = await setup();
    await apply({ kind: "pullRequest", record: requested() });
    expect(await alerts()).toEqual([]);
    vi.setSystemTime(T0 + 24 * HOUR - 1);
    await scan();
    expect(await alerts()).toEqual([]);
    vi.setSystemTime(T0 + 24 * HOUR);
    await scan();
    const id = (await t.run((ctx) => ctx.db.query("pullRequests").first()))!._id;
    expect(await open()).toEqual([`pickup:${id}:bob`]);
    vi.setSystemTime(T0 + 30 * HOUR);
    await scan();
    await scan();
    expect(await alerts()).toHaveLength(1);
    expect((await alerts())[0]).toMatchObject({ kind: "pickup", openedAt: T0 + 24 * HOUR, url: pr().url });

    await apply({ kind: "review", record: review({ authorLogin: "bob", submittedAt: T0 + 30 * HOUR }) });
    expect(await open()).toEqual([]);
    expect((await alerts())[0]!.resolvedAt).toBe(T0 + 30 * HOUR);
    await scan();
    expect(await alerts()).toHaveLength(1);
  });

  test("a request already older than the agreement when it arrives raises at once, and once", async () => {
    const { apply, scan, alerts } = await setup();
    vi.setSystemTime(T0 + 48 * HOUR);
    await apply({ kind: "pullRequest", record: requested() });
    expect((await alerts()).map((a) => a.kind)).toEqual(["pickup"]);
    await scan();
    expect(await alerts()).toHaveLength(1);
  });

  test("a PR open 14 days; merging resolves it", async () => {
    const { apply, scan, alerts, open } = await setup();
    await apply({ kind: "pullRequest", record: pr() });
    vi.setSystemTime(T0 + 14 * DAY_MS - 1);
    await scan();
    expect(await alerts()).toEqual([]);
    vi.setSystemTime(T0 + 14 * DAY_MS);
    await scan();
    await scan();
    expect((await alerts()).map((a) => [a.kind, a.openedAt])).toEqual([["open_too_long", T0 + 14 * DAY_MS]]);
    const merged = T0 + 15 * DAY_MS;
    vi.setSystemTime(merged);
    await apply({ kind: "pullRequest", record: pr({ state: "merged", mergedAt: merged, updatedAt: merged }) });
    expect(await open()).toEqual([]);
    expect(await alerts()).toHaveLength(1);
  });

  test("a PR over the size agreement; shrinking it resolves it; growing again is a new breach", async () => {
    const { apply, alerts, open } = await setup();
    await apply({ kind: "pullRequest", record: pr({ additions: 400, deletions: 100 }) });
    expect(await open()).toHaveLength(1);
    expect((await alerts())[0]).toMatchObject({ kind: "size" });
    // Another write that leaves the size alone raises nothing more.
    await apply({ kind: "pullRequest", record: pr({ additions: 400, deletions: 100, title: "x", updatedAt: T0 + 1 }) });
    expect(await alerts()).toHaveLength(1);
    await apply({ kind: "pullRequest", record: pr({ additions: 300, deletions: 100, updatedAt: T0 + 2 }) });
    expect(await open()).toEqual([]);
    await apply({ kind: "pullRequest", record: pr({ additions: 300, deletions: 300, updatedAt: T0 + 3 }) });
    expect((await alerts()).map((a) => a.resolvedAt === undefined)).toEqual([false, true]);
  });

  test("a person with 5 open review requests; a review bringing it to 4 resolves it", async () => {
    const { apply, alerts, open } = await setup();
    const prs = [1, 2, 3, 4, 5].map((number) =>
      requested({ number, githubId: 7000 + number, url: `https://github.com/acme/widgets/pull/${number}` }),
    );
    await apply(...prs.slice(0, 4).map((record) => ({ kind: "pullRequest" as const, record })));
    expect(await alerts()).toEqual([]);
    await apply({ kind: "pullRequest", record: prs[4]! });
    // Counted in both visibility groups (the repository is public): every repository's and the public ones'.
    expect((await open()).sort()).toEqual(["public-requests:bob", "requests:bob"]);
    await apply({ kind: "pullRequest", record: prs[4]!, ...{} }); // the same version again: nothing
    expect(await alerts()).toHaveLength(2);
    await apply({ kind: "review", record: review({ prNumber: 5, authorLogin: "bob", submittedAt: T0 + HOUR }) });
    expect(await open()).toEqual([]);
    expect(await alerts()).toHaveLength(2);
  });

  test("seed 000's conditions: failure rate over 10% of the last 10 jobs, budget under 10%, webhook lag over 60 s", async () => {
    const { t, installationId, scan, open } = await setup();
    await t.run(async (ctx) => {
      for (let i = 0; i < 10; i++) {
        await ctx.db.insert("syncJobs", {
          installationId,
          trigger: "cron",
          state: i < 2 ? "failed" : "completed",
          createdAt: T0 - i,
          finishedAt: T0 - i,
          lease: { generation: 0, claimed: false, expiresAt: 0 },
          attempt: 0,
          cursor: { phase: "list", pageSize: 50 },
          progress: { current: 0, total: 0, itemsFetched: 0 },
          stats: { requests: 0, notModified: 0, primaryBudgetUsed: 0, itemsWritten: 0, mutations: 0 },
        });
      }
      await ctx.db.insert("rateLimits", {
        installationId,
        resource: "core",
        limit: 5000,
        remaining: 400,
        used: 4600,
        resetAt: T0 + HOUR,
        observedAt: T0,
      });
      await ctx.db.insert("webhookHourly", {
        installationId,
        hour: Math.floor(T0 / HOUR),
        applied: 1,
        lagMsSum: 61_000,
        lagMsMax: 61_000,
        lagHist: [],
      });
    });
    await scan();
    expect((await open()).sort()).toEqual(["rate_limit:core", "sync_failures", "webhook_lag"]);
    await scan();
    expect(await open()).toHaveLength(3);
    // The budget resets, the lag hour passes: those resolve; the failures stay.
    vi.setSystemTime(T0 + 3 * HOUR);
    await scan();
    expect(await open()).toEqual(["sync_failures"]);
  });
});

test("opening and resolving an alert queues it for the installation's Slack destinations (notify/slack.ts)", async () => {
  vi.stubGlobal("fetch", async () => new Response("ok", { status: 200 }));
  try {
    const { t, installationId, apply } = await setup();
    await t.run((ctx) =>
      ctx.db.insert("notificationDestinations", {
        installationId,
        kind: "slack",
        url: "https://hooks.slack.com/services/T1/B1/secret",
        hint: "hooks.slack.com/…/cret",
        label: "#alerts",
        enabled: true,
        createdBy: "owner",
        createdAt: T0,
        updatedBy: "owner",
        updatedAt: T0,
      }),
    );
    await apply({ kind: "pullRequest", record: pr({ additions: 900 }) });
    await apply({ kind: "pullRequest", record: pr({ additions: 9, updatedAt: T0 + 1 }) });
    const [alert] = await t.run((ctx) => ctx.db.query("alerts").collect());
    const deliveries = await t.run((ctx) => ctx.db.query("notificationDeliveries").collect());
    expect(deliveries.map((d) => [d.event, d.alertId])).toEqual([
      ["opened", alert!._id],
      ["resolved", alert!._id],
    ]);
  } finally {
    vi.unstubAllGlobals();
  }
});

describe("the bell", () => {
  test("an alert about a private repository reaches only people who can read it", async () => {
    const { t, installationId, owner, dev, apply } = await setup({ private: true });
    await apply({ kind: "pullRequest", record: pr({ additions: 900 }) });
    const page = { numItems: 10, cursor: null };
    expect((await owner.query(api.alerts.bell.list, { installationId, paginationOpts: page })).page).toHaveLength(1);
    expect(await owner.query(api.alerts.bell.unreadCount, { installationId })).toEqual({ count: 1, more: false });
    expect((await dev.query(api.alerts.bell.list, { installationId, paginationOpts: page })).page).toEqual([]);
    expect(await dev.query(api.alerts.bell.unreadCount, { installationId })).toEqual({ count: 0, more: false });
    // Granted to dev as a collaborator: now it reaches them.
    await t.run(async (ctx) => {
      const repositoryId = (await ctx.db.query("repositories").first())!._id;
      await ctx.db.insert("repositoryGrants", {
        installationId,
        repositoryId,
        githubUserId: 3,
        permission: "read",
        seenAt: T0,
      });
    });
    expect(await dev.query(api.alerts.bell.unreadCount, { installationId })).toEqual({ count: 1, more: false });
  });

  test("mark as read, per user; a new alert is unread again", async () => {
    const { installationId, owner, dev, apply } = await setup();
    await apply({ kind: "pullRequest", record: pr({ additions: 900 }) });
    expect(await dev.query(api.alerts.bell.unreadCount, { installationId })).toEqual({ count: 1, more: false });
    await dev.mutation(api.alerts.bell.markRead, { installationId });
    expect(await dev.query(api.alerts.bell.unreadCount, { installationId })).toEqual({ count: 0, more: false });
    expect(await owner.query(api.alerts.bell.unreadCount, { installationId })).toEqual({ count: 1, more: false });
    const page = { numItems: 10, cursor: null };
    expect((await dev.query(api.alerts.bell.list, { installationId, paginationOpts: page })).page).toMatchObject([
      { kind: "size", unread: false, resolvedAt: null },
    ]);
    vi.setSystemTime(T0 + HOUR);
    await apply({
      kind: "pullRequest",
      record: pr({ number: 2, githubId: 7002, additions: 900, url: "https://github.com/acme/widgets/pull/2" }),
    });
    expect(await dev.query(api.alerts.bell.unreadCount, { installationId })).toEqual({ count: 1, more: false });
  });
});

describe("working agreements", () => {
  test("only administrators change them; members read them; a change re-evaluates open work", async () => {
    const { installationId, owner, dev, apply, processDue, open } = await setup();
    const agreements = { pickupHours: 24, openDays: 14, maxChangedLines: 500, maxOpenRequests: 5 };
    expect((await dev.query(api.settings.get, { installationId }))!.agreements).toEqual(agreements);
    await expect(dev.mutation(api.settings.update, { installationId, staleAfterDays: 7, agreements })).rejects.toThrow(
      /owners and the person who installed/,
    );
    await expect(
      owner.mutation(api.settings.update, {
        installationId,
        staleAfterDays: 7,
        agreements: { ...agreements, openDays: 0 },
      }),
    ).rejects.toThrow(/from 1 to 365/);

    await apply({ kind: "pullRequest", record: pr({ additions: 300 }) });
    expect(await open()).toEqual([]);
    await owner.mutation(api.settings.update, {
      installationId,
      staleAfterDays: 7,
      agreements: { ...agreements, maxChangedLines: 200 },
    });
    await processDue();
    expect(await dev.query(api.settings.get, { installationId })).toMatchObject({
      agreements: { ...agreements, maxChangedLines: 200 },
      updatedByLogin: "owner",
    });
    expect((await open()).map((s) => s.split(":")[0])).toEqual(["size"]);
    // Back up: the alert resolves.
    await owner.mutation(api.settings.update, { installationId, staleAfterDays: 7, agreements });
    await processDue();
    expect(await open()).toEqual([]);
    // The preview is the administrators'.
    const args = { installationId, agreements, today: dayOf(T0) };
    expect(await dev.query(api.settings.preview, args)).toBeNull();
    expect(await owner.query(api.settings.preview, args)).not.toBeNull();
  });

  test("the preview's counts equal a recount (a range where the threshold falls inside a histogram bin)", async () => {
    const { t, installationId, owner, apply } = await setup();
    const asked = (number: number, reviewer: string, extra: Parameters<typeof pr>[0] = {}) =>
      pr({
        number,
        githubId: 7000 + number,
        url: `https://github.com/acme/widgets/pull/${number}`,
        headSha: String(number).repeat(40).slice(0, 40),
        requestedReviewers: 1,
        reviewRequests: [{ reviewer, requestedAt: T0 }],
        ...extra,
      });
    await apply(
      { kind: "pullRequest", record: asked(1, "bob", { additions: 500, deletions: 100 }) },
      { kind: "pullRequest", record: asked(2, "bob", { additions: 60, deletions: 40 }) },
      { kind: "pullRequest", record: asked(3, "carol") },
    );
    // Pickups of 2 h, 40 h (bob) and 20 h (carol); PR 1 merged after 3 h, PR 3 after 20 days.
    vi.setSystemTime(T0 + 20 * DAY_MS);
    await apply(
      { kind: "review", record: review({ githubId: 1, prNumber: 1, authorLogin: "bob", submittedAt: T0 + 2 * HOUR }) },
      { kind: "review", record: review({ githubId: 2, prNumber: 2, authorLogin: "bob", submittedAt: T0 + 40 * HOUR }) },
      {
        kind: "review",
        record: review({ githubId: 3, prNumber: 3, authorLogin: "carol", submittedAt: T0 + 20 * HOUR }),
      },
      {
        kind: "pullRequest",
        record: asked(1, "bob", {
          additions: 500,
          deletions: 100,
          state: "merged",
          mergedAt: T0 + 3 * HOUR,
          updatedAt: T0 + 3 * HOUR,
        }),
      },
      {
        kind: "pullRequest",
        record: asked(3, "carol", { state: "merged", mergedAt: T0 + 20 * DAY_MS, updatedAt: T0 + 20 * DAY_MS }),
      },
    );
    const today = dayOf(T0) + 25;
    const recount = await t.run(async (ctx) => {
      const prs = await ctx.db.query("pullRequests").collect();
      const reviews = await ctx.db.query("reviews").collect();
      const waits = prs.flatMap((p) =>
        (p.reviewRequests ?? []).map((r) => {
          const first = reviews.find((v) => v.prNumber === p.number && v.authorLogin === r.reviewer)!;
          return first.submittedAt! - r.requestedAt;
        }),
      );
      const open = prs.filter((p) => p.mergedAt !== undefined).map((p) => p.mergedAt! - p.createdAt);
      const sizes = prs.filter((p) => p.additions !== undefined).map((p) => p.additions! + (p.deletions ?? 0));
      return { waits, open, sizes };
    });
    const preview = async (
      a: Partial<{ pickupHours: number; openDays: number; maxChangedLines: number; maxOpenRequests: number }>,
    ) =>
      (await owner.query(api.settings.preview, {
        installationId,
        today,
        agreements: { pickupHours: 24, openDays: 14, maxChangedLines: 500, maxOpenRequests: 5, ...a },
      }))!;
    const over = (xs: number[], limit: number) => xs.filter((x) => x >= limit).length;

    // No sample shares a bin with 30 h: exact.
    expect((await preview({ pickupHours: 30 })).pickup).toEqual({
      atLeast: over(recount.waits, 30 * HOUR),
      atMost: over(recount.waits, 30 * HOUR),
      samples: 3,
    });
    expect(over(recount.waits, 30 * HOUR)).toBe(1);
    // 19 h falls inside the bin of carol's 20 h wait (≈18.6–20.3 h): the recount lies in the range.
    const p19 = (await preview({ pickupHours: 19 })).pickup;
    expect(p19.atLeast).toBeLessThanOrEqual(over(recount.waits, 19 * HOUR));
    expect(p19.atMost).toBeGreaterThanOrEqual(over(recount.waits, 19 * HOUR));
    expect(p19).toEqual({ atLeast: 1, atMost: 2, samples: 3 });
    const open14 = (await preview({})).openTooLong;
    expect(open14.atLeast).toBeLessThanOrEqual(over(recount.open, 14 * DAY_MS));
    expect(open14.atMost).toBeGreaterThanOrEqual(over(recount.open, 14 * DAY_MS));
    expect(open14.samples).toBe(2);
    for (const limit of [100, 500, 600, 601]) {
      expect((await preview({ maxChangedLines: limit })).size).toEqual({
        breaches: over(recount.sizes, limit),
        samples: recount.sizes.length,
      });
    }
    // bob had 2 open requests on the first day, carol 1: person-days at or over the limit.
    expect((await preview({ maxOpenRequests: 2 })).openRequests).toEqual({ breaches: 1, samples: 2 });
    expect((await preview({ maxOpenRequests: 1 })).openRequests).toEqual({ breaches: 2, samples: 2 });
    // Outside the 90 days: nothing.
    expect(
      (await preview({ maxChangedLines: 1 }).then(() =>
        owner.query(api.settings.preview, {
          installationId,
          today: today + 200,
          agreements: { pickupHours: 1, openDays: 1, maxChangedLines: 1, maxOpenRequests: 1 },
        }),
      ))!.size,
    ).toEqual({ breaches: 0, samples: 0 });
  });
});
