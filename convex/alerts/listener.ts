/**
 * The alert engine's ear on the write path (wired by convex/functions.ts): for every pull request the
 * write path changes, when something an agreement depends on moved (state, size, creation, outstanding
 * review requests) the PR is queued in `alertQueue` and one `drain` per transaction is scheduled
 * (engine.ts evaluates the queue in batches). Cheap when nothing relevant changed: a comparison of a
 * few fields, no read, no write.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { Change, ListenerFactory } from "../model/changes";

type PrFields = Pick<
  Doc<"pullRequests">,
  "state" | "additions" | "deletions" | "createdAt" | "turn" | "waitingOn" | "waitingSince" | "reviewRequests"
>;

/** Outstanding requests of a PR version as "reviewer@time" (what `reviewRequests` rows hold). */
function outstanding(pr: PrFields | null): Map<string, number> {
  if (!pr || pr.turn !== "reviewers") return new Map();
  const at = new Map((pr.reviewRequests ?? []).map((r) => [r.reviewer, r.requestedAt]));
  return new Map((pr.waitingOn ?? []).map((r) => [r, at.get(r) ?? pr.waitingSince ?? 0]));
}

async function pullRequestChanged(
  ctx: MutationCtx,
  installationId: Id<"installations">,
  pullRequestId: Id<"pullRequests">,
  before: PrFields | null,
  after: PrFields,
  drainScheduled: () => boolean,
): Promise<void> {
  const [was, now] = [outstanding(before), outstanding(after)];
  const reviewers = [...new Set([...was.keys(), ...now.keys()])].filter((r) => was.get(r) !== now.get(r)).sort();
  const relevant =
    before === null ||
    reviewers.length > 0 ||
    before.state !== after.state ||
    before.additions !== after.additions ||
    before.deletions !== after.deletions ||
    before.createdAt !== after.createdAt;
  if (!relevant) return;
  await ctx.db.insert("alertQueue", { installationId, pullRequestId, reviewers });
  if (!drainScheduled()) await ctx.scheduler.runAfter(0, internal.alerts.engine.drain, { installationId });
}

/** One drain per write path, however many pull requests it queues. */
export const alertListener: ListenerFactory = async (ctx, { _id: installationId }) => {
  let scheduled = false;
  const once = () => {
    const was = scheduled;
    scheduled = true;
    return was;
  };
  return {
    async changed(change: Change) {
      if (change.table !== "pullRequests" || !change.after || !change.id) return;
      await pullRequestChanged(ctx, installationId, change.id, change.before, change.after, once);
    },
    async flush() {},
  };
};
