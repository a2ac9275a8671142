/**
 * Issue 13's bench row: documents read by the inbox and reviewer load (and the restricted summary and
 * trends) at seed 002's XL scale — 200 repositories, 30 PRs each (~15% open), 2 reviews per PR, a
 * year of history — with review requests to 60 people and 6 teams, a fifth of the repositories
 * private. Seeded through the real write path (`applyRecords`); measured for the installer (all
 * repositories) and for a member granted 3 private repositories (the public group plus 3 scopes).
 */
import { internal, api } from "../../convex/_generated/api";
import { dayOf } from "../../convex/model/contribution";
import type { AnyRecord } from "../../convex/model/records";
import { recordMembership } from "../../convex/memberships";
import { createInstallation, makeConvex, measureQuery, signInAs } from "../helpers/convex";
import { HOUR, pr, repo, review } from "../helpers/records";
import { XL } from "./initialSync";

const T = Date.UTC(2026, 10, 24, 12);
const DAY = 24 * HOUR;
const OWNER = 9001;
const PEOPLE = Array.from({ length: 60 }, (_, i) => `dev${i}`);
const TEAMS = Array.from({ length: 6 }, (_, i) => `team:squad-${i}`);

/** XL's shape (every field is set there). */
const SHAPE = {
  repos: XL.repos ?? 200,
  prsPerRepo: XL.prsPerRepo ?? 30,
  openShare: XL.openShare ?? 0.15,
  reviewsPerPr: XL.reviewsPerPr ?? 2,
  historyDays: XL.historyDays ?? 365,
};

export async function reviewerLoadBench(scale = 1): Promise<Array<[string, Record<string, unknown>[]]>> {
  const repos = Math.max(10, Math.round(SHAPE.repos * scale));
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.run(async (ctx) => {
    await ctx.db.patch(installationId, { installedByGithubUserId: 1, installedByLogin: "lead" });
    await recordMembership(ctx, { accountId: OWNER, githubUserId: 2, login: "dev0", member: true });
  });
  const records = Array.from({ length: repos }, (_, r) =>
    repo({ githubId: 10_000 + r, name: `repo-${r}`, private: r % 5 === 0 }),
  );
  for (let i = 0; i < records.length; i += 100) {
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: records.slice(i, i + 100),
    });
  }
  let n = 0;
  for (const rec of records) {
    const batch: AnyRecord[] = [];
    for (let k = 1; k <= SHAPE.prsPerRepo; k++, n++) {
      const createdAt = T - ((n * 7919) % SHAPE.historyDays) * DAY;
      const open = k <= Math.round(SHAPE.prsPerRepo * SHAPE.openShare);
      const author = PEOPLE[(n * 13) % PEOPLE.length]!;
      const asked = [
        PEOPLE[(n * 17 + 1) % PEOPLE.length]!,
        PEOPLE[(n * 31 + 2) % PEOPLE.length]!,
        TEAMS[n % TEAMS.length]!,
      ].filter((x, i, all) => x !== author && all.indexOf(x) === i);
      const requestedAt = createdAt + ((n % 5) + 1) * HOUR;
      const closedAt = createdAt + 3 * DAY;
      batch.push({
        kind: "pullRequest",
        record: pr({
          repoGithubId: rec.githubId,
          githubId: rec.githubId * 1_000 + k,
          number: k,
          authorLogin: author,
          headSha: (n.toString(16) + "0".repeat(40)).slice(0, 40),
          state: open ? "open" : "merged",
          requestedReviewers: open ? asked.length : 0,
          ...(open && { reviewRequests: asked.map((reviewer) => ({ reviewer, requestedAt })) }),
          requestHistory: asked.map((reviewer) => ({ reviewer, requestedAt })),
          url: `https://github.com/acme/${rec.name}/pull/${k}`,
          createdAt,
          updatedAt: open ? requestedAt : closedAt,
          ...(!open && { closedAt, mergedAt: closedAt }),
        }),
      });
      // Closed PRs: each person asked reviews (XL: 2 reviews per PR), after 1–20 hours.
      if (!open) {
        asked
          .filter((x) => !x.startsWith("team:"))
          .slice(0, SHAPE.reviewsPerPr)
          .forEach((by, i) =>
            batch.push({
              kind: "review",
              record: review({
                repoGithubId: rec.githubId,
                githubId: rec.githubId * 10_000 + k * 10 + i,
                prNumber: k,
                authorLogin: by,
                submittedAt: requestedAt + (((n + i) % 20) + 1) * HOUR,
                url: `https://github.com/acme/${rec.name}/pull/${k}#review-${i}`,
              }),
            }),
          );
      }
    }
    for (let i = 0; i < batch.length; i += 250) {
      await t.mutation(internal.model.ingest.applyRecords, { installationId, records: batch.slice(i, i + 250) });
    }
  }
  // dev0 reads three private repositories (direct grants).
  await t.run(async (ctx) => {
    const privateRepos = (await ctx.db.query("repositories").collect()).filter((r) => r.private).slice(0, 3);
    for (const r of privateRepos) {
      await ctx.db.insert("repositoryGrants", {
        installationId,
        repositoryId: r._id,
        githubUserId: 2,
        permission: "read",
        seenAt: T,
      });
    }
  });
  const lead = await signInAs(t, 1, "lead");
  const member = await signInAs(t, 2, "dev0");
  const today = dayOf(T);
  const rows: Record<string, unknown>[] = [];
  for (const [who, identity] of [
    ["installer (all)", lead],
    ["member (public + 3 private)", member],
  ] as const) {
    const measured = [
      ["inbox", await measureQuery(t, identity, api.dashboard.inbox.inbox, { installationId, today })],
      [
        "reviewerLoad (30 d)",
        await measureQuery(t, identity, api.dashboard.reviewerLoad.reviewerLoad, { installationId, today }),
      ],
      [
        "reviewerLoad (90 d)",
        await measureQuery(t, identity, api.dashboard.reviewerLoad.reviewerLoad, { installationId, today, days: 90 }),
      ],
      ["summary", await measureQuery(t, identity, api.dashboard.summary.summary, { installationId })],
      [
        "trends (90 d)",
        await measureQuery(t, identity, api.dashboard.trends.trends, { installationId, days: 90, today }),
      ],
    ] as const;
    for (const [query, m] of measured) {
      rows.push({ figure: `${query}, ${who}`, "documents read": m.documentsRead, "index ranges": m.indexRanges });
    }
  }
  const prCount = repos * SHAPE.prsPerRepo;
  return [
    [
      `Inbox and reviewer load at XL scale (${repos} repositories, ${prCount.toLocaleString("en-US")} PRs, ${PEOPLE.length} reviewers + ${TEAMS.length} teams)`,
      rows,
    ],
  ];
}
