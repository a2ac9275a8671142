/**
 * The inbox: what waits on the signed-in user, in three sections, each ordered by how long it has
 * waited (oldest first). Every section is one index range per reviewer or author key, and each row
 * shown costs one document, whatever the installation's size.
 *
 * Stale = waiting longer than the installation's `staleAfterDays` (default 7) as of `today` (the client's
 * UTC day; without it, the newest day of activity the caller can see — never the clock). Only rows of
 * repositories the caller may read are chosen, while reading, and never the caller's own PR as a request.
 */
import { installationQuery } from "../builders";
import { v } from "convex/values";
import { stream } from "convex-helpers/server/stream";
import type { Doc, Id } from "../_generated/dataModel";
import { type QueryCtx } from "../_generated/server";
import { reviewerKeys } from "../access";
import { teamsOfUser } from "../people/teams";
import { repositoryFromUrl, staleBoundary } from "./lists";
import { validateToday } from "./trends";
import schema from "../schema";

/** Rows per section. */
const SECTION_SIZE = 50;

export const inbox = installationQuery({
  args: { today: v.optional(v.number()) },
  hidden: null,
  handler: async (ctx, { installationId, today }) => {
    validateToday(today);
    const { viewer, installation, visibility } = ctx;
    const staleBefore = await staleBoundary(ctx, installationId, visibility.access, today);
    const row = (pr: Doc<"pullRequests">, via?: string) => inboxRow(pr, staleBefore, via);
    // Rows the caller may see are chosen while reading, so a section is never crowded out by hidden ones.
    const visibleOpen = async (pr: Doc<"pullRequests"> | null): Promise<boolean> =>
      pr !== null && pr.state === "open" && (await visibility.visible(pr.repositoryId));

    // Requested from the viewer directly or through one of their teams (one index range per key), never
    // their own PR (a team of theirs may be asked for a review of it).
    const { teams } = await teamsOfUser(ctx.db, installation.accountId, viewer.githubId);
    const keys = reviewerKeys(viewer.login, teams);
    const prs = new Map<Id<"pullRequests">, Promise<Doc<"pullRequests"> | null>>();
    const prOf = (id: Id<"pullRequests">) => {
      if (!prs.has(id)) prs.set(id, ctx.db.get(id));
      return prs.get(id)!;
    };
    const requests = (
      await Promise.all(
        keys.map((reviewer) =>
          stream(ctx.db, schema)
            .query("reviewRequests")
            .withIndex("by_installation_reviewer", (q) =>
              q.eq("installationId", installationId).eq("reviewer", reviewer),
            )
            .filterWith(async (r) => {
              if (!(await visibility.visible(r.repositoryId))) return false;
              const pr = await prOf(r.pullRequestId);
              return pr !== null && pr.authorLogin !== viewer.login && (await visibleOpen(pr));
            })
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
    const requested = (await Promise.all(firstRequests.map((r) => prOf(r.pullRequestId)))).filter(
      (pr): pr is Doc<"pullRequests"> => pr !== null,
    );

    const mine = (turns: Array<NonNullable<Doc<"pullRequests">["turn"]>>) =>
      byTurn(ctx, installationId, viewer.login, turns, visibleOpen);
    const [needsYou, waitingOnOthers] = await Promise.all([mine(["author", "merge"]), mine(["reviewers", "none"])]);
    return {
      login: viewer.login,
      /** The caller's teams by slug, so a request that reached them through one names it. */
      teams: teams.map((t) => ({ slug: t.slug, name: t.name })),
      requested: requested.map((pr) => row(pr, via.get(pr._id))),
      needsYou: needsYou.map((pr) => row(pr)),
      waitingOnOthers: waitingOnOthers.map((pr) => row(pr)),
    };
  },
});

/** The author's open PRs the caller may see whose turn is one of `turns`, oldest wait first. */
async function byTurn(
  ctx: QueryCtx,
  installationId: Id<"installations">,
  author: string,
  turns: Array<NonNullable<Doc<"pullRequests">["turn"]>>,
  visible: (pr: Doc<"pullRequests">) => Promise<boolean>,
): Promise<Doc<"pullRequests">[]> {
  const lists = await Promise.all(
    turns.map((turn) =>
      stream(ctx.db, schema)
        .query("pullRequests")
        .withIndex("by_installation_author_turn_waiting", (q) =>
          q.eq("installationId", installationId).eq("authorLogin", author).eq("turn", turn),
        )
        .filterWith(visible)
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
