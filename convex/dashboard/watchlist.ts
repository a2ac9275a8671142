/**
 * The watchlist page's queries: every member of an installation reads its watchlist (public
 * repositories outside it; nothing here reads the installation's own read model, and nothing of the
 * watchlist is read by any other page). Times in answers come from the data (no clock), so a
 * subscription re-runs only when an entry changes.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { canAdminister } from "../access";
import { installationQuery } from "../builders";
import { scorecardViewerUrl } from "../github/scorecard";
import { OURS_LABEL } from "../watchlist/checks";
import { WATCH_MAX_COMMITS } from "../watchlist/record";
import { WATCH_STEPS } from "../watchlist/tables";

const MAX_ENTRIES = 200;
const NOTES_SHOWN = 50;
const WEEK_MS = 7 * 86_400_000;
const WEEKS = 52;

function summary(e: Doc<"watchEntries">) {
  const history = e.scoreHistory;
  const previous = history.length >= 2 ? history[history.length - 2]!.score : null;
  return {
    id: e._id,
    fullName: e.fullName,
    renamedFrom: e.renamedFrom ?? null,
    status: e.status,
    /** While processing (or refreshing): the step, as "n of 7", and the commits read so far. */
    progress: e.step
      ? {
          step: e.step,
          index: WATCH_STEPS.indexOf(e.step) + 1,
          of: WATCH_STEPS.length,
          commitsRead: e.commitsRead ?? 0,
        }
      : null,
    error: e.error?.message ?? null,
    attempts: e.attempts,
    /** The next automatic attempt, while retrying. */
    retryAt: e.status === "processing" && e.attempts > 0 ? (e.dueAt ?? null) : null,
    addedBy: e.addedBy.login,
    addedAt: e.addedAt,
    processedAt: e.processedAt ?? null,
    archived: e.repository?.archived ?? false,
    description: e.repository?.description ?? null,
    url: e.repository?.htmlUrl ?? `https://github.com/${e.fullName}`,
    stars: e.repository?.stars ?? null,
    openIssues:
      e.repository && e.repository.openPulls !== undefined
        ? Math.max(0, e.repository.openIssues - e.repository.openPulls)
        : null,
    openPulls: e.repository?.openPulls ?? null,
    lastCommitAt: e.commits?.lastAt ?? null,
    commits: e.commits?.count ?? 0,
    latestRelease: e.releases?.latest ?? null,
    /** OpenSSF's score: null before it was asked, "not_scanned" when OpenSSF has no result. */
    scorecard:
      e.scorecard === undefined
        ? null
        : e.scorecard === null
          ? ("not_scanned" as const)
          : { score: e.scorecard.score, date: e.scorecard.date, previous },
    notes: e.notes,
  };
}

export const list = installationQuery({
  args: {},
  hidden: { entries: [] as Array<ReturnType<typeof summary>> },
  handler: async (ctx) => {
    const entries = await ctx.db
      .query("watchEntries")
      .withIndex("by_installation_key", (q) => q.eq("installationId", ctx.installation._id))
      .take(MAX_ENTRIES);
    return { entries: entries.map(summary) };
  },
});

export const detail = installationQuery({
  args: { entryId: v.id("watchEntries") },
  hidden: null,
  handler: async (ctx, { entryId }) => {
    const e = await ctx.db.get(entryId);
    if (!e || e.installationId !== ctx.installation._id) return null;
    const [commits, notes] = await Promise.all([
      ctx.db
        .query("watchCommits")
        .withIndex("by_entry_committed", (q) => q.eq("entryId", entryId))
        .order("desc")
        .take(WATCH_MAX_COMMITS),
      ctx.db
        .query("watchNotes")
        .withIndex("by_entry_at", (q) => q.eq("entryId", entryId))
        .order("desc")
        .take(NOTES_SHOWN),
    ]);
    // 52 weeks ending at the last processing (from the data, not the clock).
    const end = e.processedAt ?? commits[0]?.committedAt ?? e.addedAt;
    const weeks = Array.from({ length: WEEKS }, (_, i) => ({ weekStart: end - (WEEKS - i) * WEEK_MS, commits: 0 }));
    for (const c of commits) {
      const back = Math.floor((end - c.committedAt) / WEEK_MS);
      if (back >= 0 && back < WEEKS) weeks[WEEKS - 1 - back]!.commits += 1;
    }
    return {
      ...summary(e),
      forks: e.repository?.forks ?? null,
      license: e.repository?.license ?? null,
      defaultBranch: e.repository?.defaultBranch ?? null,
      openssf:
        e.scorecard === undefined
          ? null
          : e.scorecard === null
            ? ("not_scanned" as const)
            : { ...e.scorecard, checkedAt: e.scorecardCheckedAt ?? null },
      scoreHistory: e.scoreHistory,
      viewerUrl: scorecardViewerUrl(e.fullName),
      ours: e.ours ?? null,
      oursLabel: OURS_LABEL,
      weeks,
      recentCommits: commits
        .slice(0, 10)
        .map((c) => ({ sha: c.sha, title: c.title, author: c.author ?? null, at: c.committedAt })),
      noteList: notes.map((n) => ({ id: n._id, author: n.author.login, at: n.at, body: n.body })),
      alertOn: e.alertOn,
      canRemove: e.addedBy.userId === ctx.viewer.userId || (await canAdminister(ctx, ctx.installation, ctx.viewer)),
    };
  },
});
