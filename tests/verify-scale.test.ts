import { expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { chunksOf } from "../convex/model/chunks";
import { createInstallation, expectNoAggregateDifferences, makeConvex } from "./helpers/convex";
import { HOUR, pr, repo, T0 } from "./helpers/records";

test("verifyAggregates recounts a repository of 2,500 pull requests (two index ranges each) page by page", async () => {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
  const records = Array.from({ length: 2_500 }, (_, i) => ({
    kind: "pullRequest" as const,
    record: pr({ githubId: 10_000 + i, number: i + 1, createdAt: T0 + i * HOUR, updatedAt: T0 + i * HOUR }),
  }));
  for (const chunk of chunksOf(records)) {
    await t.mutation(internal.model.ingest.applyRecords, { installationId, records: chunk });
  }
  await expectNoAggregateDifferences(t, installationId);
  // And a difference is still found: one stored counter off by one.
  await t.run(async (ctx) => {
    const r = (await ctx.db.query("repositories").first())!;
    await ctx.db.patch(r._id, { stats: { ...r.stats, openPrs: r.stats.openPrs + 1 } });
  });
  const differences = await t.action(internal.model.verify.verifyAggregates, { installationId });
  expect(differences.some((d) => d.includes("stats"))).toBe(true);
});
