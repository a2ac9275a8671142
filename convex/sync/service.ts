/**
 * The SyncService: the single entry point for every sync trigger, and the few verbs other rooms
 * need. `request` is one mutation, so the decision and the enqueue are one transaction: two
 * concurrent requests cannot both start.
 *
 * Usage (from webhooks, operators, crons): `await requestSync(ctx, installationId, "webhook")`,
 * `await cancelSync(ctx, installationId)`. Nothing outside convex/sync/ touches a job.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { log } from "../log";
import { syncTrigger } from "./tables";
import { scheduleStatusBoundary } from "./clock";
import { isActive } from "./jobState";
import { evaluate, type SyncDecision, type Trigger } from "./policy";
import { loadPolicyState } from "./policyState";
import { endJob, recordPeopleRequested, resumeStalledJob, startJob } from "./transitions";

export const request = internalMutation({
  args: { installationId: v.id("installations"), trigger: syncTrigger },
  handler: (ctx, { installationId, trigger }) => requestSync(ctx, installationId, trigger),
});

type RequestResult = SyncDecision & { jobId?: Id<"syncJobs"> };

export async function requestSync(
  ctx: MutationCtx,
  installationId: Id<"installations">,
  trigger: Trigger,
): Promise<RequestResult> {
  const now = Date.now();
  const installation = await ctx.db.get(installationId);
  if (!installation) throw new Error(`installation ${installationId} not found`);
  const { state, activeJob } = await loadPolicyState(ctx.db, installation, now);
  const decision = evaluate(state, trigger, now);
  log.info("sync.request", { installationId, trigger, action: decision.action, reason: decision.reason });
  if (decision.action !== "start") {
    // A cooldown or block ends by itself: make sure the status changes then.
    await scheduleStatusBoundary(ctx, installationId);
    return decision;
  }
  if (decision.reason === "recover_stalled_job" && activeJob) {
    await resumeStalledJob(ctx, installation, activeJob, now);
    return { ...decision, jobId: activeJob._id };
  }
  const jobId = await startJob(ctx, installation, trigger, now, state.repositoryCount);
  return { ...decision, jobId };
}

/**
 * Who may see the installation or read a private repository changed in a way GitHub sends no webhook
 * for (installed, unsuspended, new permissions, a repository made private): list the organisation's
 * people again. A running job lists them before its history if it has not yet (they are due now),
 * else a people job starts when it ends (`finishJob`).
 */
export async function requestPeople(ctx: MutationCtx, installationId: Id<"installations">): Promise<RequestResult> {
  const installation = await ctx.db.get(installationId);
  if (!installation) throw new Error(`installation ${installationId} not found`);
  if (installation.accountType !== "Organization") return { action: "skip", reason: "people_listing" };
  await recordPeopleRequested(ctx, installation, Date.now());
  return requestSync(ctx, installationId, "members");
}

/** Cancel the installation's active job, if any; a slice still running sees it lost its lease and stops. */
export async function cancelSync(
  ctx: MutationCtx,
  installationId: Id<"installations">,
): Promise<Id<"syncJobs"> | null> {
  const installation = await ctx.db.get(installationId);
  const job = installation?.sync.activeJobId ? await ctx.db.get(installation.sync.activeJobId) : null;
  if (!job || !isActive(job)) return null;
  await endJob(ctx, job, "cancelled");
  return job._id;
}
