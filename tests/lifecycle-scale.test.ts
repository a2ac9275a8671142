/** Lifecycle events of any size are applied in bounded transactions (4,096 index ranges per transaction). */
import examples from "@octokit/webhooks-examples";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { makeConvex, type TestConvex } from "./helpers/convex";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});
/** Run the deliveries' processing that is due now, but not the sync work it schedules. */
const processDue = async (t: TestConvex) => {
  vi.runOnlyPendingTimers();
  await t.finishInProgressScheduledFunctions();
};
const repositories = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({
    id: 1_000_000 + from + i,
    node_id: `R_${from + i}`,
    name: `repo-${from + i}`,
    full_name: `acme/repo-${from + i}`,
    private: i % 2 === 0,
  }));

test("installation.created with 5,000 repositories records the installation, every repository and one backfill", async () => {
  const t = makeConvex();
  const created = structuredClone(of("installation").find((p) => p.action === "created")!);
  created.repositories = repositories(5_000);
  expect((await deliver(t, "installation", created)).status).toBe(202);
  await processDue(t);
  const [delivery] = await t.run((ctx) => ctx.db.query("webhookDeliveries").collect());
  expect(delivery, delivery?.reason).toMatchObject({ status: "processed" });
  const installations = await t.run((ctx) => ctx.db.query("installations").collect());
  expect(installations).toHaveLength(1);
  const repos = await t.run((ctx) => ctx.db.query("repositories").collect());
  expect(repos).toHaveLength(5_000);
  expect(await t.run((ctx) => ctx.db.query("syncJobs").collect())).toHaveLength(1);

  // And 600 more at once through installation_repositories.added (three transactions).
  const added = structuredClone(of("installation_repositories").find((p) => p.action === "added")!);
  added.installation.id = created.installation.id;
  added.repositories_added = repositories(600, 5_000);
  await deliver(t, "installation_repositories", added);
  await processDue(t);
  const statuses = (await t.run((ctx) => ctx.db.query("webhookDeliveries").collect())).map((d) => d.status);
  expect(statuses).toEqual(["processed", "processed"]);
  expect(await t.run((ctx) => ctx.db.query("repositories").collect())).toHaveLength(5_600);
});
