/**
 * Reviewer load, for the team lead: per person and per team (`team:<slug>` requests), the review
 * requests waiting on them now, the median time from a request to their first review after it, and
 * the reviews they gave, over the `days` days ending on `today`. Read from the reviewer buckets
 * (≤ one document per day and visibility scope, plus one row per reviewer with open requests), never
 * from pull requests; a restricted caller sees the public repositories and their readable private ones.
 *
 * As `trends`, it never reads the clock: the window ends on the caller's `today`, else on the newest
 * day with activity they can see.
 */
import { v } from "convex/values";
import { query } from "../_generated/server";
import { repositoryAccess, viewableInstallation } from "../access";
import { DAY_MS } from "../model/contribution";
import { newestDay, openRequestsByReviewer, reviewerDays, sumHist } from "./scoped";
import { histogramMedianHours, validateDays, validateToday } from "./trends";

const DEFAULT_DAYS = 30;
/** Longest window: the trends' history horizon. */
const MAX_DAYS = 90;
const TEAM = "team:";

export type ReviewerLoadRow = {
  /** A login, or `team:<slug>`. */
  reviewer: string;
  kind: "person" | "team";
  openRequests: number;
  /** Requests answered in the window (by the day of the answering review). */
  pickups: number;
  /** Median hours from request to first review (log2-hour bins' representative value); null without samples. */
  medianPickupHours: number | null;
  reviewsGiven: number;
};

export const reviewerLoad = query({
  args: {
    installationId: v.id("installations"),
    /** The window's last day, as a UTC day number (`Math.floor(Date.now() / 86_400_000)` on the client). */
    today: v.optional(v.number()),
    /** Window length in days (default 30, at most 90). */
    days: v.optional(v.number()),
  },
  handler: async (ctx, args) => {
    const n = validateDays(args.days ?? DEFAULT_DAYS, MAX_DAYS);
    const given = validateToday(args.today);
    const { installationId } = args;
    const installation = await viewableInstallation(ctx, installationId);
    if (!installation) return null;
    const access = await repositoryAccess(ctx, installation);
    const [today, open] = await Promise.all([
      given ?? newestDay(ctx, installationId, access),
      openRequestsByReviewer(ctx, installationId, access),
    ]);
    const days = today === null ? [] : await reviewerDays(ctx, installationId, access, today - n + 1, today);

    const acc = new Map<string, { reviews: number; hist: number[] }>();
    for (const d of days) {
      for (const e of d.reviewers) {
        const a = acc.get(e.reviewer) ?? { reviews: 0, hist: [] };
        acc.set(e.reviewer, { reviews: a.reviews + e.reviews, hist: sumHist(a.hist, e.pickupHist) });
      }
    }
    const rows: ReviewerLoadRow[] = [...new Set([...open.keys(), ...acc.keys()])].map((reviewer) => {
      const a = acc.get(reviewer);
      const hist = a?.hist ?? [];
      return {
        reviewer,
        kind: reviewer.startsWith(TEAM) ? "team" : "person",
        openRequests: open.get(reviewer) ?? 0,
        pickups: hist.reduce((x, y) => x + y, 0),
        medianPickupHours: histogramMedianHours(hist),
        reviewsGiven: a?.reviews ?? 0,
      };
    });
    rows.sort(
      (a, b) =>
        b.openRequests - a.openRequests ||
        b.reviewsGiven - a.reviewsGiven ||
        (a.reviewer < b.reviewer ? -1 : a.reviewer > b.reviewer ? 1 : 0),
    );
    const day = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
    return {
      days: n,
      from: today === null ? null : day(today - n + 1),
      to: today === null ? null : day(today),
      people: rows.filter((r) => r.kind === "person"),
      teams: rows.filter((r) => r.kind === "team"),
    };
  },
});
