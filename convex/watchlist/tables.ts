/**
 * The watchlist's tables (seed 001): outside repositories an installation follows, apart from its own
 * read model, so they never count in the organisation's figures, lists, inbox or analytics.
 *
 * - `watchEntries` — written by `watchlist/` (entries.ts: add, notes' count, choices, retry; record.ts:
 *   what the SyncService's watchlist jobs fetched, called from `sync/watchlistJobs.ts`); read by
 *   `watchlist/`, `dashboard/watchlist.ts`, `sync/` (which entries are due), `alerts/` through the
 *   changes record.ts emits.
 * - `watchCommits` — the newest commits of an entry's year (at most 1,000); same writer; read by
 *   `dashboard/watchlist.ts` (the commit activity chart) and `watchlist/record.ts` (our checks).
 * - `watchNotes` — written by `watchlist/entries.ts`; read by `dashboard/watchlist.ts`.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { jobErrorKind } from "../sync/jobState";

const watchStatus = v.union(v.literal("processing"), v.literal("ready"), v.literal("failed"));
/** What a watchlist job fetches for an entry, in order (convex/sync/watchlist.ts). */
export const watchStep = v.union(
  v.literal("repository"),
  v.literal("commits"),
  v.literal("releases"),
  v.literal("pulls"),
  v.literal("files"),
  v.literal("rules"),
  v.literal("scorecard"),
);
export const WATCH_STEPS = ["repository", "commits", "releases", "pulls", "files", "rules", "scorecard"] as const;

/** A check's result: 0–10, or -1 when inconclusive (shown "?", never 0). */
const checkResult = v.object({
  name: v.string(),
  score: v.number(),
  reason: v.string(),
  url: v.optional(v.string()),
});

/** An OpenSSF Scorecard result as stored: the scan day and the analysed commit say whether it changed. */
export const scorecardResult = v.object({
  score: v.number(),
  date: v.string(),
  commit: v.string(),
  version: v.optional(v.string()),
  checks: v.array(checkResult),
});

/** What GitHub says of a repository (its open pull requests are counted by a step of their own). */
export const repositoryFacts = {
  description: v.optional(v.string()),
  htmlUrl: v.string(),
  stars: v.number(),
  forks: v.number(),
  archived: v.boolean(),
  defaultBranch: v.string(),
  /** SPDX id; "NOASSERTION" for a licence file GitHub could not name; absent for none. */
  license: v.optional(v.string()),
  createdAt: v.number(),
  pushedAt: v.optional(v.number()),
  openIssues: v.number(),
};
export const latestRelease = v.object({
  tag: v.string(),
  name: v.optional(v.string()),
  publishedAt: v.number(),
  url: v.string(),
});

export const alertChoices = v.object({
  scoreDrop: v.boolean(),
  checkFell: v.boolean(),
  archived: v.boolean(),
  securityPolicyRemoved: v.boolean(),
  newRelease: v.boolean(),
});

export const watchTables = {
  watchEntries: defineTable({
    installationId: v.id("installations"),
    /** `owner/name` as GitHub spells it now (followed through a rename). */
    fullName: v.string(),
    /** Lower-cased `fullName`: one entry per repository and installation. */
    key: v.string(),
    /** The name it was added as, when GitHub answered with another (a renamed or transferred repository). */
    renamedFrom: v.optional(v.string()),
    githubId: v.optional(v.number()),
    addedBy: v.object({ userId: v.optional(v.id("users")), login: v.string() }),
    addedAt: v.number(),
    status: watchStatus,
    /** Why the last processing failed (kept beside `ready` data while a refresh retries). */
    error: v.optional(v.object({ kind: jobErrorKind, message: v.string() })),
    /** Failed attempts of the current processing (3 at most, then `failed`). */
    attempts: v.number(),
    /** When the entry next needs a job: now (added, retried, refreshed), a retry's backoff, the daily refresh. */
    dueAt: v.optional(v.number()),
    /** The step a job is at while processing (live progress), and how many commits it has read. */
    step: v.optional(watchStep),
    commitsRead: v.optional(v.number()),
    /** Ask OpenSSF again on the next processing (weekly, or on demand). */
    scorecardDue: v.optional(v.boolean()),
    processedAt: v.optional(v.number()),
    repository: v.optional(v.object({ ...repositoryFacts, openPulls: v.optional(v.number()) })),
    /** ETags of the pages a refresh asks for conditionally (a 304 costs no budget). */
    etags: v.object({
      repository: v.optional(v.string()),
      commits: v.optional(v.string()),
      releases: v.optional(v.string()),
      pulls: v.optional(v.string()),
      root: v.optional(v.string()),
      github: v.optional(v.string()),
      docs: v.optional(v.string()),
      rules: v.optional(v.string()),
    }),
    commits: v.optional(v.object({ count: v.number(), lastAt: v.optional(v.number()) })),
    releases: v.optional(
      v.object({
        count: v.number(),
        latest: v.optional(latestRelease),
        /** Of the newest releases with assets (at most 5): how many carry a signature or provenance. */
        withAssets: v.number(),
        signed: v.number(),
      }),
    ),
    files: v.optional(
      v.object({
        securityPolicy: v.optional(v.string()),
        dependencyUpdateTool: v.optional(v.string()),
      }),
    ),
    branchRules: v.optional(v.object({ rules: v.array(v.string()), requiredReviews: v.number() })),
    /** The OpenSSF Scorecard result; null: not scanned by OpenSSF (its API answered 404). */
    scorecard: v.optional(v.union(v.null(), scorecardResult)),
    scorecardCheckedAt: v.optional(v.number()),
    /** Each stored Scorecard result's score (the trend), newest last, at most 52. */
    scoreHistory: v.array(v.object({ date: v.string(), score: v.number() })),
    /** Our own Scorecard-style checks from GitHub's API (labelled as ours). */
    ours: v.optional(v.array(checkResult)),
    alertOn: alertChoices,
    notes: v.number(),
  })
    .index("by_installation_key", ["installationId", "key"])
    .index("by_installation_due", ["installationId", "dueAt"])
    .index("by_due", ["dueAt"]),

  watchCommits: defineTable({
    entryId: v.id("watchEntries"),
    sha: v.string(),
    committedAt: v.number(),
    author: v.optional(v.string()),
    /** The message's first line, at most 200 characters. */
    title: v.string(),
  })
    .index("by_entry_sha", ["entryId", "sha"])
    .index("by_entry_committed", ["entryId", "committedAt"]),

  watchNotes: defineTable({
    entryId: v.id("watchEntries"),
    author: v.object({ userId: v.optional(v.id("users")), login: v.string() }),
    at: v.number(),
    body: v.string(),
  }).index("by_entry_at", ["entryId", "at"]),
};
