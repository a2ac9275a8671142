/**
 * processSyncJob: the single sync worker. One invocation is one bounded slice (time and page budget):
 * it claims the job, runs the stages of its kind from the stored cursor (`slice.ts`, `plan.ts`),
 * commits page by page, and schedules its own continuation. Convex does not retry scheduled actions,
 * so every slice is safe to run again: writes are idempotent upserts and a cursor only advances with
 * the data it covers.
 *
 * Stages: the listing (GET /installation/repositories) stamps every repository it sees, and once it
 * completes the unlisted ones are pruned (`listing.ts`); the walk then visits repositories in name
 * order, twice (`walk.ts`): **open work** first (open pull requests with reviews and checks, open
 * issues: the dashboard is complete for open work when it ends), then, after the organisation's
 * **people** when they are due (`people.ts`), **history** (closed and merged pull requests, closed
 * issues, deployments, the chosen workflow's runs, comments, commits, back to the horizon). Each
 * repository's phases are fetched by one module per source (`sources/`).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction } from "../_generated/server";
import type { GitHubClient } from "../github/client";
import { githubAppForAction } from "../github/connection";
import { APP_NOT_CONFIGURED } from "../messages";
import { syncSettings } from "./plan";
import { claimSlice, Slice } from "./slice";

export const processSyncJob = internalAction({
  args: { jobId: v.id("syncJobs"), generation: v.number() },
  handler: async (ctx, lease) => {
    const slice = await claimSlice(ctx, lease);
    if (!slice) return; // superseded, duplicate, or no longer active
    let client: GitHubClient;
    try {
      client = githubAppForAction(ctx).installationClient(slice.githubInstallationId);
    } catch (error) {
      // Misconfiguration (missing App ID or key): fail visibly instead of leaving the job claimed.
      const detail = error instanceof Error ? error.message : String(error);
      await ctx.runMutation(internal.sync.jobs.finishJob, {
        ...lease,
        outcome: "failed",
        error: { kind: "internal", message: APP_NOT_CONFIGURED, detail },
        stats: { requests: 0, notModified: 0 },
        rateLimits: [],
      });
      return;
    }
    await new Slice(ctx, client, lease, slice, syncSettings()).run();
  },
});
