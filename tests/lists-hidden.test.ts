import { describe, expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { recordMembership } from "../convex/memberships";
import { createInstallation, makeConvex, signInAs } from "./helpers/convex";
import { HOUR, pr, repo, T0 } from "./helpers/records";

describe("list pages are never short because of hidden rows", () => {
  test("the newest rows belong to a removed repository: the first page still holds the visible ones", async () => {
    const t = makeConvex();
    const installationId = await createInstallation(t);
    await t.run((ctx) => recordMembership(ctx, { accountId: 9001, githubUserId: 42, login: "mona", member: true }));
    const me = t.withIdentity(await signInAs(t, 42, "mona"));
    const removed = repo({ githubId: 501, name: "gone" });
    const kept = repo({ githubId: 502, name: "kept" });
    await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [removed, kept] });
    const prsOf = (r: typeof removed, count: number, newest: number) =>
      Array.from({ length: count }, (_, i) => ({
        kind: "pullRequest" as const,
        record: pr({
          githubId: r.githubId * 1000 + i,
          repoGithubId: r.githubId,
          number: i + 1,
          url: `https://github.com/${r.fullName}/pull/${i + 1}`,
          createdAt: newest - i * HOUR,
          updatedAt: newest - i * HOUR,
        }),
      }));
    // 30 newest PRs in the repository about to be removed, 12 older ones in the one that stays.
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records: prsOf(removed, 30, T0 + 100 * HOUR),
    });
    await t.mutation(internal.model.ingest.applyRecords, { installationId, records: prsOf(kept, 12, T0) });
    await t.mutation(internal.model.ingest.removeRepositories, { installationId, githubIds: [removed.githubId] });

    const page = await me.query(api.dashboard.lists.pullRequests, {
      installationId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(page.page).toHaveLength(10);
    expect(page.page.every((row) => row.repository === "acme/kept")).toBe(true);
    const rest = await me.query(api.dashboard.lists.pullRequests, {
      installationId,
      paginationOpts: { numItems: 10, cursor: page.continueCursor },
    });
    expect(rest.page).toHaveLength(2);

    const activity = await me.query(api.dashboard.lists.activity, {
      installationId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(activity.page).toHaveLength(10);
    expect(activity.page.every((e) => e.repository === "acme/kept")).toBe(true);
  });
});
