/**
 * Issue 22's bench figure: a burst of 200 webhook deliveries for one installation, processed as before
 * (every delivery's action scheduled at once at receipt: unbounded parallelism) and now (the webhook
 * queue's lanes, convex/webhooks/queue.ts). convex-test runs one transaction at a time, so conflicts
 * cannot happen here; what a deployment would see is counted from the recorded read and write sets:
 * two deliveries whose processing overlapped in time conflict when a transaction of one wrote what a
 * transaction of the other read (the loser is retried by Convex).
 */
import { vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { LANES } from "../../convex/webhooks/queue";
import { createInstallation } from "../helpers/convex";
import { burstPayloads, deliverySpans, maxInFlight } from "../helpers/burst";
import { invalidates, makeTrackedConvex, type CallRecord } from "../helpers/readWriteSets";
import { deliver, processDeliveries, WEBHOOK_SECRET } from "../helpers/webhooks";

const BURST = 200;
const realNow = performance.now.bind(performance);

type Measured = { ms: number; inFlight: number; conflicts: number; sharedDocuments: Map<string, number> };

/** The delivery a call worked for (the id its arguments name), if any. */
const deliveryOf = (c: CallRecord) => (c.args as { id?: string } | undefined)?.id;

/**
 * Pairs of deliveries whose processing overlapped and whose transactions touched a document or range
 * the other wrote; and, per table, how many such documents were written by overlapping deliveries.
 */
function conflicts(calls: CallRecord[]): Pick<Measured, "conflicts" | "sharedDocuments"> {
  const actions = deliverySpans(calls);
  const byDelivery = new Map<string, CallRecord[]>();
  for (const c of calls) {
    const id = deliveryOf(c);
    if (c.kind !== "mutation" || !id || !actions.has(id)) continue;
    byDelivery.set(id, [...(byDelivery.get(id) ?? []), c]);
  }
  const ids = [...byDelivery.keys()];
  const overlap = (a: string, b: string) => {
    const x = actions.get(a)!;
    const y = actions.get(b)!;
    return x.startedAt < (y.endedAt ?? Infinity) && y.startedAt < (x.endedAt ?? Infinity);
  };
  let pairs = 0;
  const shared = new Map<string, Set<string>>();
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      if (!overlap(ids[i]!, ids[j]!)) continue;
      let conflict = false;
      for (const m of byDelivery.get(ids[i]!)!) {
        for (const n of byDelivery.get(ids[j]!)!) {
          for (const [writer, reader] of [
            [m, n],
            [n, m],
          ] as const) {
            for (const w of writer.writes) {
              if (!invalidates(w, reader.reads)) continue;
              conflict = true;
              shared.set(w.table, (shared.get(w.table) ?? new Set()).add(w.id));
            }
          }
        }
      }
      if (conflict) pairs++;
    }
  }
  return { conflicts: pairs, sharedDocuments: new Map([...shared].map(([table, docs]) => [table, docs.size])) };
}

async function burst(mode: "before" | "now"): Promise<Measured> {
  const { t, tracker } = makeTrackedConvex();
  await createInstallation(t);
  const payloads = burstPayloads(BURST);
  let started: number;
  if (mode === "now") {
    for (const [i, { event, payload }] of payloads.entries())
      await deliver(t, event, payload, { deliveryId: `b-${i}` });
    started = realNow();
    await processDeliveries(t);
  } else {
    // As receipt did before the queue: the deliveries stored, every one's processing started at once.
    const ids: Array<Id<"webhookDeliveries">> = [];
    for (const [i, { event, payload }] of payloads.entries()) {
      ids.push(
        await t.run(async (ctx) => {
          const id = await ctx.db.insert("webhookDeliveries", {
            deliveryId: `b-${i}`,
            event,
            installationGithubId: 1001,
            receivedAt: Date.now(),
            bytes: 0,
            status: "processing",
            lane: 0,
            attempts: 0,
          });
          await ctx.db.insert("webhookPayloads", { deliveryId: id, body: JSON.stringify(payload) });
          return id;
        }),
      );
    }
    tracker.clear();
    started = realNow();
    await Promise.all(ids.map((id) => t.action(internal.webhooks.process.processDelivery, { id })));
  }
  const ms = Math.round(realNow() - started);
  return { ms, inFlight: maxInFlight([...deliverySpans(tracker.calls).values()]), ...conflicts(tracker.calls) };
}

export async function webhookBurstBench(): Promise<Array<[string, Record<string, unknown>[]]>> {
  vi.useFakeTimers({ now: Date.UTC(2026, 11, 1) });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  try {
    const before = await burst("before");
    const now = await burst("now");
    const tables = [...new Set([...before.sharedDocuments.keys(), ...now.sharedDocuments.keys()])].sort();
    return [
      [
        `A burst of ${BURST} webhook deliveries for one installation (pull requests, reviews, checks, issues, comments, pushes, deployments)`,
        [
          { figure: "processing time in convex-test (ms)", before: before.ms, now: now.ms },
          { figure: "deliveries processed at once (most)", before: before.inFlight, now: now.inFlight },
          { figure: `  the queue's bound (LANES)`, before: "none", now: LANES },
          {
            figure:
              "pairs of deliveries that would conflict on a deployment (overlapping, one wrote what the other read)",
            before: before.conflicts,
            now: now.conflicts,
          },
          ...tables.map((table) => ({
            figure: `  documents of ${table} written under such a conflict`,
            before: before.sharedDocuments.get(table) ?? 0,
            now: now.sharedDocuments.get(table) ?? 0,
          })),
        ],
      ],
    ];
  } finally {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  }
}
