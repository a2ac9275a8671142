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
import { installationQuery } from "../builders";
import type { QueryCtx } from "../_generated/server";
import { v } from "convex/values";

import { DAY_MS } from "../model/contribution";
import { REVIEWERS } from "../metrics/figures";
import { addHist, histTotal, quantileHours, type Hist } from "../metrics/histogram";
import { byEntry, readBuckets } from "../metrics/read";
import { bucketScopes, newestDay, openRequestsByReviewer } from "./scoped";
import { validateDays, validateToday } from "./trends";

const DEFAULT_DAYS = 30;
/** Longest window: the trends' history horizon. */
const MAX_DAYS = 90;
const TEAM = "team:";

type ReviewerLoadRow = {
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

/**
 * A team: the requests made to the team itself (`team:<slug>`) and its members' own, together — the
 * load that lands on the team. Reviews given are its members'.
 */
type TeamLoadRow = ReviewerLoadRow & { kind: "team"; name: string; members: number };

/** Bounds of the team roll-up: an organisation's teams and each team's members read per call. */
const MAX_TEAMS = 200;
const MAX_MEMBERS_PER_TEAM = 500;

export const reviewerLoad = installationQuery({
  hidden: null,
  args: {
    /** The window's last day, as a UTC day number (`Math.floor(Date.now() / 86_400_000)` on the client). */
    today: v.optional(v.number()),
    /** Window length in days (default 30, at most 90). */
    days: v.optional(v.number()),
  },
  handler: async (ctx, args) => {
    const n = validateDays(args.days ?? DEFAULT_DAYS, MAX_DAYS);
    const given = validateToday(args.today);
    const { installationId } = args;
    const { installation } = ctx;
    const { access } = ctx.visibility;
    const [today, open] = await Promise.all([
      given ?? newestDay(ctx, installationId, access),
      openRequestsByReviewer(ctx, installationId, access),
    ]);
    const docs =
      today === null
        ? []
        : await readBuckets(ctx.db, installationId, REVIEWERS, await bucketScopes(ctx, installationId, access), {
            from: today - n + 1,
            to: today,
          });
    const acc = new Map<string, { reviews: number; hist: Hist }>();
    for (const [reviewer, sums] of byEntry(docs)) {
      acc.set(reviewer, { reviews: sums.n.reviews ?? 0, hist: sums.h.response ?? {} });
    }
    const rows: ReviewerLoadRow[] = [...new Set([...open.keys(), ...acc.keys()])].map((reviewer) => {
      const a = acc.get(reviewer);
      const hist = a?.hist ?? {};
      return {
        reviewer,
        kind: reviewer.startsWith(TEAM) ? "team" : "person",
        openRequests: open.get(reviewer) ?? 0,
        pickups: histTotal(hist),
        medianPickupHours: quantileHours(hist, 0.5),
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
    const byReviewer = new Map(rows.map((r) => [r.reviewer, r]));
    const requestedTeams = rows.filter((r) => r.kind === "team");
    const teams = await teamRows(ctx, installation.accountId, requestedTeams, (reviewer) => ({
      row: byReviewer.get(reviewer),
      hist: acc.get(reviewer)?.hist ?? {},
    }));
    return {
      days: n,
      from: today === null ? null : day(today - n + 1),
      to: today === null ? null : day(today),
      people: rows.filter((r) => r.kind === "person"),
      teams,
    };
  },
});

/** Each team of the organisation with its own requests and its members' load added up. */
async function teamRows(
  ctx: QueryCtx,
  accountId: number,
  requestedTeams: ReviewerLoadRow[],
  of: (reviewer: string) => { row: ReviewerLoadRow | undefined; hist: Hist },
): Promise<TeamLoadRow[]> {
  const teams = await ctx.db
    .query("teams")
    .withIndex("by_account_slug", (q) => q.eq("accountId", accountId))
    .take(MAX_TEAMS);
  const rows = await Promise.all(
    teams.map(async (team) => {
      const members = await ctx.db
        .query("teamMembers")
        .withIndex("by_team_user", (q) => q.eq("accountId", accountId).eq("teamGithubId", team.githubId))
        .take(MAX_MEMBERS_PER_TEAM);
      const own = of(`${TEAM}${team.slug}`);
      let hist = own.hist;
      let openRequests = own.row?.openRequests ?? 0;
      let reviewsGiven = 0;
      for (const m of members) {
        const person = of(m.login);
        hist = addHist(hist, person.hist);
        openRequests += person.row?.openRequests ?? 0;
        reviewsGiven += person.row?.reviewsGiven ?? 0;
      }
      return {
        reviewer: `${TEAM}${team.slug}`,
        kind: "team" as const,
        name: team.name,
        members: members.length,
        openRequests,
        pickups: histTotal(hist),
        medianPickupHours: quantileHours(hist, 0.5),
        reviewsGiven,
      };
    }),
  );
  // Requests to a team we have not listed (no Members permission, or not synced yet) still show.
  const listed = new Set(rows.map((r) => r.reviewer));
  const unlisted = requestedTeams
    .filter((r) => !listed.has(r.reviewer))
    .map((r) => ({ ...r, kind: "team" as const, name: r.reviewer.slice(TEAM.length), members: 0 }));
  return [...rows, ...unlisted].sort(
    (a, b) => b.openRequests - a.openRequests || b.reviewsGiven - a.reviewsGiven || a.name.localeCompare(b.name),
  );
}
