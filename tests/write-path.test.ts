import { describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { createInstallation, expectNoAggregateDifferences, makeConvex } from "./helpers/convex";
import { ci, HOUR, issue, pr, repo, review, T0 } from "./helpers/records";

async function setup() {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [repo()] });
  return { t, installationId };
}

describe("write path", () => {
  test("smoke: PR with review and check is green and counted", async () => {
    const { t, installationId } = await setup();
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records: [
        { kind: "pullRequest", record: pr() },
        { kind: "review", record: review() },
        { kind: "ci", record: ci() },
        { kind: "issue", record: issue() },
      ],
    });
    const prs = await t.run((ctx) => ctx.db.query("pullRequests").collect());
    expect(prs[0]).toMatchObject({ health: "green", review: "approved", checks: "passing" });
    await expectNoAggregateDifferences(t, installationId);
  });
});
