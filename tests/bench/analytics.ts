/**
 * Issue 14's bench rows: documents read and index ranges of the analytics queries (cycle time, the
 * drill-down, the filter options) at 10 repositories / 50 PRs and 2,000 repositories / 60,000 PRs,
 * for the installer (all repositories) and a member granted 3 private repositories (the public group
 * plus 3 scopes). A fifth of the repositories are private; 60 authors, a team of 8.
 *
 * The small case is seeded through the write path (`applyRecords`). The large one would take hours
 * through convex-test's write path, so it is seeded with what the queries read, inserted directly:
 * the repositories (through `addRepositories`), the 60,000 PR rows (a write-path PR as template), and
 * the `cycle` figure's documents the write path would have made of them — "all" and "public", everyone's
 * and each author's, and the own scopes of the repositories the queries read (the member's 3 private
 * ones and the filtered one; the other repositories' scopes are never read, whatever their size).
 */
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { recordMembership } from "../../convex/memberships";
import { dayOf } from "../../convex/model/contribution";
import { addEntries, type Entry } from "../../convex/metrics/engine";
import { CYCLE, figureId } from "../../convex/metrics/figures";
import { DURATIONS, sampleOf } from "../../convex/metrics/histogram";
import type { AnyRecord } from "../../convex/model/records";
import { upsertTeam, upsertTeamMember } from "../../convex/people/teams";
import { createInstallation, makeConvex, measureQuery, signInAs, type TestConvex } from "../helpers/convex";
import { HOUR, pr, repo, review } from "../helpers/records";

const T = Date.UTC(2026, 10, 24, 12);
const DAY = 24 * HOUR;
const OWNER = 9001;
const PEOPLE = Array.from({ length: 60 }, (_, i) => `dev${i}`);
const TEAM = PEOPLE.slice(0, 8);
const HISTORY_DAYS = 365;

type Shape = { repos: number; prs: number };

/**
 * The n-th merged PR of the organisation: its repository, author and times (deterministic). A
 * repository's PRs are consecutive `n`s, so its privacy does not correlate with the merge day.
 */
function prShape(n: number, repos: number, prs: number) {
  const perRepo = Math.ceil(prs / repos);
  const mergedAt = T - ((n * 7919) % HISTORY_DAYS) * DAY - (n % 20) * HOUR;
  const createdAt = mergedAt - (((n * 31) % 96) + 2) * HOUR;
  return {
    r: Math.floor(n / perRepo),
    number: (n % perRepo) + 1,
    author: PEOPLE[(n * 13) % PEOPLE.length]!,
    reviewer: PEOPLE[(n * 17 + 1) % PEOPLE.length]!,
    firstCommitAt: createdAt - ((n % 30) + 1) * HOUR,
    createdAt,
    reviewedAt: createdAt + ((n % 12) + 1) * HOUR,
    mergedAt,
  };
}

async function organisation(t: TestConvex, repos: number) {
  const installationId = await createInstallation(t);
  await t.run(async (ctx) => {
    await ctx.db.patch(installationId, { installedByGithubUserId: 1, installedByLogin: "lead" });
    await recordMembership(ctx, { accountId: OWNER, githubUserId: 2, login: "dev0", member: true });
    await upsertTeam(ctx.db, OWNER, { githubId: 31, slug: "core", name: "Core" }, T);
    for (const [i, login] of TEAM.entries()) {
      await upsertTeamMember(ctx.db, { accountId: OWNER, teamGithubId: 31, githubUserId: 100 + i, login }, T);
    }
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
  const repoIds = await t.run(async (ctx) => {
    const ids: Id<"repositories">[] = [];
    for (const rec of records) {
      const doc = await ctx.db
        .query("repositories")
        .withIndex("by_installation_github_id", (q) =>
          q.eq("installationId", installationId).eq("githubId", rec.githubId),
        )
        .unique();
      ids.push(doc!._id);
    }
    return ids;
  });
  // dev0 reads (up to) three private repositories (direct grants): repositories 0, 5 and 10.
  const granted = [0, 5, 10].filter((r) => r < repos).map((r) => repoIds[r]!);
  await t.run(async (ctx) => {
    for (const repositoryId of granted) {
      await ctx.db.insert("repositoryGrants", {
        installationId,
        repositoryId,
        githubUserId: 2,
        permission: "read",
        seenAt: T,
      });
    }
  });
  return { installationId, records, repoIds, granted };
}

/** The merged PR records of PR `n` (the PR and its approving review). */
function prRecords(n: number, shape: Shape): AnyRecord[] {
  const s = prShape(n, shape.repos, shape.prs);
  const repoGithubId = 10_000 + s.r;
  return [
    {
      kind: "pullRequest",
      record: pr({
        repoGithubId,
        githubId: repoGithubId * 1_000 + s.number,
        number: s.number,
        authorLogin: s.author,
        state: "merged",
        url: `https://github.com/acme/repo-${s.r}/pull/${s.number}`,
        firstCommitAt: s.firstCommitAt,
        createdAt: s.createdAt,
        updatedAt: s.mergedAt,
        closedAt: s.mergedAt,
        mergedAt: s.mergedAt,
      }),
    },
    {
      kind: "review",
      record: review({
        repoGithubId,
        githubId: repoGithubId * 10_000 + s.number,
        prNumber: s.number,
        authorLogin: s.reviewer === s.author ? "hubot" : s.reviewer,
        submittedAt: s.reviewedAt,
      }),
    },
  ];
}

/** The large case: PR rows and the `cycle` documents of them, inserted directly (see the module comment). */
async function seedDirectly(t: TestConvex, org: Awaited<ReturnType<typeof organisation>>, shape: Shape) {
  const { installationId, records, repoIds } = org;
  // A PR as the write path stores it, as the template of every row.
  await t.mutation(internal.model.ingest.applyRecords, { installationId, records: prRecords(0, shape) });
  const template = await t.run(async (ctx) => (await ctx.db.query("pullRequests").first())!);
  const { _id, _creationTime, ...base } = template;
  const readRepos = new Set<string>([...org.granted, repoIds[1]!]);
  const series = new Map<
    string,
    { scope: string; key: string; day: number; inPublic?: boolean; entries: Map<string, Entry> }
  >();
  const rows: Array<Omit<Doc<"pullRequests">, "_id" | "_creationTime">> = [];
  for (let n = 1; n < shape.prs; n++) {
    const s = prShape(n, shape.repos, shape.prs);
    const repositoryId = repoIds[s.r]!;
    const row = {
      ...base,
      repositoryId,
      githubId: records[s.r]!.githubId * 1_000 + s.number,
      number: s.number,
      authorLogin: s.author,
      url: `https://github.com/acme/repo-${s.r}/pull/${s.number}`,
      firstCommitAt: s.firstCommitAt,
      createdAt: s.createdAt,
      updatedAt: s.mergedAt,
      closedAt: s.mergedAt,
      mergedAt: s.mergedAt,
      firstReviewAt: s.reviewedAt,
      approvedAt: s.reviewedAt,
      pickups: undefined,
    };
    rows.push(row);
    const isPublic = !records[s.r]!.private;
    const scopes = ["all", ...(isPublic ? ["public"] : []), ...(readRepos.has(repositoryId) ? [repositoryId] : [])];
    for (const c of CYCLE.from.pullRequests!({ ...row, _id: _id, _creationTime })) {
      const entry: Entry = {
        k: "",
        n: { ...(c.n ?? {}) },
        h: Object.fromEntries(Object.entries(c.h ?? {}).map(([name, ms]) => [name, sampleOf(DURATIONS, ms)])),
      };
      for (const scope of scopes) {
        const key = `${scope}\u0000${c.key ?? ""}\u0000${c.day}`;
        const e = series.get(key) ?? {
          scope,
          key: c.key ?? "",
          day: c.day,
          ...(scope === repositoryId && { inPublic: isPublic }),
          entries: new Map<string, Entry>(),
        };
        addEntries(e.entries, [entry]);
        series.set(key, e);
      }
    }
  }
  const CHUNK = 2_000;
  for (let i = 0; i < rows.length; i += CHUNK) {
    await t.run(async (ctx) => {
      for (const row of rows.slice(i, i + CHUNK)) await ctx.db.insert("pullRequests", row);
    });
  }
  // The template PR's own contribution is in the buckets already (written by the write path).
  const figure = figureId(CYCLE);
  const docs = [...series.values()];
  for (let i = 0; i < docs.length; i += CHUNK) {
    await t.run(async (ctx) => {
      for (const e of docs.slice(i, i + CHUNK)) {
        const existing = await ctx.db
          .query("metricBuckets")
          .withIndex("by_figure_scope_key_day", (q) =>
            q
              .eq("installationId", installationId)
              .eq("figure", figure)
              .eq("scope", e.scope)
              .eq("key", e.key)
              .eq("day", e.day),
          )
          .unique();
        const entries = [
          ...addEntries(new Map((existing?.entries ?? []).map((x) => [x.k, x])), e.entries.values()).values(),
        ];
        if (existing) await ctx.db.patch(existing._id, { entries });
        else
          await ctx.db.insert("metricBuckets", {
            installationId,
            figure,
            scope: e.scope,
            key: e.key,
            day: e.day,
            entries,
            ...(e.inPublic !== undefined && { inPublic: e.inPublic }),
          });
      }
    });
  }
}

async function measure(shape: Shape, direct: boolean): Promise<Record<string, unknown>[]> {
  const t = makeConvex();
  const org = await organisation(t, shape.repos);
  const { installationId } = org;
  if (direct) await seedDirectly(t, org, shape);
  else {
    const records = Array.from({ length: shape.prs }, (_, n) => prRecords(n, shape)).flat();
    for (let i = 0; i < records.length; i += 250) {
      await t.mutation(internal.model.ingest.applyRecords, { installationId, records: records.slice(i, i + 250) });
    }
  }
  const lead = await signInAs(t, 1, "lead");
  const member = await signInAs(t, 2, "dev0");
  const to = dayOf(T);
  const page = { numItems: 50, cursor: null };
  const publicRepo = org.repoIds[1]!;
  const rows: Record<string, unknown>[] = [];
  const label = `${shape.repos.toLocaleString("en-US")} repos / ${shape.prs.toLocaleString("en-US")} PRs`;
  for (const [who, identity] of [
    ["installer", lead],
    ["member (public + 3 private; 2 at 10 repos)", member],
  ] as const) {
    const measured = [
      ["cycleTime 30 d (days)", api.dashboard.analytics.cycleTime, { installationId, from: to - 29, to }],
      ["cycleTime 90 d (weeks)", api.dashboard.analytics.cycleTime, { installationId, from: to - 89, to }],
      ["cycleTime 365 d (months)", api.dashboard.analytics.cycleTime, { installationId, from: to - 364, to }],
      [
        "cycleTime 90 d, team of 8",
        api.dashboard.analytics.cycleTime,
        { installationId, from: to - 89, to, team: "core" },
      ],
      [
        "cycleTime 90 d, one author",
        api.dashboard.analytics.cycleTime,
        { installationId, from: to - 89, to, author: "dev3" },
      ],
      [
        "cycleTime 90 d, one repository",
        api.dashboard.analytics.cycleTime,
        { installationId, from: to - 89, to, repositoryId: publicRepo },
      ],
      [
        "mergedPullRequests 90 d, page of 50",
        api.dashboard.analytics.mergedPullRequests,
        { installationId, from: to - 89, to, paginationOpts: page },
      ],
      [
        "mergedPullRequests 90 d, team of 8, page of 50",
        api.dashboard.analytics.mergedPullRequests,
        { installationId, from: to - 89, to, team: "core", paginationOpts: page },
      ],
      ["filterOptions", api.dashboard.analytics.filterOptions, { installationId }],
    ] as const;
    for (const [query, fn, args] of measured) {
      const m = await measureQuery(t, identity, fn as never, args as never);
      rows.push({
        figure: `${label}, ${query}, ${who}`,
        "documents read": m.documentsRead,
        "index ranges": m.indexRanges,
      });
    }
  }
  return rows;
}

export async function analyticsBench(): Promise<Array<[string, Record<string, unknown>[]]>> {
  const small = await measure({ repos: 10, prs: 50 }, false);
  const large = await measure({ repos: 2_000, prs: 60_000 }, true);
  return [
    [
      "Analytics queries (issue 14): documents read at 10 repos / 50 PRs (write path) and 2,000 repos / 60,000 PRs (PR rows and cycle buckets inserted directly)",
      [...small, ...large],
    ],
  ];
}
