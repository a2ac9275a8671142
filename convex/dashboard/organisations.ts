/**
 * Organisations overview (seed 004): every installation the caller can see, with rollups from the same
 * counters and buckets as each installation's pages (a fixed number of documents per installation).
 *
 * STUB: the contract the overview is built against; the handler is filled in by the analytics work.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { query } from "../_generated/server";

export type OrganisationRollup = {
  installationId: Id<"installations">;
  account: { login: string; type: "User" | "Organization" };
  repositories: number;
  openPullRequests: number;
  openPullRequestsByHealth: { green: number; yellow: number; red: number };
  /** Over the 30 days ending on `today` (or the newest data). */
  merged30d: number;
  medianCycleHours30d: number | null;
  deployments30d: number;
  syncState: "idle" | "syncing" | "blocked" | "error";
  lastSyncedAt: number | null;
};

export const overview = query({
  args: { today: v.optional(v.number()) },
  handler: async (): Promise<OrganisationRollup[]> => [],
});
