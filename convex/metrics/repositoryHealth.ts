/**
 * Repository health (seed 001): a score 0–100 per repository and UTC day, with the reasons behind it,
 * computed from the buckets of the last 30 days only (bounded reads, never a scan of pull requests
 * beyond `STALE_SCAN_CAP`), stored as one `repositoryHealth` document per repository and day carrying
 * the previous ≤ 30 days' scores as its trend. The Repositories page reads the latest document.
 *
 * The score is 100 minus penalties, each capped (they add up to 100 at worst):
 *   CI failures        ≤ 25  25 × failure rate / 50% (half the runs failing costs all 25)
 *   flaky checks       ≤ 10  2 per check that failed and then passed on the same commit
 *   merged unapproved  ≤ 25  25 × share of merged PRs without an approving review (cycleDaily)
 *   stale open PRs     ≤ 20  20 × share of open PRs waiting longer than the stale threshold
 *   median to merge    ≤ 10  0 up to a day, 10 from a week, log-linear between
 *   no activity        10    no commits, pull requests or reviews in 30 days
 * Grade: green ≥ 80, yellow ≥ 50, red below. A factor without data (no CI runs, nothing merged, no
 * open PRs) costs nothing: absence of evidence is shown as a reason, not punished.
 *
 * Documents older than the trend's 30 days are deleted as new days are stored.
 *
 * Refreshed by an hourly cron (`refreshAll`), after each completed sync (`refreshInstallation`,
 * scheduled by the SyncService), and on demand (the same internal function). The day is the
 * mutation's clock; queries never compute scores.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { DAY_MS, dayOf, repositoryScope } from "../model/contribution";
import { forEachActiveInstallation } from "../model/installations";
import { ACTIVITY, CI, CYCLE } from "./figures";
import { quantileHours, type Hist } from "./histogram";
import { readBuckets, total } from "./read";
import { installationSettings } from "../model/settings";
import { continuePass } from "../batches";

const WINDOW_DAYS = 30;
/** Open PRs read per repository to count the stale ones (oldest update first); beyond it the count is a floor. */
const STALE_SCAN_CAP = 500;
/** Repositories scored per transaction: each reads ≤ ~600 documents (3 × 30 buckets, ≤ 500 open PRs, 2 scores). */
const REPOS_PER_TRANSACTION = 4;
/** Expired score documents deleted per new day (more than one, so gaps in refreshes still drain). */
const EXPIRED_PER_REFRESH = 5;

type Reason = { key: string; text: string; penalty: number };
type Inputs = {
  ci: { passed: number; failed: number; flaky: number };
  merged: number;
  unapproved: number;
  /** Time-to-merge histogram of the window. */
  mergeHist: Hist;
  open: number;
  stale: number;
  staleCapped: boolean;
  staleAfterDays: number;
  activity: { commits: number; opened: number; merged: number; reviews: number };
};

/** Keys in the order Convex stores them (alphabetical), so a stored reason and a new one compare equal. */
const reason = (key: string, text: string, penalty: number): Reason => ({ key, penalty, text });
const pct = (x: number) => `${Math.round(x * 100)}%`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const duration = (hours: number) =>
  hours < 48 ? `${Math.round(hours * 10) / 10} hours` : `${Math.round((hours / 24) * 10) / 10} days`;

/** The score, its grade and its reasons (costliest first), pure. */
function scoreOf(x: Inputs): { score: number; grade: Doc<"repositoryHealth">["grade"]; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const runs = x.ci.passed + x.ci.failed;
  if (runs > 0) {
    const passRate = x.ci.passed / runs;
    const penalty = Math.round(25 * Math.min(1, (1 - passRate) / 0.5));
    reasons.push(reason("ci", `CI passed ${pct(passRate)} of ${plural(runs, "run")}`, penalty));
  } else {
    reasons.push(reason("ci", "No CI runs in 30 days", 0));
  }
  if (x.ci.flaky > 0) {
    const text = `${plural(x.ci.flaky, "flaky check")} (failed, then passed on a re-run)`;
    reasons.push(reason("flaky", text, Math.min(10, 2 * x.ci.flaky)));
  }
  if (x.merged > 0) {
    const share = x.unapproved / x.merged;
    const text = `${pct(share)} of ${plural(x.merged, "merged PR")} merged without approval`;
    reasons.push(reason("unapproved", text, Math.round(25 * share)));
  }
  if (x.open > 0) {
    const share = x.stale / x.open;
    const floor = x.staleCapped ? "at least " : "";
    const text = `${floor}${x.stale} of ${plural(x.open, "open PR")} stale (waiting over ${plural(x.staleAfterDays, "day")})`;
    reasons.push(reason("stale", text, Math.round(20 * share)));
  }
  const median = quantileHours(x.mergeHist, 0.5);
  if (median !== null) {
    const penalty = median <= 24 ? 0 : Math.round(10 * Math.min(1, Math.log(median / 24) / Math.log(7)));
    reasons.push(reason("merge", `Median time to merge ${duration(median)}`, penalty));
  }
  const { commits, opened, merged, reviews } = x.activity;
  const parts = [
    commits > 0 && plural(commits, "commit"),
    opened > 0 && `${plural(opened, "PR")} opened`,
    merged > 0 && (opened > 0 ? `${merged} merged` : `${plural(merged, "PR")} merged`),
    reviews > 0 && plural(reviews, "review"),
  ].filter((p): p is string => p !== false);
  if (parts.length === 0) {
    reasons.push(reason("activity", "No commits, pull requests or reviews in 30 days", 10));
  } else {
    reasons.push(reason("activity", `${parts.join(", ")} in 30 days`, 0));
  }
  const score = Math.max(0, 100 - reasons.reduce((s, r) => s + r.penalty, 0));
  const grade = score >= 80 ? "green" : score >= 50 ? "yellow" : "red";
  // Stable: equal penalties keep the order above.
  return { score, grade, reasons: reasons.sort((a, b) => b.penalty - a.penalty) };
}

/** The window's figures of one repository, from its buckets and (capped) its open PRs. */
async function inputsOf(
  ctx: MutationCtx,
  repo: Doc<"repositories">,
  today: number,
  staleAfterDays: number,
): Promise<Inputs> {
  const { db } = ctx;
  const from = today - WINDOW_DAYS + 1;
  const scope = repositoryScope(repo._id);
  const range = { from, to: today };
  const [ciDays, cycleDays, activityDays, open] = await Promise.all([
    readBuckets(db, repo.installationId, CI, [scope], range),
    readBuckets(db, repo.installationId, CYCLE, [scope], range),
    readBuckets(db, repo.installationId, ACTIVITY, [scope], range),
    // Oldest update first: the PRs most likely stale are read before the cap.
    db
      .query("pullRequests")
      .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", repo._id).eq("state", "open"))
      .take(STALE_SCAN_CAP),
  ]);
  const [ciSums, cycle, act] = [total(ciDays), total(cycleDays), total(activityDays)];
  const ci = { passed: ciSums.n.passed ?? 0, failed: ciSums.n.failed ?? 0, flaky: ciSums.n.flaky ?? 0 };
  const [merged, unapproved] = [cycle.n.merged ?? 0, cycle.n.unapproved ?? 0];
  const activity = {
    commits: act.n.commits ?? 0,
    opened: act.n.prsOpened ?? 0,
    merged: act.n.prsMerged ?? 0,
    reviews: act.n.reviews ?? 0,
  };
  // Same boundary as the PR list's stale flag (dashboard/lists.ts staleBoundary), counted back from today.
  const staleBefore = (today + 1 - staleAfterDays) * DAY_MS;
  const stale = open.filter((pr) => (pr.waitingSince ?? pr.updatedAt) < staleBefore).length;
  return {
    ci,
    merged,
    unapproved,
    // Cycle time (first commit → merge) where merged PRs have it, else opened → merged from the activity figure.
    mergeHist: merged > 0 ? (cycle.h.cycle ?? {}) : (act.h.toMerge ?? {}),
    open: Math.max(repo.stats.openPrs, open.length),
    stale,
    staleCapped: open.length === STALE_SCAN_CAP,
    staleAfterDays,
    activity,
  };
}

/** Upsert the repository's score of `today`, its trend continued from the latest earlier score. */
async function refreshRepository(ctx: MutationCtx, repo: Doc<"repositories">, today: number, staleAfterDays: number) {
  const { db } = ctx;
  const { score, grade, reasons } = scoreOf(await inputsOf(ctx, repo, today, staleAfterDays));
  const [current, previous] = await Promise.all([
    db
      .query("repositoryHealth")
      .withIndex("by_repository_day", (q) => q.eq("repositoryId", repo._id).eq("day", today))
      .unique(),
    db
      .query("repositoryHealth")
      .withIndex("by_repository_day", (q) => q.eq("repositoryId", repo._id).lt("day", today))
      .order("desc")
      .first(),
  ]);
  const trend = previous
    ? [...previous.trend, { day: previous.day, score: previous.score }].filter((t) => t.day >= today - WINDOW_DAYS)
    : [];
  const fields = { score, grade, reasons, trend };
  // Unchanged: no write, so the Repositories page's query is not re-run every hour for nothing.
  if (current && JSON.stringify(pick(current)) === JSON.stringify(fields)) return;
  if (current) await db.patch(current._id, { ...fields, computedAt: Date.now() });
  else {
    await db.insert("repositoryHealth", {
      installationId: repo.installationId,
      repositoryId: repo._id,
      day: today,
      ...fields,
      computedAt: Date.now(),
    });
    // A new day: the days beyond the trend are no longer read (its latest document carries them).
    const expired = await db
      .query("repositoryHealth")
      .withIndex("by_repository_day", (q) => q.eq("repositoryId", repo._id).lt("day", today - WINDOW_DAYS))
      .take(EXPIRED_PER_REFRESH);
    for (const doc of expired) await db.delete(doc._id);
  }
}

const pick = (d: Doc<"repositoryHealth">) => ({ score: d.score, grade: d.grade, reasons: d.reasons, trend: d.trend });

/**
 * Scores an installation's visible repositories, `REPOS_PER_TRANSACTION` per transaction, continuing
 * itself until all are done. Scheduled by the cron, after a completed sync, and called by tests.
 */
export const refreshInstallation = internalMutation({
  args: { installationId: v.id("installations"), cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { installationId, cursor }) => {
    const installation = await ctx.db.get(installationId);
    if (!installation || installation.status === "deleted") return;
    const today = dayOf(Date.now());
    const { staleAfterDays } = await installationSettings(ctx, installationId);
    const page = await ctx.db
      .query("repositories")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", false))
      .paginate({ numItems: REPOS_PER_TRANSACTION, cursor: cursor ?? null });
    for (const repo of page.page) await refreshRepository(ctx, repo, today, staleAfterDays);
    await continuePass(ctx, page, internal.metrics.repositoryHealth.refreshInstallation, { installationId });
  },
});

/** The hourly cron: every active installation's refresh, fanned out in bounded batches. */
export const refreshAll = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<void> =>
    forEachActiveInstallation(ctx, cursor, internal.metrics.repositoryHealth.refreshAll, (installation) =>
      ctx.scheduler
        .runAfter(0, internal.metrics.repositoryHealth.refreshInstallation, { installationId: installation._id })
        .then(() => {}),
    ),
});
