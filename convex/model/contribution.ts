/**
 * What one document contributes to the open counters (gauges), pure, and the visibility scopes. The
 * write path applies `contribution(after) − contribution(before)` for every write, so counters stay
 * equal to a recount whatever order or how often GitHub's data arrives. (Day buckets: convex/metrics/.)
 */
import type { Doc } from "../_generated/dataModel";

export type OpenCounts = { openPrs: number; green: number; yellow: number; red: number; openIssues: number };
export const ZERO_OPEN: OpenCounts = { openPrs: 0, green: 0, yellow: 0, red: 0, openIssues: 0 };

/** Number of shards of `installationCounters`; summary reads all of them. */
const COUNTER_SHARDS = 4;
export const shardOf = (repoGithubId: number) => repoGithubId % COUNTER_SHARDS;

export const DAY_MS = 86_400_000;
export const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

export function pullRequestOpenCounts(pr: Pick<Doc<"pullRequests">, "state" | "health"> | null): OpenCounts {
  if (!pr || pr.state !== "open") return ZERO_OPEN;
  return { ...ZERO_OPEN, openPrs: 1, [pr.health]: 1 };
}

export function issueOpenCounts(issue: Pick<Doc<"issues">, "state" | "deleted"> | null): OpenCounts {
  if (!issue || issue.deleted || issue.state !== "open") return ZERO_OPEN;
  return { ...ZERO_OPEN, openIssues: 1 };
}

export function addCounts<T extends Record<string, number>>(a: T, b: T, sign = 1): T {
  const out = { ...a };
  for (const k of Object.keys(b) as Array<keyof T>) out[k] = ((a[k] ?? 0) + sign * (b[k] ?? 0)) as T[keyof T];
  return out;
}
export const isZero = (c: Record<string, number>) => Object.values(c).every((x) => x === 0);

/**
 * Visibility groups. Every repository's daily figures are kept in its own scope (its id) and, while it
 * is public, in "public"; installation-wide ones in "all".
 * A restricted viewer reads "public" plus the scopes of the private repositories they may read.
 */
export const ALL_SCOPE = "all";
export const PUBLIC_SCOPE = "public";
export const repositoryScope = (repositoryId: string) => repositoryId;
/** Counted in the public open counters: visible and public. */
export const inPublicCounters = (repo: { removed: boolean; private: boolean }) => !repo.removed && !repo.private;

/** A review request answered: the reviewer, the day of the answering review, the wait (ms). */
type Pickup = { reviewer: string; day: number; ms: number };

/**
 * Reviewer load samples of one PR, pure: for each review request (reviewer R at time t, from
 * `requestHistory` and the outstanding `reviewRequests`), the first submitted review by R — for a
 * team (`team:<slug>`), by anyone but the author — at or after t and before R's next request gives
 * one sample: the day of that review and its wait since the request.
 */
export function reviewPickups(
  pr: {
    authorLogin: string;
    requestHistory?: Array<{ reviewer: string; requestedAt: number }> | undefined;
    reviewRequests?: Array<{ reviewer: string; requestedAt: number }> | undefined;
  },
  reviews: Array<{ authorLogin: string; state: string; submittedAt?: number | undefined }>,
): Pickup[] {
  const times = new Map<string, Set<number>>();
  for (const r of [...(pr.requestHistory ?? []), ...(pr.reviewRequests ?? [])]) {
    const set = times.get(r.reviewer) ?? new Set<number>();
    set.add(r.requestedAt);
    times.set(r.reviewer, set);
  }
  const submitted = reviews
    .filter((r) => r.state !== "pending" && r.submittedAt !== undefined && r.authorLogin !== pr.authorLogin)
    .map((r) => ({ by: r.authorLogin, at: r.submittedAt! }))
    .sort((a, b) => a.at - b.at);
  const out: Pickup[] = [];
  for (const [reviewer, set] of times) {
    const team = reviewer.startsWith("team:");
    const asked = [...set].sort((a, b) => a - b);
    asked.forEach((t, i) => {
      const next = asked[i + 1] ?? Infinity;
      const answer = submitted.find((r) => r.at >= t && r.at < next && (team || r.by === reviewer));
      // Keys in the order Convex stores them (alphabetical), so stored and derived compare equal.
      if (answer) out.push({ day: dayOf(answer.at), ms: answer.at - t, reviewer });
    });
  }
  return out.sort((a, b) =>
    a.reviewer < b.reviewer ? -1 : a.reviewer > b.reviewer ? 1 : a.day - b.day || a.ms - b.ms,
  );
}
