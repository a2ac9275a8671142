/**
 * The read model's one-off rewrites of stored documents, run by an operator from the Convex dashboard
 * (`npx convex run model/migrations:backfillChangedLines`); each continues itself page by page
 * (batches.ts) and logs what it changed. Only derived fields are written: no counter, bucket or event moves.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { continuePass } from "../batches";
import { log } from "../log";
import { changedLinesOf } from "./derivePullRequest";

const BATCH = 200;

/** Pull requests stored before `changedLines` was derived get it (the PR list's order by size). */
export const backfillChangedLines = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())), changed: v.optional(v.number()) },
  handler: async (ctx, { cursor = null, changed = 0 }) => {
    const page = await ctx.db.query("pullRequests").paginate({ numItems: BATCH, cursor });
    for (const pr of page.page) {
      const changedLines = changedLinesOf(pr);
      if (pr.changedLines === changedLines) continue;
      await ctx.db.patch(pr._id, { changedLines });
      changed++;
    }
    await continuePass(ctx, page, internal.model.migrations.backfillChangedLines, { changed });
    if (page.isDone) log.info("model.migration.changedLines", { changed });
  },
});
