/** A burst of real webhook deliveries for one installation, and how many of its calls overlapped. */
import examples from "@octokit/webhooks-examples";
import type { CallRecord } from "./readWriteSets";

type Example = { name: string; examples: Array<Record<string, any>> };

/** Events a team's activity sends all day long (what a burst after a busy merge looks like). */
const EVENTS = [
  "pull_request",
  "pull_request_review",
  "pull_request_review_comment",
  "check_run",
  "check_suite",
  "issues",
  "issue_comment",
  "push",
  "deployment",
  "deployment_status",
  "status",
];

/**
 * `count` deliveries cycling through every example of those events, all for installation 1001, spread
 * over `repositories` copies of the examples' repositories (the examples come almost all from one; a
 * team's burst touches several): delivery i goes to copy i mod `repositories`.
 */
export function burstPayloads(count: number, repositories = 12, installationGithubId = 1001) {
  const pool = (examples as unknown as Example[])
    .filter((e) => EVENTS.includes(e.name))
    .flatMap((e) => e.examples.map((payload) => ({ event: e.name, payload })));
  return Array.from({ length: count }, (_, i) => {
    const { event, payload } = pool[i % pool.length]!;
    const copy: Record<string, any> = { ...structuredClone(payload), installation: { id: installationGithubId } };
    const k = i % repositories;
    if (copy.repository && k > 0) {
      copy.repository.id = copy.repository.id * 100 + k;
      copy.repository.name = `${copy.repository.name}-${k}`;
      copy.repository.full_name = `${copy.repository.full_name}-${k}`;
    }
    return { event, payload: copy };
  });
}

/** The delivery a call worked for (the delivery id its arguments name), if any. */
const deliveryOf = (c: CallRecord) => (c.args as { id?: string } | undefined)?.id;

/**
 * Each delivery's processing as one span of the tracker's clock: from the first to the last of the
 * calls made for it (loading it, applying it, recording its lag or its failure).
 */
export function deliverySpans(calls: CallRecord[]): Map<string, { startedAt: number; endedAt?: number }> {
  const spans = new Map<string, { startedAt: number; endedAt?: number }>();
  for (const c of calls) {
    const id = deliveryOf(c);
    if (!id || !(c.udfPath.startsWith("webhooks/") || c.udfPath === "sync/health:recordDeliveryApplied")) continue;
    if (c.udfPath === "webhooks/process:processDelivery") continue; // an action may work through several
    const span = spans.get(id);
    if (!span) spans.set(id, { startedAt: c.startedAt, endedAt: c.endedAt });
    else span.endedAt = Math.max(span.endedAt ?? Infinity, c.endedAt ?? Infinity);
  }
  return spans;
}

/** The most spans open at the same moment. */
export function maxInFlight(calls: Array<{ startedAt: number; endedAt?: number }>): number {
  const edges = calls.flatMap((c) => [
    { at: c.startedAt, d: 1 },
    { at: c.endedAt ?? Number.POSITIVE_INFINITY, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}
