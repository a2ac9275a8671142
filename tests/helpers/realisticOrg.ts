/**
 * A realistic organisation for the browser tests (issue 23): 40 repositories (a few private), 560
 * pull requests of which about 220 open, with long titles, sizes, failing checks, reviews, review
 * requests to 30 people and 6 teams; issues and comments; teams and memberships. Times are relative to
 * now, so the pages' relative times and the alert engine's agreements apply as they would today.
 */
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { recordMembership } from "../../convex/memberships";
import type { AnyRecord } from "../../convex/model/records";
import type { TestConvex } from "./convex";
import { ci, comment, pr, repo, review } from "./records";

export const PEOPLE = Array.from({ length: 30 }, (_, i) => (i === 0 ? "dev1" : `person-${String(i).padStart(2, "0")}`));
export const TEAMS = ["platform", "web", "mobile", "data", "infra", "security"];
const WORDS = ["Refactor", "Fix", "Add", "Migrate", "Speed up", "Document", "Remove", "Rename"];
const THINGS = [
  "the payment reconciliation job so that retries never double-charge a customer",
  "flaky integration tests in the checkout service",
  "dark mode tokens",
  "the GraphQL schema for deployment environments and their protection rules",
  "caching",
  "an internationalisation layer for every customer-facing email template",
  "logging",
];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A deterministic sequence (the same organisation in every run). */
function rng(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

export async function seedRealisticOrg(t: TestConvex, installationId: Id<"installations">, accountId: number) {
  const random = rng(23);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const now = Date.now();
  const repositories = Array.from({ length: 40 }, (_, r) =>
    repo({ githubId: 300_000 + r, name: `service-${String(r).padStart(2, "0")}`, private: r % 10 === 9 }),
  );
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories });
  await t.run(async (ctx) => {
    for (const [i, login] of PEOPLE.entries())
      await recordMembership(ctx, {
        accountId,
        githubUserId: 5001 + i,
        login,
        member: true,
        role: i === 0 ? "admin" : "member",
      });
    for (const [i, slug] of TEAMS.entries()) {
      const name = slug === "infra" ? "Infrastructure" : slug.charAt(0).toUpperCase() + slug.slice(1);
      await ctx.db.insert("teams", { accountId, githubId: 800 + i, slug, name, seenAt: now });
      for (let m = i; m < PEOPLE.length; m += TEAMS.length)
        await ctx.db.insert("teamMembers", {
          accountId,
          teamGithubId: 800 + i,
          githubUserId: 5001 + m,
          login: PEOPLE[m]!,
          seenAt: now,
        });
    }
  });
  let n = 0;
  for (const rep of repositories) {
    const records: AnyRecord[] = [];
    for (let k = 1; k <= 14; k++, n++) {
      const createdAt = now - Math.floor(random() * 60 * DAY) - HOUR;
      const roll = random();
      const state = roll < 0.4 ? "open" : roll < 0.85 ? "merged" : "closed";
      const closedAt = Math.min(now - 60_000, createdAt + Math.floor(random() * 5 * DAY) + HOUR);
      const sha = (n.toString(16) + "e".repeat(40)).slice(0, 40);
      const url = `https://github.com/acme/${rep.name}/pull/${k}`;
      const reviewers = state === "open" && random() < 0.7 ? [pick(PEOPLE), pick(PEOPLE), `team:${pick(TEAMS)}`] : [];
      const requests = [...new Set(reviewers)].map((reviewer) => ({ reviewer, requestedAt: createdAt + HOUR }));
      records.push({
        kind: "pullRequest",
        record: pr({
          repoGithubId: rep.githubId,
          githubId: rep.githubId * 100 + k,
          number: k,
          title: `${pick(WORDS)} ${pick(THINGS)}`,
          authorLogin: n % 9 === 0 ? "dev1" : pick(PEOPLE),
          state,
          draft: state === "open" && random() < 0.1,
          headSha: sha,
          url,
          additions: Math.floor(random() * 1_200),
          deletions: Math.floor(random() * 300),
          requestedReviewers: requests.length,
          reviewRequests: requests,
          createdAt,
          updatedAt: state === "open" ? createdAt + HOUR : closedAt,
          ...(state !== "open" && { closedAt }),
          ...(state === "merged" && { mergedAt: closedAt }),
        }),
      });
      records.push({
        kind: "ci",
        record: ci({
          repoGithubId: rep.githubId,
          sha,
          name: random() < 0.5 ? "build" : "integration-tests",
          state: random() < 0.3 ? "failure" : "success",
          updatedAt: createdAt + HOUR,
        }),
      });
      if (state !== "open" || random() < 0.3)
        records.push({
          kind: "review",
          record: review({
            repoGithubId: rep.githubId,
            githubId: rep.githubId * 100 + k,
            prNumber: k,
            authorLogin: pick(PEOPLE),
            state: random() < 0.7 ? "approved" : "changes_requested",
            submittedAt: createdAt + 2 * HOUR,
            url: `${url}#pullrequestreview-${k}`,
          }),
        });
      if (k % 5 === 0)
        records.push({
          kind: "comment",
          record: comment({
            repoGithubId: rep.githubId,
            githubId: rep.githubId * 100 + k,
            issueNumber: k,
            kind: "issue",
            authorLogin: pick(PEOPLE),
            url: `${url}#issuecomment-${k}`,
            createdAt: createdAt + 3 * HOUR,
            updatedAt: createdAt + 3 * HOUR,
          }),
        });
    }
    await t.mutation(internal.model.ingest.applyRecords, { installationId, records });
  }
}
