/**
 * Delivery analytics (issue 14, measured): after any sequence of PR (opened, marked ready, merged),
 * review, commit and deployment events, in any order and with privacy flips between them, the cycle-time
 * buckets (and every other derived figure) equal a recount from the base tables (`verifyAggregates`).
 */
import { propertyRuns } from "./helpers/property";
import fc from "fast-check";
import { describe, test } from "vitest";
import { internal } from "../convex/_generated/api";
import type { AnyRecord, RepositoryRecord } from "../convex/model/records";
import { createInstallation, expectNoAggregateDifferences, makeConvex } from "./helpers/convex";
import { commit, HOUR, pr, repo, review, T0 } from "./helpers/records";

const REPOS = [repo(), repo({ githubId: 501, name: "gadgets", private: true })];

const op = fc.oneof(
  fc.record({
    kind: fc.constant("pr" as const),
    n: fc.integer({ min: 1, max: 3 }),
    repo: fc.integer({ min: 0, max: 1 }),
    t: fc.integer({ min: 0, max: 60 }),
    state: fc.constantFrom("open" as const, "merged" as const, "merged" as const, "closed" as const),
    author: fc.constantFrom("ann", "bob"),
    draft: fc.boolean(),
    /** Hours before opening of the first commit (the sync knows it; webhooks don't). */
    firstCommit: fc.option(fc.integer({ min: 0, max: 40 })),
    /** Hours after opening it was marked ready. */
    ready: fc.option(fc.integer({ min: 0, max: 30 })),
  }),
  fc.record({
    kind: fc.constant("review" as const),
    id: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 3 }),
    repo: fc.integer({ min: 0, max: 1 }),
    t: fc.integer({ min: 0, max: 60 }),
    state: fc.constantFrom("approved" as const, "commented" as const, "changes_requested" as const, "pending" as const),
    by: fc.constantFrom("ann", "bob", "hubot"),
  }),
  fc.record({
    kind: fc.constant("commit" as const),
    id: fc.integer({ min: 1, max: 5 }),
    repo: fc.integer({ min: 0, max: 1 }),
    t: fc.integer({ min: 0, max: 60 }),
  }),
  fc.record({
    kind: fc.constant("deployment" as const),
    id: fc.integer({ min: 1, max: 3 }),
    repo: fc.integer({ min: 0, max: 1 }),
    t: fc.integer({ min: 0, max: 80 }),
    environment: fc.constantFrom("production", "staging"),
    state: fc.constantFrom("pending" as const, "success" as const, "failure" as const),
  }),
  fc.record({ kind: fc.constant("flip" as const), repo: fc.integer({ min: 0, max: 1 }) }),
);

describe("cycle-time buckets equal a recount", () => {
  test("after PR, review, commit and deployment events and privacy flips", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const t = makeConvex();
        const installationId = await createInstallation(t);
        await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: REPOS });
        const apply = (records: AnyRecord[], repository?: RepositoryRecord) =>
          t.mutation(internal.model.ingest.applyRecords, {
            installationId,
            records,
            ...(repository && { repository }),
          });
        const privacy = REPOS.map((r) => r.private);
        for (const o of ops) {
          const r = REPOS[o.repo]!;
          const at = T0 + ("t" in o ? o.t : 0) * 5 * HOUR;
          switch (o.kind) {
            case "pr": {
              const createdAt = T0 + o.n * HOUR;
              await apply([
                {
                  kind: "pullRequest",
                  record: pr({
                    repoGithubId: r.githubId,
                    githubId: r.githubId * 100 + o.n,
                    number: o.n,
                    authorLogin: o.author,
                    createdAt,
                    updatedAt: Math.max(at, createdAt),
                    state: o.state,
                    draft: o.state === "open" && o.draft,
                    ...(o.firstCommit !== null && { firstCommitAt: createdAt - o.firstCommit * HOUR }),
                    ...(o.ready !== null && { readyForReviewAt: createdAt + o.ready * HOUR }),
                    ...(o.state !== "open" && { closedAt: Math.max(at, createdAt) }),
                    ...(o.state === "merged" && { mergedAt: Math.max(at, createdAt) }),
                  }),
                },
              ]);
              break;
            }
            case "review":
              await apply([
                {
                  kind: "review",
                  record: review({
                    repoGithubId: r.githubId,
                    githubId: r.githubId * 100 + o.n * 10 + o.id,
                    prNumber: o.n,
                    state: o.state,
                    authorLogin: o.by,
                    ...(o.state === "pending" ? { submittedAt: undefined } : { submittedAt: at }),
                  }),
                },
              ]);
              break;
            case "commit":
              await apply([
                {
                  kind: "commit",
                  record: commit({
                    repoGithubId: r.githubId,
                    sha: o.id.toString(16).padStart(40, "0"),
                    committedAt: at,
                  }),
                },
              ]);
              break;
            case "deployment":
              await apply([
                {
                  kind: "deployment",
                  record: {
                    githubId: r.githubId * 100 + o.id,
                    repoGithubId: r.githubId,
                    source: "deployment",
                    environment: o.environment,
                    sha: "d".repeat(40),
                    url: `https://api.github.com/repos/${r.fullName}/deployments/${o.id}`,
                    createdAt: T0 + o.id * 20 * HOUR,
                    updatedAt: Math.max(at, T0 + o.id * 20 * HOUR),
                    state: o.state,
                    ...(o.state === "success" && { succeededAt: Math.max(at, T0 + o.id * 20 * HOUR) }),
                    ...(o.state === "failure" && { failedAt: Math.max(at, T0 + o.id * 20 * HOUR) }),
                  },
                },
              ]);
              break;
            case "flip":
              privacy[o.repo] = !privacy[o.repo];
              await apply([], { ...r, private: privacy[o.repo]! });
              break;
          }
        }
        await expectNoAggregateDifferences(t, installationId);
      }),
      {
        numRuns: propertyRuns(30),
        examples: [
          // Found by CI: a failed deployment that leaves production must stop counting as the start of
          // the failure run that the next production success restores.
          [
            [
              { kind: "deployment", id: 3, repo: 0, t: 0, environment: "production", state: "success" },
              { kind: "deployment", id: 2, repo: 0, t: 0, environment: "production", state: "failure" },
              { kind: "deployment", id: 2, repo: 0, t: 9, environment: "staging", state: "pending" },
            ],
          ],
        ],
      },
    );
  }, 300_000);
});
