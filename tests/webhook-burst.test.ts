/**
 * A burst of 200 webhook deliveries for one installation (real payloads of @octokit/webhooks-examples:
 * pull requests, reviews, checks, issues, comments, pushes, deployments) goes through the webhook queue:
 * at most its parallelism is processed at once, every delivery is applied exactly once, nothing is lost,
 * and the read model ends as processing them one by one leaves it.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { LANES } from "../convex/webhooks/queue";
import { createInstallation, expectNoAggregateDifferences, makeConvex, type TestConvex } from "./helpers/convex";
import { makeTrackedConvex } from "./helpers/readWriteSets";
import { burstPayloads, deliverySpans, maxInFlight } from "./helpers/burst";
import { deliver, processDeliveries, WEBHOOK_SECRET } from "./helpers/webhooks";

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 11, 1) });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const BURST = 200;

/** What the read model holds, in a form two deployments can be compared by. */
async function readModel(t: TestConvex) {
  return t.run(async (ctx) => ({
    pullRequests: (await ctx.db.query("pullRequests").collect())
      .map((p) => `${p.githubId} ${p.state} ${p.health} ${p.review} ${p.checks}`)
      .sort(),
    reviews: (await ctx.db.query("reviews").collect()).map((r) => `${r.githubId} ${r.state}`).sort(),
    issues: (await ctx.db.query("issues").collect()).map((i) => `${i.githubId} ${i.state}`).sort(),
    commits: (await ctx.db.query("commits").collect()).map((c) => c.sha).sort(),
    comments: (await ctx.db.query("comments").collect()).map((c) => `${c.githubId} ${c.deleted}`).sort(),
    deployments: (await ctx.db.query("deployments").collect()).map((d) => `${d.githubId} ${d.state}`).sort(),
  }));
}

test(`a burst of ${BURST} deliveries runs at most ${LANES} at once, applies each once, and loses none`, async () => {
  const payloads = burstPayloads(BURST);
  const { t, tracker } = makeTrackedConvex();
  const installationId = await createInstallation(t);
  for (const [i, { event, payload }] of payloads.entries()) {
    expect((await deliver(t, event, payload, { deliveryId: `burst-${i}` })).status).toBe(202);
  }
  await processDeliveries(t);

  // At most the pool's parallelism in flight at any moment (and the pool did run several at once).
  const inFlight = maxInFlight([...deliverySpans(tracker.calls).values()]);
  expect(inFlight).toBeLessThanOrEqual(LANES);
  expect(inFlight).toBeGreaterThan(1);

  // Every delivery applied once: one processing each, its outcome recorded once, none left pending.
  const stored = await t.run((ctx) => ctx.db.query("webhookDeliveries").collect());
  expect(stored).toHaveLength(BURST);
  expect(
    stored
      .filter((d) => d.status !== "processed" && d.status !== "ignored")
      .map((d) => [d.event, d.action, d.status, d.reason]),
  ).toEqual([]);
  // One action per lane works through its deliveries: never more actions at once than lanes.
  expect(
    maxInFlight(tracker.calls.filter((c) => c.udfPath === "webhooks/process:processDelivery")),
  ).toBeLessThanOrEqual(LANES);
  const outcomes = tracker
    .callsOf("webhooks/apply:applyDelivery")
    .filter((c) => !(c.args as { partial?: boolean }).partial)
    .map((c) => (c.args as { id: string }).id);
  expect(new Set(outcomes).size).toBe(BURST);
  expect(outcomes).toHaveLength(BURST);
  await expectNoAggregateDifferences(t, installationId);

  // Nothing lost: the same deliveries one at a time, on a fresh deployment, leave the same read model.
  const one = makeConvex();
  await createInstallation(one);
  for (const [i, { event, payload }] of payloads.entries()) {
    await deliver(one, event, payload, { deliveryId: `burst-${i}` });
    await processDeliveries(one);
  }
  expect(await readModel(t)).toEqual(await readModel(one));
});
