/**
 * What an activity row says beyond its event: a review's or comment's pull request by its title (the
 * event stores only "#612"), and a review's verdict. One or two reads per row shown, by index.
 */
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

export type Verdict = "approved" | "changes_requested" | "commented" | "dismissed" | null;

export async function activityDetails(
  ctx: QueryCtx,
  e: Doc<"activityEvents">,
): Promise<{ title: string | null; verdict: Verdict }> {
  const title = e.title ?? null;
  if (e.type !== "review_submitted" && e.type !== "comment_created") return { title, verdict: null };
  const number = Number(/^#(\d+)$/.exec(title ?? "")?.[1]);
  const pr = Number.isFinite(number)
    ? await ctx.db
        .query("pullRequests")
        .withIndex("by_repo_number", (q) => q.eq("repositoryId", e.repositoryId).eq("number", number))
        .first()
    : null;
  let verdict: Verdict = null;
  if (e.type === "review_submitted") {
    const githubId = Number(e.key.split(":")[1]);
    const review = await ctx.db
      .query("reviews")
      .withIndex("by_repo_github_id", (q) => q.eq("repositoryId", e.repositoryId).eq("githubId", githubId))
      .first();
    const state = review?.state;
    verdict =
      state === "approved" || state === "changes_requested" || state === "commented" || state === "dismissed"
        ? state
        : null;
  }
  return { title: pr ? `${pr.title} (#${pr.number})` : title, verdict };
}
