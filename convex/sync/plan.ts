/**
 * What a job does, as data. A job's **kind** names its stages in order; the worker runs them one
 * after another, each resuming from the job's cursor:
 *
 * - `installation`: the repository listing (and the pruning of unlisted repositories), every
 *   repository's **open work**, the organisation's **people** (members, owners, teams, their members
 *   and repositories, private repositories' direct collaborators; only when due), then **history**.
 * - `people`: the people stage alone (the hourly listing, a repository made private, new permissions).
 *
 * Within a walk stage each repository runs its own **phases** (`plan`), one source module each
 * (`sources/`). A new source is a phase and a module; a new kind of job (the watchlist's) is a plan.
 */
import type { Doc } from "../_generated/dataModel";

type Cursor = Doc<"syncJobs">["cursor"];
export type Stage = NonNullable<Cursor["stage"]>;
export type Progress = NonNullable<Doc<"repositories">["syncProgress"]>;
export type Phase = Progress["phase"];

/** The people stage runs at most this often in an installation job (webhooks keep it current between). */
const PEOPLE_EVERY_MS = 60 * 60_000;

/**
 * Whether an installation's people are due for a listing: an organisation never listed, asked for
 * since (a new permission, a repository made private), or listed over an hour ago.
 */
export function peopleDue(installation: Doc<"installations">, now: number): boolean {
  if (installation.accountType !== "Organization") return false;
  const { peopleListedAt, peopleRequestedAt } = installation.sync;
  if (peopleListedAt === undefined) return true;
  return (peopleRequestedAt ?? 0) > peopleListedAt || now - peopleListedAt >= PEOPLE_EVERY_MS;
}

/**
 * A repository's phases in a stage, in order. `changed` is the probe's answer (a first sync
 * fetches everything). A "full" stage is a repository's whole sync at once (the sequential mode, a
 * job from before the stages, or a repository that joined the walk after open work).
 */
export function plan(stage: Stage, firstSync: boolean, changed: boolean | undefined): Phase[] {
  const fetch = firstSync || changed === true;
  switch (stage) {
    case "open_work":
      return [
        "probe",
        ...(firstSync ? (["openPulls", "openIssues"] as const) : fetch ? (["pulls", "issues"] as const) : []),
      ];
    // Deployments on the first sync (then webhooks carry them); the chosen workflow's runs on every sync
    // (no request without a choice; a new choice fetches back to the horizon).
    case "history":
      return firstSync
        ? ["closedPulls", "closedIssues", "deployments", "workflowRuns", "issueComments", "reviewComments", "commits"]
        : [...(fetch ? (["issueComments", "reviewComments"] as const) : []), "workflowRuns", "commits"];
    case "full":
      return [
        "probe",
        ...(fetch ? (["pulls", "issues", "issueComments", "reviewComments"] as const) : []),
        ...(firstSync ? (["deployments"] as const) : []),
        "workflowRuns",
        "commits",
      ];
  }
}

export function nextPhase(p: Progress, firstSync: boolean): Phase {
  const phases = plan(p.stage, firstSync, p.changed);
  return phases[phases.indexOf(p.phase) + 1] ?? "done";
}

const DAY_MS = 86_400_000;
/** Seed 001: a year of pull requests, issues, comments and commits; at most 1,000 commits per repository. */
const DEFAULT_HISTORY_DAYS = 365;
const DEFAULT_MAX_COMMITS = 1_000;

/**
 * Per deployment, read at call time: the history horizon (`SYNCBOARD_HISTORY_DAYS`, default 365),
 * the commit cap (`SYNCBOARD_MAX_COMMITS_PER_REPOSITORY`, default 1,000), and — internal, for the
 * benchmark's baseline — `SYNCBOARD_SYNC_MODE=sequential`: one request at a time, no open-work stage,
 * fixed PR pages (the worker before issue 12).
 */
export function syncSettings() {
  const positive = (raw: string | undefined, fallback: number) => {
    const n = Number(raw);
    return raw !== undefined && raw !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  const sequential = process.env.SYNCBOARD_SYNC_MODE === "sequential";
  return {
    historyMs: positive(process.env.SYNCBOARD_HISTORY_DAYS, DEFAULT_HISTORY_DAYS) * DAY_MS,
    maxCommits: Math.floor(positive(process.env.SYNCBOARD_MAX_COMMITS_PER_REPOSITORY, DEFAULT_MAX_COMMITS)),
    sequential,
  };
}
export type Settings = ReturnType<typeof syncSettings>;
