/**
 * A walk stage (open work, history, or a repository's whole sync at once): up to `WINDOW`
 * repositories in flight, admitted in name order through an index, each resuming from its own cursor
 * on its row (`syncProgress`) and running its phases (`plan.ts`) one page at a time, each page
 * fetched by its source (`sources/`) and committed with the repository's new cursor.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { GitHubError } from "../github/errors";
import { jobErrorMessage } from "../messages";
import type { AnyRecord } from "../model/records";
import { WINDOW, type JobRepository } from "./jobs";
import { nextPhase, plan, type Progress, type Stage } from "./plan";
import type { RepositoryUpdate, Slice } from "./slice";
import { SOURCES } from "./sources";
import type { SourceContext } from "./sources/source";

/** The incremental watermark starts this long before the previous sync began (clock skew, in-flight edits). */
const WATERMARK_OVERLAP_MS = 5 * 60_000;

/** One stage: the repositories in flight resume first, then lanes admit the next ones until the walk ends. */
export async function walkStage(slice: Slice, stage: Stage) {
  const resumed = await Promise.all(
    (slice.cursor.window ?? []).map(async (repositoryId) => ({
      repositoryId,
      repo: await slice.ctx.runQuery(internal.sync.jobs.jobRepository, { repositoryId }),
    })),
  );
  const queue: Array<JobRepository | Id<"repositories">> = resumed.map((r) =>
    r.repo && !r.repo.removed ? r.repo : r.repositoryId,
  );
  const lanes = slice.settings.sequential ? 1 : WINDOW;
  await Promise.all(Array.from({ length: lanes }, () => lane(slice, stage, queue)));
}

async function lane(slice: Slice, stage: Stage, queue: Array<JobRepository | Id<"repositories">>) {
  while (!slice.stopped) {
    const next = queue.shift() ?? (await admit(slice));
    if (!next) return;
    if (typeof next === "string") {
      // Removed while in flight: it leaves the window.
      if (!(await slice.commit({ repositoryDone: true, repositoryUpdate: { repositoryId: next } }))) return;
      continue;
    }
    await syncRepository(slice, stage, next);
  }
}

async function admit(slice: Slice): Promise<JobRepository | null> {
  if (slice.stopped) return null;
  if (slice.overBudget()) {
    slice.stop({ kind: "budget" });
    return null;
  }
  const res = await slice.serial(() => slice.ctx.runMutation(internal.sync.jobs.admitRepository, slice.lease));
  if (!res) slice.stop({ kind: "lost" });
  return res?.kind === "repository" ? res.repository : null;
}

/** Where `repo` stands in this stage: its own stored cursor when this job left one, else the stage's start. */
function startProgress(slice: Slice, stage: Stage, repo: JobRepository): Progress | "skip" {
  const firstSync = repo.syncCursor.since === undefined;
  const mine = repo.syncProgress?.jobId === slice.lease.jobId ? repo.syncProgress : undefined;
  if (mine?.failed) return "skip"; // failed permanently earlier in this job
  if (mine?.stage === stage || (mine && stage === "history" && mine.stage === "full")) return mine;
  const base = { jobId: slice.lease.jobId };
  // History after this job's open work carries the probe's answer; otherwise it is the whole sync.
  if (stage === "history" && mine?.stage === "open_work") {
    const p: Progress = {
      ...base,
      stage,
      phase: "probe",
      ...(mine.changed !== undefined && { changed: mine.changed }),
      ...(mine.repoEtag !== undefined && { repoEtag: mine.repoEtag }),
    };
    return { ...p, phase: plan(stage, firstSync, p.changed)[0]! };
  }
  const s = stage === "history" ? "full" : stage;
  return { ...base, stage: s, phase: plan(s, firstSync, undefined)[0]! };
}

async function syncRepository(slice: Slice, stage: Stage, repo: JobRepository) {
  const start = startProgress(slice, stage, repo);
  if (start === "skip") {
    await slice.commit({ repositoryDone: true, repositoryUpdate: { repositoryId: repo.id } });
    return;
  }
  let p = start;
  // A first sync shows the repository as processing until its history is in.
  let first = repo.syncCursor.since === undefined && repo.syncProgress?.jobId !== slice.lease.jobId;
  const source = sourceContext(slice, repo);
  while (!slice.stopped) {
    if (slice.overBudget()) return slice.stop({ kind: "budget" });
    let next: Progress | "done" | "lost";
    try {
      next = await repositoryStep(slice, source, p, first);
    } catch (error) {
      if (error instanceof GitHubError && error.permanent) {
        if (!(await failRepository(slice, repo, p, error))) slice.stop({ kind: "lost" });
        return;
      }
      return slice.stop({ kind: "error", error });
    }
    if (next === "lost") return slice.stop({ kind: "lost" });
    if (next === "done") return;
    p = next;
    first = false;
  }
}

/** What a source sees of the slice and of the repository it fetches. */
function sourceContext(slice: Slice, repo: JobRepository): SourceContext {
  const horizon = slice.claim.startedAt - slice.settings.historyMs;
  return {
    client: slice.client,
    repo,
    coordinates: { githubId: repo.githubId, owner: repo.owner, name: repo.name, defaultBranch: repo.defaultBranch },
    firstSync: repo.syncCursor.since === undefined,
    since: repo.syncCursor.since ?? horizon,
    horizon,
    settings: slice.settings,
    runQuery: slice.ctx.runQuery,
    get pageSize() {
      return slice.pageSize;
    },
    set pageSize(size: number) {
      slice.pageSize = size;
    },
    request: (resource, points, call) => slice.request(resource, points, call),
    settle: (resource, difference) => slice.settle(resource, difference),
  };
}

/** One page of `repo`'s current phase (or no request at all when there is nothing to fetch) and its commit. */
async function repositoryStep(
  slice: Slice,
  s: SourceContext,
  p: Progress,
  first: boolean,
): Promise<Progress | "done" | "lost"> {
  const status = first ? { syncStatus: "processing" as const } : {};
  if (p.phase === "done") return store(slice, s.repo, p, [], status);
  const after = (q: Progress): Progress => ({ ...q, page: undefined, phase: nextPhase(q, s.firstSync) });
  const page = await SOURCES[p.phase](s, p);
  // Nothing to fetch or commit: the next phase stores the progress (a retry asks again).
  if (page === "skip") return after(p);
  const q = { ...p, ...page.progress };
  return store(slice, s.repo, page.next ? { ...q, page: page.next } : after(q), page.records, {
    ...status,
    ...(page.currentRepository && { currentRepository: s.repo.fullName }),
  });
}

/**
 * Commit a page of `repo`: its records and its own new cursor, in bounded chunks (the last one
 * carries the cursor and renews the lease). At the end of a stage the repository leaves the window;
 * at the end of its history (or full sync) it completes: ready, with its new watermark.
 */
async function store(
  slice: Slice,
  repo: JobRepository,
  next: Progress,
  records: AnyRecord[],
  extra: { syncStatus?: "processing"; currentRepository?: string } = {},
): Promise<Progress | "done" | "lost"> {
  const { syncStatus, currentRepository } = extra;
  const done = next.phase === "done";
  const completes = done && next.stage !== "open_work";
  const update: RepositoryUpdate = completes
    ? {
        repositoryId: repo.id,
        syncStatus: "ready",
        syncProgress: null,
        syncCursor: {
          since: slice.claim.startedAt - WATERMARK_OVERLAP_MS,
          ...(next.repoEtag && { changeProbeEtag: next.repoEtag }),
          ...(repo.pushedAt !== undefined && { pushedAt: repo.pushedAt }),
        },
      }
    : { repositoryId: repo.id, syncProgress: next, ...(syncStatus && { syncStatus }) };
  const ok = await slice.commit(
    {
      repositoryUpdate: update,
      ...(done && { repositoryDone: true }),
      ...(currentRepository !== undefined && { currentRepository }),
    },
    records,
  );
  if (!ok) return "lost";
  return done ? "done" : next;
}

/** A permanent error on one repository fails that repository only; the walk goes on. */
async function failRepository(slice: Slice, repo: JobRepository, p: Progress, error: GitHubError): Promise<boolean> {
  return slice.commit({
    repositoryDone: true,
    repositoryUpdate: {
      repositoryId: repo.id,
      syncStatus: "failed",
      syncError: jobErrorMessage(error.kind),
      syncErrorKind: error.kind,
      // Remembered for the rest of this job, so the history stage does not try it again.
      syncProgress: { jobId: slice.lease.jobId, stage: p.stage, phase: "done", failed: true },
    },
  });
}
