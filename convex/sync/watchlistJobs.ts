/**
 * The watchlist stage's transactions (the action's side is watchlist.ts): one step's answer recorded on
 * its entry (convex/watchlist/record.ts) and the stage's cursor moved on, atomically and only under the
 * job's lease, like every page of the sync. When an entry is done the next due one is taken up here.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { internalQuery } from "../_generated/server";
import { internalMutation } from "../functions";
import { saveRateLimits } from "../github/budgets";
import { rateLimitSnapshot } from "../github/tables";
import { beginEntry, nextDueEntry, recordAnswer, scorecardWanted, watchAnswer } from "../watchlist/record";
import { addStats, heldJob, lease, statsDelta } from "./held";
import { recordPage } from "./transitions";

type WatchCursor = Doc<"syncJobs">["cursor"]["watchlist"];

/**
 * Record `answer` for the cursor's entry (absent: none yet) and say where the stage goes on: the same
 * entry's next step, the next due entry's first, or `done`. Null if the lease was lost.
 */
export const commitWatch = internalMutation({
  args: {
    ...lease,
    answer: v.optional(watchAnswer),
    stats: statsDelta,
    rateLimits: v.array(rateLimitSnapshot),
  },
  handler: async (ctx, { jobId, generation, answer, stats, rateLimits }) => {
    const job = await heldJob(ctx, jobId, generation);
    if (!job || job.cursor.phase !== "watchlist") return null;
    await saveRateLimits(ctx.db, job.installationId, rateLimits);
    const now = Date.now();
    let current: WatchCursor = job.cursor.watchlist;
    let done = 0;
    let begun = 0;
    if (current && answer) {
      const entry = await ctx.db.get(current.entryId);
      const progress = entry ? await recordAnswer(ctx, entry, answer, now) : ({ step: "done" } as const);
      if (progress.step === "done") {
        current = undefined;
        done = 1;
      } else current = { entryId: current.entryId, step: progress.step, ...(progress.page && { page: progress.page }) };
    }
    if (!current) {
      const next = await nextDueEntry(ctx.db, job.installationId, now);
      if (next) {
        await beginEntry(ctx, next);
        current = { entryId: next._id, step: "repository" };
        begun = 1;
      }
    }
    const items = answer?.step === "commits" ? answer.commits.length : answer ? 1 : 0;
    const { watchlist: _, ...base } = job.cursor;
    await recordPage(ctx, job, {
      cursor: { ...base, ...(current && { watchlist: current }) },
      attempt: 0,
      stats: addStats(job, stats, items),
      // Entries done of the entries taken up so far (the job learns of due entries as it goes).
      progress: { ...job.progress, current: job.progress.current + done, total: job.progress.total + begun },
    });
    return current ?? ("done" as const);
  },
});

/** What the action needs of the entry it works on. */
export const entryForJob = internalQuery({
  args: { entryId: v.id("watchEntries") },
  handler: async (ctx, { entryId }) => {
    const entry = await ctx.db.get(entryId);
    if (!entry) return null;
    const [owner = "", name = ""] = entry.fullName.split("/");
    return {
      owner,
      name,
      status: entry.status,
      etags: entry.etags,
      defaultBranch: entry.repository?.defaultBranch,
      commitsRead: entry.commitsRead ?? 0,
      scorecardWanted: scorecardWanted(entry, Date.now()),
    };
  },
});
