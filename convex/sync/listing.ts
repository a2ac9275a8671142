/**
 * The listing stage: GET /installation/repositories, conditional on the last completed listing's
 * ETag, stamps every repository it sees; once it completes, the repositories it did not stamp leave
 * the installation (`pruneUnlisted`, a batch per transaction); then the walk starts.
 */
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { listInstallationRepositories } from "../github/api";
import type { RepositoryRecord } from "../model/records";
import type { Slice } from "./slice";

type Cursor = Doc<"syncJobs">["cursor"];

/** One page of the listing, or one batch of the pruning. False if the lease was lost. */
export async function listingStep(slice: Slice): Promise<boolean> {
  const c = slice.cursor;
  slice.pages += 1;
  if (c.phase === "prune") return pruneStep(slice, c.listing!);
  const firstPage = c.page === undefined;
  const res = await listInstallationRepositories(slice.client, {
    ...(c.page && { next: c.page }),
    ...(firstPage && slice.claim.repositoriesEtag && { etag: slice.claim.repositoriesEtag }),
  });
  // Unchanged since the last listing (304): keep the current set, walk every visible repository.
  if (res.notModified) return commitListing(slice, [], walkStart(slice, undefined), {});
  const listing = c.listing ?? Date.now();
  const next: Cursor = res.next ? { ...c, page: res.next, listing } : { phase: "prune", listing, pageSize: c.pageSize };
  return commitListing(slice, res.repositories, next, {
    ...(firstPage && { total: res.total }),
    ...(firstPage && res.etag && { etag: res.etag }),
  });
}

function walkStart(slice: Slice, listing: number | undefined): Cursor {
  return {
    phase: "walk",
    stage: slice.settings.sequential ? "full" : "open_work",
    window: [],
    pageSize: slice.pageSize,
    ...(listing !== undefined && { listing }),
  };
}

async function commitListing(
  slice: Slice,
  repositories: RepositoryRecord[],
  next: Cursor,
  extra: { total?: number; etag?: string },
): Promise<boolean> {
  const ok = await slice.ctx.runMutation(internal.sync.listingJobs.commitListing, {
    ...slice.lease,
    repositories,
    cursor: next,
    ...extra,
    ...slice.delta(),
  });
  if (ok) slice.moved(next);
  return ok;
}

/** Repositories the completed listing did not see leave the installation, a batch per transaction. */
async function pruneStep(slice: Slice, listing: number): Promise<boolean> {
  const more = await slice.ctx.runMutation(internal.sync.listingJobs.pruneUnlisted, { ...slice.lease, listing });
  if (more === null) return false;
  if (more) return true;
  const next = walkStart(slice, listing);
  const ok = await slice.ctx.runMutation(internal.sync.jobs.commitPage, {
    ...slice.lease,
    records: [],
    cursor: next,
    ...slice.delta(),
  });
  if (ok) slice.moved(next);
  return ok;
}
