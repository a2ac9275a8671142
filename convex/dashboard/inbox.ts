/**
 * The inbox: what waits on the signed-in user, in three sections, each ordered by how long it has
 * waited (oldest first). Every section is one index range per reviewer or author key, and each row
 * shown costs one document, whatever the installation's size.
 *
 * Stale = waiting longer than the installation's `staleAfterDays` (default 7) as of `today` (the client's UTC day; without it, the
 * installation's newest day of activity — never the clock).
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { query, type QueryCtx } from "../_generated/server";
import { currentViewer, viewableInstallation, viewerReviewerKeys } from "../access";
import { repositoryFromUrl, staleBoundary } from "./lists";
import { validateToday } from "./trends";
import { RepositoryVisibility } from "./visibility";

/** Rows per section. */
const SECTION_SIZE = 50;

export const inbox = query({
  args: { installationId: v.id("installations"), today: v.optional(v.number()) },
  handler: async (ctx, { installationId, today }) => {
    validateToday(today);
    const [viewer, installation] = await Promise.all([currentViewer(ctx), viewableInstallation(ctx, installationId)]);
    if (!viewer || !installation) return null;
    const staleBefore = await staleBoundary(ctx, installationId, today);
    const visibility = await RepositoryVisibility.of(ctx, installation);
    const row = (pr: Doc<"pullRequests">, via?: string) => inboxRow(pr, staleBefore, via);
    const visible = async (prs: Array<Doc<"pullRequests"> | null>) => {
      const keep = await Promise.all(
        prs.map(async (pr) => pr !== null && pr.state === "open" && (await visibility.visible(pr.repositoryId))),
      );
      return prs.filter((pr, i): pr is Doc<"pullRequests"> => keep[i]!);
    };

    // Requested from the viewer directly or through one of their teams: one index range per key.
    const keys = await viewerReviewerKeys(ctx, installation);
    const requests = (
      await Promise.all(
        keys.map((reviewer) =>
          ctx.db
            .query("reviewRequests")
            .withIndex("by_installation_reviewer", (q) =>
              q.eq("installationId", installationId).eq("reviewer", reviewer),
            )
            .take(SECTION_SIZE),
        ),
      )
    )
      .flat()
      .sort((a, b) => a.requestedAt - b.requestedAt);
    // A PR requested from the viewer and from their team is listed once, directly when it is.
    const via = new Map<string, string>();
    for (const r of requests) {
      const seen = via.get(r.pullRequestId);
      if (seen === undefined || (seen !== viewer.login && r.reviewer === viewer.login))
        via.set(r.pullRequestId, r.reviewer);
    }
    const firstRequests = requests.filter((r) => via.get(r.pullRequestId) === r.reviewer).slice(0, SECTION_SIZE);
    const requested = await visible(await Promise.all(firstRequests.map((r) => ctx.db.get(r.pullRequestId))));

    const mine = (turns: Array<NonNullable<Doc<"pullRequests">["turn"]>>) =>
      byTurn(ctx, installationId, viewer.login, turns).then(visible);
    const [needsYou, waitingOnOthers] = await Promise.all([mine(["author", "merge"]), mine(["reviewers", "none"])]);
    return {
      login: viewer.login,
      requested: requested.map((pr) => row(pr, via.get(pr._id))),
      needsYou: needsYou.map((pr) => row(pr)),
      waitingOnOthers: waitingOnOthers.map((pr) => row(pr)),
    };
  },
});

/** The author's open PRs whose turn is one of `turns`, oldest wait first. */
async function byTurn(
  ctx: QueryCtx,
  installationId: Doc<"installations">["_id"],
  author: string,
  turns: Array<NonNullable<Doc<"pullRequests">["turn"]>>,
): Promise<Doc<"pullRequests">[]> {
  const lists = await Promise.all(
    turns.map((turn) =>
      ctx.db
        .query("pullRequests")
        .withIndex("by_installation_author_turn_waiting", (q) =>
          q.eq("installationId", installationId).eq("authorLogin", author).eq("turn", turn),
        )
        .take(SECTION_SIZE),
    ),
  );
  return lists
    .flat()
    .sort((a, b) => (a.waitingSince ?? 0) - (b.waitingSince ?? 0))
    .slice(0, SECTION_SIZE);
}

function inboxRow(pr: Doc<"pullRequests">, staleBefore: number, requestedFrom?: string) {
  return {
    id: pr._id,
    repository: repositoryFromUrl(pr.url),
    number: pr.number,
    title: pr.title,
    url: pr.url,
    author: pr.authorLogin,
    health: pr.health,
    healthReasons: pr.healthReasons,
    waitingOn: pr.waitingOn ?? [],
    waitingSince: pr.waitingSince ?? pr.updatedAt,
    stale: (pr.waitingSince ?? pr.updatedAt) < staleBefore,
    reason: pr.turnReason ?? "none",
    /** Review requests only: the viewer's login, or `team:<slug>` when it reached them through a team. */
    ...(requestedFrom !== undefined && { requestedFrom }),
  };
}
