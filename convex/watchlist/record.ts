/**
 * What a watchlist job fetched, written to its entry (called by the SyncService's lease-checked
 * transaction, `sync/watchlistJobs.ts`): one step's answer per call, the step the entry goes on with,
 * and — when the entry's last step is done — our own checks and `ready`. A repository GitHub will not
 * show us (missing, private to another account, or private and so an organisation's own) is an attempt
 * failed: retried after 2 s and 4 s, then `failed` with the reason (seed 001: 3 attempts).
 *
 * Every write of an entry is told to the rooms that react to it (`watchListeners`, wired in
 * convex/functions.ts: the alert engine), before → after, so this room knows none of them.
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseWriter, MutationCtx } from "../_generated/server";
import { jobErrorKind } from "../sync/jobState";
import { DEPENDENCY_TOOL_FILES, ourChecks, SECURITY_FILE } from "./checks";
import { latestRelease, repositoryFacts, scorecardResult, WATCH_STEPS, type watchStep } from "./tables";

const DAY_MS = 86_400_000;
/** Seed 001: a year of commits, at most 1,000 (the newest). */
export const WATCH_HISTORY_MS = 365 * DAY_MS;
export const WATCH_MAX_COMMITS = 1_000;
/** Seed 001: 3 attempts, exponential backoff from 2 s. */
const WATCH_ATTEMPTS = 3;
const RETRY_BASE_MS = 2_000;
/** A ready entry is refreshed daily (conditional requests), its Scorecard result weekly. */
const REFRESH_MS = DAY_MS;
const SCORECARD_EVERY_MS = 7 * DAY_MS;
const MAX_HISTORY = 52;
/** Commits deleted per transaction when an entry's year is trimmed (the rest in the next page). */
const TRIM_BATCH = 200;

type Entry = Doc<"watchEntries">;
type WatchStep = Infer<typeof watchStep>;
export type WatchListener = (ctx: MutationCtx, before: Entry | null, after: Entry | null) => Promise<void>;
/** A mutation's context with the rooms that react to watchlist writes (built by convex/functions.ts). */
type WatchCtx = MutationCtx & { watchListeners: readonly WatchListener[] };

const names = v.array(v.object({ name: v.string(), type: v.string() }));
/** One step's answer, as the job's action read it (convex/sync/watchlist.ts). */
export const watchAnswer = v.union(
  v.object({ step: v.literal("refused"), kind: jobErrorKind, message: v.string() }),
  v.object({ step: v.literal("unchanged"), of: v.string() }),
  v.object({
    step: v.literal("repository"),
    etag: v.optional(v.string()),
    githubId: v.number(),
    fullName: v.string(),
    private: v.boolean(),
    repository: v.object(repositoryFacts),
  }),
  v.object({
    step: v.literal("commits"),
    commits: v.array(
      v.object({ sha: v.string(), committedAt: v.number(), author: v.optional(v.string()), title: v.string() }),
    ),
    /** The first page's ETag (a refresh asks for it conditionally). */
    etag: v.optional(v.string()),
    next: v.optional(v.string()),
  }),
  v.object({
    step: v.literal("releases"),
    etag: v.optional(v.string()),
    count: v.number(),
    latest: v.optional(latestRelease),
    withAssets: v.number(),
    signed: v.number(),
  }),
  v.object({ step: v.literal("pulls"), etag: v.optional(v.string()), count: v.number() }),
  v.object({
    step: v.literal("files"),
    root: v.optional(v.object({ etag: v.optional(v.string()), names })),
    github: v.optional(v.object({ etag: v.optional(v.string()), names })),
    docs: v.optional(v.object({ etag: v.optional(v.string()), names })),
  }),
  v.object({
    step: v.literal("rules"),
    etag: v.optional(v.string()),
    rules: v.array(v.string()),
    requiredReviews: v.number(),
  }),
  v.object({
    step: v.literal("scorecard"),
    /** null: not scanned by OpenSSF; absent: not asked this time (checked less than a week ago). */
    result: v.optional(v.union(v.null(), scorecardResult)),
  }),
);
export type WatchAnswer = Infer<typeof watchAnswer>;

/** Where the job goes on with this entry: its next step (and the commits' next page), or the next entry. */
type WatchProgress = { step: WatchStep; page?: string } | { step: "done" };

/** Write an entry and tell the listeners. */
export async function patchEntry(ctx: WatchCtx, entry: Entry, patch: Partial<Entry>): Promise<Entry> {
  await ctx.db.patch(entry._id, patch);
  const after = (await ctx.db.get(entry._id))!;
  for (const listen of ctx.watchListeners) await listen(ctx, entry, after);
  return after;
}

/** The next entry whose work is due, or null. */
export async function nextDueEntry(db: DatabaseWriter, installationId: Id<"installations">, now: number) {
  return db
    .query("watchEntries")
    .withIndex("by_installation_due", (q) => q.eq("installationId", installationId).gte("dueAt", 0).lte("dueAt", now))
    .first();
}

/** The earliest instant any entry of the installation is due at (undefined: none is). */
export async function earliestDue(db: DatabaseWriter, installationId: Id<"installations">) {
  const first = await db
    .query("watchEntries")
    .withIndex("by_installation_due", (q) => q.eq("installationId", installationId).gte("dueAt", 0))
    .first();
  return first?.dueAt;
}

/** A job takes up an entry: it starts at its first step (the repository). */
export async function beginEntry(ctx: WatchCtx, entry: Entry): Promise<void> {
  await patchEntry(ctx, entry, { step: "repository", commitsRead: 0 });
}

/** Record one step's answer; returns where the job goes on. */
export async function recordAnswer(ctx: WatchCtx, entry: Entry, answer: WatchAnswer, now: number) {
  const step = entry.step ?? "repository";
  const nextStep = (s: WatchStep): WatchProgress => {
    const after = WATCH_STEPS[WATCH_STEPS.indexOf(s) + 1];
    return after ? { step: after } : { step: "done" };
  };
  const goOn = async (patch: Partial<Entry>, progress: WatchProgress): Promise<WatchProgress> => {
    const written = await patchEntry(ctx, entry, {
      ...patch,
      ...(progress.step !== "done" && { step: progress.step }),
    });
    return progress.step === "done" ? finishEntry(ctx, written, now) : progress;
  };
  switch (answer.step) {
    case "refused":
      return failAttempt(ctx, entry, { kind: answer.kind, message: answer.message }, now);
    case "unchanged":
      return goOn({}, nextStep(step));
    case "repository": {
      if (answer.private) {
        return failAttempt(ctx, entry, { kind: "forbidden", message: PRIVATE_MESSAGE }, now);
      }
      const renamed = answer.fullName.toLowerCase() !== entry.key;
      return goOn(
        {
          githubId: answer.githubId,
          repository: {
            ...answer.repository,
            ...(entry.repository?.openPulls !== undefined && { openPulls: entry.repository.openPulls }),
          },
          etags: { ...entry.etags, ...(answer.etag && { repository: answer.etag }) },
          ...(answer.fullName !== entry.fullName && { fullName: answer.fullName, key: answer.fullName.toLowerCase() }),
          ...(renamed && { renamedFrom: entry.fullName }),
        },
        nextStep("repository"),
      );
    }
    case "commits":
      return goOn(...(await recordCommits(ctx.db, entry, answer, now)));
    case "releases":
      return goOn(
        {
          releases: {
            count: answer.count,
            ...(answer.latest && { latest: answer.latest }),
            withAssets: answer.withAssets,
            signed: answer.signed,
          },
          etags: { ...entry.etags, ...(answer.etag && { releases: answer.etag }) },
        },
        nextStep("releases"),
      );
    case "pulls": {
      const repository = entry.repository && { ...entry.repository, openPulls: answer.count };
      return goOn(
        { ...(repository && { repository }), etags: { ...entry.etags, ...(answer.etag && { pulls: answer.etag }) } },
        nextStep("pulls"),
      );
    }
    case "files": {
      const etags = {
        ...entry.etags,
        ...(answer.root?.etag && { root: answer.root.etag }),
        ...(answer.github?.etag && { github: answer.github.etag }),
        ...(answer.docs?.etag && { docs: answer.docs.etag }),
      };
      // A directory that answered 304 keeps what was found in it: only re-read directories change the files.
      const files = answer.root || answer.github || answer.docs ? filesFound(answer, entry.files) : entry.files;
      return goOn({ etags, ...(files && { files }) }, nextStep("files"));
    }
    case "rules":
      return goOn(
        {
          branchRules: { rules: answer.rules, requiredReviews: answer.requiredReviews },
          etags: { ...entry.etags, ...(answer.etag && { rules: answer.etag }) },
        },
        nextStep("rules"),
      );
    case "scorecard": {
      if (answer.result === undefined) return goOn({}, nextStep("scorecard"));
      const result = answer.result;
      const stored = entry.scorecard;
      const same =
        result === null
          ? stored === null
          : stored != null && stored.date === result.date && stored.commit === result.commit;
      const history =
        result && !same
          ? [...entry.scoreHistory, { date: result.date, score: result.score }].slice(-MAX_HISTORY)
          : undefined;
      return goOn(
        {
          scorecardCheckedAt: now,
          scorecardDue: false,
          // Stored only when the scan changed (its day or the analysed commit).
          ...(!same && { scorecard: result }),
          ...(history && { scoreHistory: history }),
        },
        nextStep("scorecard"),
      );
    }
  }
}

const PRIVATE_MESSAGE =
  "This repository is private. The watchlist follows public repositories; an organisation's own repositories are synced when the GitHub App is granted them.";

/** Which of the files our checks look for were found (`files` answers hold the directories read again). */
function filesFound(
  answer: Extract<WatchAnswer, { step: "files" }>,
  before: Entry["files"],
): NonNullable<Entry["files"]> {
  const paths = [
    ...(answer.root?.names ?? []).map((n) => n.name),
    ...(answer.github?.names ?? []).map((n) => `.github/${n.name}`),
    ...(answer.docs?.names ?? []).map((n) => `docs/${n.name}`),
  ];
  const security = paths.find((p) => SECURITY_FILE.test(p.split("/").at(-1)!));
  const tool = paths.find((p) => DEPENDENCY_TOOL_FILES[p] !== undefined);
  const read = (dir: "root" | "github" | "docs") => answer[dir] !== undefined;
  const dirOf = (path: string) => (path.startsWith(".github/") ? "github" : path.startsWith("docs/") ? "docs" : "root");
  // What was found before in a directory not read again (its listing answered 304) is still there.
  const kept = (path: string | undefined) => (path && !read(dirOf(path)) ? path : undefined);
  const securityPolicy = security ?? kept(before?.securityPolicy);
  const toolPath = tool ?? kept(/\((.+)\)$/.exec(before?.dependencyUpdateTool ?? "")?.[1]);
  const dependencyUpdateTool = toolPath && `${DEPENDENCY_TOOL_FILES[toolPath]} (${toolPath})`;
  return { ...(securityPolicy && { securityPolicy }), ...(dependencyUpdateTool && { dependencyUpdateTool }) };
}

/**
 * A page of commits: the new ones stored; the listing goes on while it is all new, under the cap and
 * within the year; at its end the entry keeps the newest 1,000 within the year.
 */
async function recordCommits(
  db: DatabaseWriter,
  entry: Entry,
  answer: Extract<WatchAnswer, { step: "commits" }>,
  now: number,
): Promise<[Partial<Entry>, WatchProgress]> {
  const horizon = now - WATCH_HISTORY_MS;
  let added = 0;
  let known = false;
  const read = entry.commitsRead ?? 0;
  for (const c of answer.commits.slice(0, Math.max(0, WATCH_MAX_COMMITS - read))) {
    if (c.committedAt < horizon) continue;
    const existing = await db
      .query("watchCommits")
      .withIndex("by_entry_sha", (q) => q.eq("entryId", entry._id).eq("sha", c.sha))
      .first();
    if (existing) {
      known = true;
      continue;
    }
    await db.insert("watchCommits", { entryId: entry._id, ...c });
    added += 1;
  }
  const commitsRead = read + answer.commits.length;
  const etags = read === 0 && answer.etag ? { ...entry.etags, commits: answer.etag } : entry.etags;
  const more = answer.next !== undefined && !known && commitsRead < WATCH_MAX_COMMITS;
  const newest = answer.commits.reduce((m, c) => Math.max(m, c.committedAt), entry.commits?.lastAt ?? 0);
  const count = (entry.commits?.count ?? 0) + added;
  if (more) {
    return [
      { commitsRead, etags, commits: { count, ...(newest > 0 && { lastAt: newest }) } },
      { step: "commits", page: answer.next! },
    ];
  }
  const trimmed = await trimCommits(db, entry._id, horizon);
  return [
    { commitsRead, etags, commits: { count: count - trimmed, ...(newest > 0 && { lastAt: newest }) } },
    { step: "releases" },
  ];
}

/** Deletes commits beyond the newest 1,000 and older than the year (a batch per call); returns how many. */
async function trimCommits(db: DatabaseWriter, entryId: Id<"watchEntries">, horizon: number): Promise<number> {
  let deleted = 0;
  const old = await db
    .query("watchCommits")
    .withIndex("by_entry_committed", (q) => q.eq("entryId", entryId).lt("committedAt", horizon))
    .take(TRIM_BATCH);
  for (const c of old) await db.delete(c._id);
  deleted += old.length;
  const newest = await db
    .query("watchCommits")
    .withIndex("by_entry_committed", (q) => q.eq("entryId", entryId))
    .order("desc")
    .take(WATCH_MAX_COMMITS + TRIM_BATCH - deleted);
  for (const c of newest.slice(WATCH_MAX_COMMITS)) await db.delete(c._id);
  return deleted + Math.max(0, newest.length - WATCH_MAX_COMMITS);
}

/** The entry's last step is done: our checks from what it holds, then `ready` until tomorrow's refresh. */
async function finishEntry(ctx: WatchCtx, entry: Entry, now: number): Promise<WatchProgress> {
  const commits = await ctx.db
    .query("watchCommits")
    .withIndex("by_entry_committed", (q) => q.eq("entryId", entry._id))
    .order("desc")
    .take(WATCH_MAX_COMMITS);
  await patchEntry(ctx, entry, {
    status: "ready",
    error: undefined,
    attempts: 0,
    step: undefined,
    commitsRead: undefined,
    processedAt: now,
    dueAt: now + REFRESH_MS,
    commits: { count: commits.length, ...(commits[0] && { lastAt: commits[0].committedAt }) },
    ours: ourChecks(entry, commits, now),
  });
  return { step: "done" };
}

/** An attempt failed: retried after 2 s·2ⁿ⁻¹ until the third, then `failed` (a retry by hand starts again). */
async function failAttempt(
  ctx: WatchCtx,
  entry: Entry,
  error: NonNullable<Entry["error"]>,
  now: number,
): Promise<WatchProgress> {
  const attempts = entry.attempts + 1;
  const last = attempts >= WATCH_ATTEMPTS;
  await patchEntry(ctx, entry, {
    error,
    attempts,
    step: undefined,
    commitsRead: undefined,
    ...(last ? { status: "failed" as const, dueAt: undefined } : { dueAt: now + RETRY_BASE_MS * 2 ** (attempts - 1) }),
  });
  return { step: "done" };
}

/** Whether the entry's Scorecard result should be asked for in this processing. */
export function scorecardWanted(entry: Entry, now: number): boolean {
  return (
    entry.scorecardDue === true ||
    entry.scorecardCheckedAt === undefined ||
    now - entry.scorecardCheckedAt >= SCORECARD_EVERY_MS
  );
}
