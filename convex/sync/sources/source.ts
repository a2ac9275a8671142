/**
 * One interface for every per-repository source of the walk: a source fetches one page of its phase
 * for one repository (through `request`, which applies the slice's concurrency, pacing and budget
 * reserve) and says where the phase goes on. The walk (`walk.ts`) commits what it returns.
 */
import type { ActionCtx } from "../../_generated/server";
import type { GitHubClient } from "../../github/client";
import type { AnyRecord } from "../../model/records";
import type { JobRepository } from "../jobs";
import type { Resource } from "../pacing";
import type { Phase, Progress, Settings } from "../plan";

export interface SourceContext {
  readonly client: GitHubClient;
  readonly repo: JobRepository;
  readonly coordinates: { githubId: number; owner: string; name: string; defaultBranch: string };
  /** No completed sync of this repository yet: everything back to the horizon is fetched. */
  readonly firstSync: boolean;
  /** The watermark (the horizon on a first sync), and the history horizon. */
  readonly since: number;
  readonly horizon: number;
  readonly settings: Settings;
  readonly runQuery: ActionCtx["runQuery"];
  /** The slice's GraphQL page size for pull requests, tuned as pages come back. */
  pageSize: number;
  request<T>(resource: Resource, points: number, call: () => Promise<T>): Promise<T>;
  /** The points GitHub charged differed from those spent: settle the pacing. */
  settle(resource: Resource, difference: number): void;
}

/**
 * A page of a phase: its records, the next page of the phase if any (else the phase ends), and what
 * the repository's progress should also remember. `skip`: no request was needed and nothing changes.
 */
type SourcePage =
  { records: AnyRecord[]; next?: string; progress?: Partial<Progress>; currentRepository?: boolean } | "skip";

export type Source = (s: SourceContext, p: Progress) => Promise<SourcePage>;

/** Every phase's source (`done` has none: the walk commits the repository's end). */
export type Sources = Record<Exclude<Phase, "done">, Source>;
