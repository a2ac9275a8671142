/**
 * Deployments in the read model (issue 14). STUB of the one lookup cycle time needs; the DORA work
 * fills this module in (the write path's deployment records, their buckets, PR attribution).
 */
import type { Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";

/** Days after a merge within which a production deployment is taken to ship it (beyond: not deployed). */
export const DEPLOY_HORIZON_MS = 30 * 86_400_000;

/**
 * When the first successful production deployment created at or after `mergedAt` (within the horizon)
 * succeeded, or undefined. The deploy stage of a merged PR is `mergedAt` → this.
 */
export async function firstDeploymentAfter(
  _db: DatabaseReader,
  _repositoryId: Id<"repositories">,
  _mergedAt: number,
): Promise<number | undefined> {
  return undefined;
}
