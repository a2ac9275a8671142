/**
 * Seeds an installation through the real write path with a deterministic mix of open/closed/
 * merged PRs of every health, reviews, checks, issues and commits.
 */
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { AnyRecord } from "../../convex/model/records";
import type { TestConvex } from "./convex";
import { ci, commit, HOUR, issue, pr, repo, review, T0 } from "./records";

export async function seedInstallation(
  t: TestConvex,
  installationId: Id<"installations">,
  repos: number,
  prs: number,
  opts: { repoIdBase?: number } = {},
) {
  const base = opts.repoIdBase ?? 100_000;
  const repositories = Array.from({ length: repos }, (_, r) => repo({ githubId: base + r, name: `repo-${r}` }));
  for (let i = 0; i < repositories.length; i += 100) {
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: repositories.slice(i, i + 100),
    });
  }
  let n = 0;
  for (let r = 0; r < repos; r++) {
    const count = Math.floor(prs / repos) + (r < prs % repos ? 1 : 0);
    const records: AnyRecord[] = [];
    for (let k = 1; k <= count; k++, n++) {
      const repoGithubId = base + r;
      const sha = (n.toString(16) + "f".repeat(40)).slice(0, 40);
      const state = n % 5 === 0 ? "merged" : n % 7 === 0 ? "closed" : "open";
      const at = T0 + (n % 60) * 24 * HOUR;
      records.push({
        kind: "pullRequest",
        record: pr({
          repoGithubId,
          githubId: repoGithubId * 10_000 + k,
          number: k,
          headSha: sha,
          state,
          draft: n % 11 === 0,
          mergeable: n % 13 === 0 ? "conflicting" : "mergeable",
          authorLogin: `dev${n % 7}`,
          url: `https://github.com/acme/repo-${r}/pull/${k}`,
          createdAt: at,
          updatedAt: at + HOUR,
          ...(state !== "open" && { closedAt: at + HOUR }),
          ...(state === "merged" && { mergedAt: at + HOUR }),
        }),
      });
      records.push({
        kind: "ci",
        record: ci({
          repoGithubId,
          sha,
          state: n % 4 === 0 ? "failure" : n % 4 === 1 ? "pending" : "success",
          updatedAt: at,
        }),
      });
      if (n % 3 === 0) {
        records.push({
          kind: "review",
          record: review({
            repoGithubId,
            githubId: repoGithubId * 10_000 + k,
            prNumber: k,
            url: `https://github.com/acme/repo-${r}/pull/${k}#pullrequestreview-${k}`,
            state: n % 2 ? "approved" : "changes_requested",
            submittedAt: at + HOUR / 2,
            authorLogin: `dev${(n + 1) % 7}`,
          }),
        });
      }
      if (k === 1) {
        records.push({
          kind: "issue",
          record: issue({
            repoGithubId,
            githubId: repoGithubId * 10_000 + 9_999,
            number: 9_999,
            url: `https://github.com/acme/repo-${r}/issues/9999`,
            createdAt: at,
            updatedAt: at,
          }),
        });
        records.push({
          kind: "commit",
          record: commit({
            repoGithubId,
            sha: sha.replace(/^./, "c"),
            url: `https://github.com/acme/repo-${r}/commit/${sha.replace(/^./, "c")}`,
            committedAt: at,
          }),
        });
      }
    }
    for (let i = 0; i < records.length; i += 300) {
      await t.mutation(internal.model.ingest.applyRecords, { installationId, records: records.slice(i, i + 300) });
    }
  }
}
