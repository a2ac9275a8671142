/**
 * DORA's four keys from GitHub alone (issue 14), read from `deploymentDaily` and `cycleDaily` (≤ one
 * document per day per series): deployment frequency, lead time for changes, change failure rate and
 * time to restore, each with the DORA report's band.
 *
 * STUB: the contract the Analytics page is built against; the handler is filled in by the DORA work.
 */
import { v } from "convex/values";
import { query } from "../_generated/server";

export type Band = "elite" | "high" | "medium" | "low";

export type DoraMetrics = {
  deploymentFrequency: { deployments: number; perWeek: number; band: Band | null };
  leadTime: { changes: number; p50Hours: number | null; band: Band | null };
  changeFailureRate: { deployments: number; failures: number; rate: number | null; band: Band | null };
  timeToRestore: { restores: number; p50Hours: number | null; band: Band | null };
  periods: Array<{
    start: number;
    end: number;
    label: string;
    deployments: number;
    successes: number;
    failures: number;
  }>;
  /** Whether any repository in view has deployments at all (else the page explains how to get them). */
  hasDeployments: boolean;
};

export const metrics = query({
  args: {
    installationId: v.id("installations"),
    from: v.number(),
    to: v.number(),
    repositoryId: v.optional(v.id("repositories")),
  },
  handler: async (): Promise<DoraMetrics | null> => null,
});
