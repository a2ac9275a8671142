/**
 * dashboard/trends: the window is decided by the caller's `today` or by data, never by the clock
 * (a subscribed query is not re-run when time passes), and `days`/`today` are validated.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { ACTIVITY, figureId, PERSONAL_ACTIVITY } from "../convex/metrics/figures";
import { binOf, DURATIONS } from "../convex/metrics/histogram";
import { recordMembership } from "../convex/memberships";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";

const DAY = 86_400_000;
const OWNER = 9001; // createInstallation's default account id
const T0 = Date.UTC(2026, 9, 1, 12); // 2026-10-01 12:00 UTC
const DAY0 = Math.floor(T0 / DAY);
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** Daily buckets as the write path keeps them: installation-wide and per login. */
async function bucket(
  t: TestConvex,
  installationId: Id<"installations">,
  day: number,
  login: string,
  counts: { prsOpened?: number; reviews?: number; commits?: number },
) {
  const full = {
    prsOpened: 0,
    prsMerged: 0,
    prsClosed: 0,
    reviews: 0,
    commits: 0,
    issuesOpened: 0,
    issuesClosed: 0,
    comments: 0,
    ...counts,
  };
  const reviews = counts.reviews ?? 0;
  // Three hours from opening to first review, once per review.
  const h: Record<string, Record<string, number>> = reviews > 0
    ? { toFirstReview: { [binOf(DURATIONS, 3 * 3_600_000)]: reviews } }
    : {};
  await t.run(async (ctx) => {
    const doc = { installationId, day, entries: [{ k: "", n: full, h }] };
    await ctx.db.insert("metricBuckets", { ...doc, figure: figureId(ACTIVITY), scope: "all", key: "" });
    // The public group's bucket too (all repositories public here): what a member without grants reads.
    await ctx.db.insert("metricBuckets", { ...doc, figure: figureId(ACTIVITY), scope: "public", key: "" });
    await ctx.db.insert("metricBuckets", {
      installationId,
      day,
      figure: figureId(PERSONAL_ACTIVITY),
      scope: "all",
      key: login,
      entries: [{ k: "", n: full, h: {} }],
    });
  });
}

async function setup() {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.run((ctx) => recordMembership(ctx, { accountId: OWNER, githubUserId: 42, login: "mona", member: true }));
  const mona = t.withIdentity(await signInAs(t, 42, "mona"));
  return { t, installationId, mona };
}

/** Activity on DAY0-20, DAY0-3 and DAY0 (the newest day with data). */
async function seeded() {
  const s = await setup();
  await bucket(s.t, s.installationId, DAY0 - 20, "mona", { prsOpened: 1, commits: 4 });
  await bucket(s.t, s.installationId, DAY0 - 3, "hubot", { reviews: 2 });
  await bucket(s.t, s.installationId, DAY0, "mona", { prsOpened: 2, reviews: 1 });
  return s;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("days and today are validated", () => {
  test.each([NaN, 0, -1, 1.5, 91, 1000, Infinity])("trends rejects days = %s", async (days) => {
    const { installationId, mona } = await seeded();
    await expect(mona.query(api.dashboard.trends.trends, { installationId, days })).rejects.toThrow(
      /days must be a whole number from 1 to 90/,
    );
  });

  test.each([NaN, 0, 1.5, 366, 1000, -Infinity])("userStats rejects days = %s", async (days) => {
    const { installationId, mona } = await seeded();
    await expect(mona.query(api.dashboard.trends.userStats, { installationId, days })).rejects.toThrow(
      /days must be a whole number from 1 to 365/,
    );
  });

  test.each([NaN, 1.5, -1, 0, 1e9, Infinity, T0])("today = %s is rejected", async (today) => {
    const { installationId, mona } = await seeded();
    await expect(mona.query(api.dashboard.trends.trends, { installationId, days: 7, today })).rejects.toThrow(
      /today must be a UTC day number/,
    );
    await expect(mona.query(api.dashboard.trends.userStats, { installationId, days: 7, today })).rejects.toThrow(
      /today must be a UTC day number/,
    );
  });

  test("the bounds themselves are accepted", async () => {
    const { installationId, mona } = await seeded();
    expect((await mona.query(api.dashboard.trends.trends, { installationId, days: 1 }))!.days).toHaveLength(1);
    expect((await mona.query(api.dashboard.trends.trends, { installationId, days: 90 }))!.days).toHaveLength(90);
    expect(await mona.query(api.dashboard.trends.userStats, { installationId, days: 365 })).toMatchObject({
      days: 365,
    });
  });
});

describe("the window does not depend on the clock", () => {
  test("unchanged data, clock moved by hours and days: the same answers", async () => {
    const { installationId, mona } = await seeded();
    const ask = async () => ({
      trends: await mona.query(api.dashboard.trends.trends, { installationId, days: 30 }),
      mine: await mona.query(api.dashboard.trends.userStats, { installationId, days: 30 }),
      pinned: await mona.query(api.dashboard.trends.trends, { installationId, days: 7, today: DAY0 - 1 }),
    });
    const first = await ask();
    for (const shift of [3 * 3_600_000, 13 * 3_600_000, DAY, 5 * DAY, 40 * DAY, -2 * DAY]) {
      vi.setSystemTime(T0 + shift);
      expect(await ask(), `clock moved by ${shift / 3_600_000} h`).toEqual(first);
    }
  });

  test("without today the window ends on the newest day with data", async () => {
    const { t, installationId, mona } = await seeded();
    vi.setSystemTime(T0 + 10 * DAY);
    const trends = (await mona.query(api.dashboard.trends.trends, { installationId, days: 30 }))!;
    expect(trends.days).toHaveLength(30);
    expect(trends.days.at(-1)).toMatchObject({ date: iso(DAY0), prsOpened: 2, reviews: 1 });
    expect(trends.days[0]!.date).toBe(iso(DAY0 - 29));
    expect(trends.days.find((d) => d.date === iso(DAY0 - 20))).toMatchObject({ prsOpened: 1, commits: 4 });
    // Mona's own stats over the same window (hubot's review is not hers).
    expect(await mona.query(api.dashboard.trends.userStats, { installationId, days: 30 })).toMatchObject({
      login: "mona",
      days: 30,
      pullRequestsOpened: 3,
      reviewsGiven: 1,
      commits: 4,
    });
    // New data moves it (data the query read changed, so a subscription re-runs).
    await bucket(t, installationId, DAY0 + 2, "mona", { commits: 1 });
    const later = (await mona.query(api.dashboard.trends.trends, { installationId, days: 30 }))!;
    expect(later.days.at(-1)).toMatchObject({ date: iso(DAY0 + 2), commits: 1 });
  });

  test("no data and no today: an empty series, zero stats", async () => {
    const { installationId, mona } = await setup();
    expect(await mona.query(api.dashboard.trends.trends, { installationId, days: 30 })).toEqual({
      days: [],
      medianHoursToFirstReview: null,
      medianHoursToMerge: null,
    });
    expect(await mona.query(api.dashboard.trends.userStats, { installationId, days: 30 })).toMatchObject({
      days: 30,
      pullRequestsOpened: 0,
      commits: 0,
    });
  });
});

describe("today moves the window", () => {
  test("trends: the series ends on today and shifts by a day with it", async () => {
    const { installationId, mona } = await seeded();
    const on = async (today: number) =>
      (await mona.query(api.dashboard.trends.trends, { installationId, days: 10, today }))!;
    const a = await on(DAY0);
    const b = await on(DAY0 + 1);
    expect(a.days.at(-1)!.date).toBe(iso(DAY0));
    expect(b.days.at(-1)!.date).toBe(iso(DAY0 + 1));
    expect(b.days.slice(0, 9)).toEqual(a.days.slice(1));
    expect(b.days.at(-1)).toMatchObject({ prsOpened: 0, reviews: 0, commits: 0 });
    // Far enough ahead, the activity has left the window.
    const c = await on(DAY0 + 15);
    expect(c.days.every((d) => d.prsOpened === 0 && d.reviews === 0)).toBe(true);
    expect(c.medianHoursToFirstReview).toBeNull();
    expect(a.medianHoursToFirstReview).not.toBeNull();
  });

  test("userStats: counts what falls in the window ending on today", async () => {
    const { installationId, mona } = await seeded();
    const mine = (today: number, days: number) =>
      mona.query(api.dashboard.trends.userStats, { installationId, days, today });
    expect(await mine(DAY0, 30)).toMatchObject({ pullRequestsOpened: 3, commits: 4 });
    expect(await mine(DAY0, 7)).toMatchObject({ pullRequestsOpened: 2, commits: 0 });
    expect(await mine(DAY0 - 1, 30)).toMatchObject({ pullRequestsOpened: 1, commits: 4 });
    expect(await mine(DAY0 + 10, 30)).toMatchObject({ pullRequestsOpened: 2, commits: 0 });
    expect(await mine(DAY0 + 30, 30)).toMatchObject({ pullRequestsOpened: 0, reviewsGiven: 0 });
  });
});
