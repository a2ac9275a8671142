/**
 * What every worker transaction starts with: the lease it must still hold (same generation, claimed),
 * so a superseded or duplicate slice can never write, and the job's stats as a page adds to them.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { isActive } from "./jobState";

export const lease = { jobId: v.id("syncJobs"), generation: v.number() };
export const statsDelta = v.object({ requests: v.number(), notModified: v.number() });
type StatsDelta = { requests: number; notModified: number };

/** The job if the caller's slice still holds it, else null (the caller must stop). */
export async function heldJob(ctx: MutationCtx, jobId: Id<"syncJobs">, generation: number) {
  const job = await ctx.db.get(jobId);
  if (!job || !isActive(job) || job.lease.generation !== generation || !job.lease.claimed) return null;
  return job;
}

export function addStats(
  job: Doc<"syncJobs">,
  delta: StatsDelta,
  items: number,
  repository?: "ready" | "failed" | "processing",
): Doc<"syncJobs">["stats"] {
  const s = job.stats;
  return {
    requests: s.requests + delta.requests,
    notModified: s.notModified + delta.notModified,
    // Every answered request except a 304 costs one point (GraphQL pages here cost 1 point each).
    primaryBudgetUsed: s.primaryBudgetUsed + delta.requests - delta.notModified,
    itemsWritten: s.itemsWritten + items,
    mutations: s.mutations + 1,
    repositoriesSynced: (s.repositoriesSynced ?? 0) + (repository === "ready" ? 1 : 0),
    repositoriesFailed: (s.repositoriesFailed ?? 0) + (repository === "failed" ? 1 : 0),
  };
}
