/**
 * Who sees what inside an organisation follows GitHub: a member outside the team that owns a private
 * repository sees none of it in any public function (not its name, its pull requests, its activity,
 * nor its share of the counts), and sees it within one `membership` webhook of joining the team.
 * Teams, grants and memberships arrive as GitHub's own example payloads through the signed route.
 */
import examples from "@octokit/webhooks-examples";
import { getFunctionName, type FunctionReference } from "convex/server";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { recordMembership } from "../convex/memberships";
import { DAY_MS } from "../convex/model/contribution";
import { makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { comment, commit, HOUR, issue, pr, review, T0 } from "./helpers/records";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 + 2 * DAY_MS });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  // No GitHub here: a listing a webhook may schedule fails and changes nothing.
  vi.stubGlobal("fetch", () => Promise.reject(new Error("offline")));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});
const processDue = async (t: TestConvex) => {
  for (let i = 0; i < 3; i++) {
    vi.runOnlyPendingTimers();
    await t.finishInProgressScheduledFunctions();
  }
};

// GitHub's example organisation, team and private repository (team.added_to_repository).
const granted = structuredClone(of("team").find((p) => p.action === "added_to_repository" && p.installation)!);
const ORG = granted.organization as { id: number; login: string };
const TEAM = granted.team as { id: number; slug: string };
const SECRET = granted.repository as { id: number; name: string; full_name: string };
const OPEN = { id: 4_242, name: "open-source", full_name: `${ORG.login}/open-source` };
const joined = structuredClone(of("membership").find((p) => p.action === "added")!);
const DEV = joined.member as { id: number; login: string };
const LEAD = { id: 7_777, login: "team-lead" };

/** PRs, reviews, CI, issues, comments and commits in a repository, with its name in every title. */
function activityIn(repo: { id: number; full_name: string }, label: string, n: number) {
  const url = `https://github.com/${repo.full_name}`;
  return Array.from({ length: n }, (_, i) => {
    const number = i + 1;
    const at = T0 + i * HOUR;
    const head = `${label}${number}`.padEnd(40, "0").slice(0, 40);
    return [
      {
        kind: "pullRequest" as const,
        record: pr({
          repoGithubId: repo.id,
          githubId: repo.id * 1000 + number,
          number,
          title: `${label} change ${number}`,
          authorLogin: number % 2 ? DEV.login : LEAD.login,
          headSha: head,
          url: `${url}/pull/${number}`,
          createdAt: at,
          updatedAt: at,
          reviewRequests: [{ reviewer: `team:${TEAM.slug}`, requestedAt: at }],
          requestedReviewers: 1,
          ...(number === n && { state: "merged" as const, mergedAt: at + HOUR, closedAt: at + HOUR }),
        }),
      },
      {
        kind: "review" as const,
        record: review({
          repoGithubId: repo.id,
          githubId: repo.id * 1000 + 500 + number,
          prNumber: number,
          authorLogin: number % 2 ? LEAD.login : DEV.login,
          submittedAt: at + HOUR,
          url: `${url}/pull/${number}#review`,
        }),
      },
      {
        kind: "issue" as const,
        record: issue({
          repoGithubId: repo.id,
          githubId: repo.id * 1000 + 800 + number,
          number: 100 + number,
          title: `${label} issue ${number}`,
          url: `${url}/issues/${100 + number}`,
          createdAt: at,
          updatedAt: at,
        }),
      },
      {
        kind: "comment" as const,
        record: comment({
          repoGithubId: repo.id,
          githubId: repo.id * 1000 + 900 + number,
          issueNumber: 100 + number,
          url: `${url}/issues/${100 + number}#comment`,
          createdAt: at,
          updatedAt: at,
        }),
      },
      {
        kind: "commit" as const,
        record: commit({
          repoGithubId: repo.id,
          sha: head.replace(/^./, "f"),
          message: `${label} commit ${number}`,
          committedAt: at,
          url: `${url}/commit/${head}`,
        }),
      },
    ];
  }).flat();
}

async function organisation() {
  const t = makeConvex();
  const installationId = await t.mutation(internal.model.ingest.upsertInstallation, {
    githubInstallationId: granted.installation.id,
    accountLogin: ORG.login,
    accountId: ORG.id,
    accountType: "Organization",
    installedByGithubUserId: 1,
    installedByLogin: "installer",
  });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [
      { githubId: OPEN.id, name: OPEN.name, fullName: OPEN.full_name, private: false },
      { githubId: SECRET.id, name: SECRET.name, fullName: SECRET.full_name, private: true },
    ],
  });
  await t.run(async (ctx) => {
    for (const m of [DEV, LEAD]) {
      await recordMembership(ctx, {
        accountId: ORG.id,
        githubUserId: m.id,
        login: m.login,
        member: true,
        role: "member",
      });
    }
  });
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: [...activityIn(OPEN, "Public", 4), ...activityIn(SECRET, "Secret", 3)],
  });
  // The team owns the private repository (GitHub's payload, made private), and the lead is in it.
  granted.repository.private = true;
  expect((await deliver(t, "team", granted)).status).toBe(202);
  const leadJoined = structuredClone(joined);
  leadJoined.member = { ...leadJoined.member, id: LEAD.id, login: LEAD.login };
  leadJoined.team = { ...granted.team };
  expect((await deliver(t, "membership", leadJoined)).status).toBe(202);
  await processDue(t);
  return {
    t,
    installationId,
    dev: t.withIdentity(await signInAs(t, DEV.id, DEV.login)),
    lead: t.withIdentity(await signInAs(t, LEAD.id, LEAD.login)),
    installer: t.withIdentity(await signInAs(t, 1, "installer")),
  };
}

type Caller = ReturnType<TestConvex["withIdentity"]>;
const today = Math.floor((T0 + DAY_MS) / DAY_MS);
const page = { numItems: 100, cursor: null };

/** Every public query a member can call about the installation, by name. */
function publicReads(installationId: Id<"installations">, secretId: Id<"repositories">) {
  const reads: Array<[FunctionReference<"query">, Record<string, unknown>]> = [
    [api.dashboard.summary.summary, { installationId }],
    [api.dashboard.summary.myInstallations, {}],
    [api.dashboard.lists.repositories, { installationId, paginationOpts: page }],
    [api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, state: "all" }],
    [api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, state: "all", repositoryId: secretId }],
    [api.dashboard.lists.activity, { installationId, paginationOpts: page }],
    [api.dashboard.lists.activity, { installationId, paginationOpts: page, repositoryId: secretId }],
    [api.dashboard.trends.trends, { installationId, days: 30, today }],
    [api.dashboard.trends.userStats, { installationId, days: 30, today }],
    [api.dashboard.inbox.inbox, { installationId, today }],
    [api.sync.status.getStatus, { installationId }],
    [api.settings.get, { installationId }],
  ];
  return reads;
}

async function everything(caller: Caller, installationId: Id<"installations">, secretId: Id<"repositories">) {
  const out: Record<string, unknown> = {};
  for (const [fn, args] of publicReads(installationId, secretId)) {
    out[`${getFunctionName(fn)} ${JSON.stringify(Object.keys(args))}`] = await caller.query(fn, args as never);
  }
  return out;
}

const secretIdOf = (t: TestConvex) =>
  t.run(
    async (ctx) =>
      (await ctx.db
        .query("repositories")
        .filter((q) => q.eq(q.field("githubId"), SECRET.id))
        .unique())!._id,
  );

test("a member outside the owning team sees nothing of a private repository, in any public function", async () => {
  const { t, installationId, dev, lead, installer } = await organisation();
  const secretId = await secretIdOf(t);
  await t.run((ctx) => ctx.db.patch(secretId, { syncStatus: "failed", syncError: "Secret failure" }));

  const seen = JSON.stringify(await everything(dev, installationId, secretId));
  expect(seen).not.toMatch(/Secret|Hello-World/);

  // Counts follow the repositories the member can read: the public one only.
  const summary = (await dev.query(api.dashboard.summary.summary, { installationId }))!;
  expect(summary).toMatchObject({ repositories: 1, openPullRequests: 3, openIssues: 4 });
  const [mine] = await dev.query(api.dashboard.summary.myInstallations, {});
  expect(mine).toMatchObject({ repositories: 1, openPullRequests: 3 });
  const trends = (await dev.query(api.dashboard.trends.trends, { installationId, days: 30, today }))!;
  const total = (k: "prsOpened" | "reviews" | "commits" | "comments") => trends.days.reduce((n, d) => n + d[k], 0);
  expect([total("prsOpened"), total("reviews"), total("commits"), total("comments")]).toEqual([4, 4, 4, 4]);

  // The team's member and the installer read both repositories.
  for (const who of [lead, installer]) {
    const all = (await who.query(api.dashboard.summary.summary, { installationId }))!;
    expect(all).toMatchObject({ repositories: 2, openPullRequests: 5, openIssues: 7 });
    const prs = await who.query(api.dashboard.lists.pullRequests, {
      installationId,
      paginationOpts: page,
      state: "all",
    });
    expect(prs.page.filter((p) => p.title.startsWith("Secret"))).toHaveLength(3);
    const wide = (await who.query(api.dashboard.trends.trends, { installationId, days: 30, today }))!;
    expect(wide.days.reduce((n, d) => n + d.prsOpened, 0)).toBe(7);
  }
  // The team's review requests reach its member's inbox, the private ones included.
  const inbox = (await lead.query(api.dashboard.inbox.inbox, { installationId, today }))!;
  expect(inbox.requested.map((r) => r.title).filter((x) => x.startsWith("Secret"))).not.toEqual([]);
  expect(inbox.requested.every((r) => r.requestedFrom === `team:${TEAM.slug}`)).toBe(true);
});

test("joining the team shows the private repository within one membership webhook; leaving hides it", async () => {
  const { t, installationId, dev } = await organisation();
  const secretId = await secretIdOf(t);
  const names = async () =>
    (await dev.query(api.dashboard.lists.repositories, { installationId, paginationOpts: page })).page.map(
      (r) => r.fullName,
    );
  expect(await names()).toEqual([OPEN.full_name]);

  const devJoins = structuredClone(joined);
  devJoins.team = { ...granted.team };
  expect((await deliver(t, "membership", devJoins)).status).toBe(202);
  await processDue(t);
  expect((await names()).sort()).toEqual([SECRET.full_name, OPEN.full_name].sort());
  expect((await dev.query(api.dashboard.summary.summary, { installationId }))!).toMatchObject({
    repositories: 2,
    openPullRequests: 5,
  });
  const prs = await dev.query(api.dashboard.lists.pullRequests, {
    installationId,
    paginationOpts: page,
    state: "all",
    repositoryId: secretId,
  });
  expect(prs.page).toHaveLength(3);
  const inbox = (await dev.query(api.dashboard.inbox.inbox, { installationId, today }))!;
  expect(inbox.requested.some((r) => r.title.startsWith("Secret"))).toBe(true);

  const devLeaves = structuredClone(of("membership").find((p) => p.action === "removed" && p.scope === "team")!);
  devLeaves.organization = granted.organization;
  devLeaves.team = { ...granted.team };
  devLeaves.member = joined.member;
  expect((await deliver(t, "membership", devLeaves)).status).toBe(202);
  await processDue(t);
  expect(await names()).toEqual([OPEN.full_name]);
  expect(JSON.stringify(await everything(dev, installationId, secretId))).not.toMatch(/Secret|Hello-World/);
});
