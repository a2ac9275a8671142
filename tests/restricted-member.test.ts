/**
 * Inside one organisation, a member who may not read a private repository P learns nothing of it: every
 * public function answers a restricted member identically before and after only P changes (pull
 * requests, reviews, merges, CI, deployments, alerts, a failed sync, a webhook and a dead delivery), and
 * no answer names P, its titles, its id or the logins seen only in P. The member reads a public
 * repository and a private one granted to their team, so both kinds of restricted access are exercised.
 */
import examples from "@octokit/webhooks-examples";
import { getFunctionName, type FunctionReference } from "convex/server";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { DAY_MS, dayOf } from "../convex/model/contribution";
import { grant } from "../convex/people/grants";
import type { AnyRecord } from "../convex/model/records";
import { upsertTeam, upsertTeamMember } from "../convex/people/teams";
import type { TestConvex } from "./helpers/convex";
import { ORG, orgWithPeople } from "./helpers/org";
import { listPublicFunctions } from "./helpers/publicFunctions";
import { ci, HOUR, pr, repo, review, T0 } from "./helpers/records";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

const NOW = T0 + 20 * DAY_MS;
const TODAY = dayOf(NOW);
const HOUR_NOW = Math.floor(NOW / HOUR);

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  // No GitHub and no Slack here: every outside call fails (Slack deliveries retry, then fail).
  vi.stubGlobal("fetch", () => Promise.reject(new Error("offline")));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

const OPEN = repo({ githubId: 601, name: "open" });
const GRANTED = repo({ githubId: 602, name: "granted", private: true });
const VAULT = repo({ githubId: 603, name: "vault", private: true });
const TEAM = { githubId: 50, slug: "web", name: "Web" };

/** PRs, reviews, CI and deployments in a repository; `who` names its author, reviewers and requested people. */
function work(
  r: typeof OPEN,
  who: { author: string; reviewer: string; requested: string[] },
  opts: { base: number; count: number; label: string },
) {
  const records: AnyRecord[] = [];
  for (let i = 0; i < opts.count; i++) {
    const number = opts.base + i;
    const created = T0 + i * HOUR;
    const head = `${opts.label.toLowerCase()}${number}`.padEnd(40, "0").slice(0, 40);
    const merged = i % 4 === 3;
    records.push({
      kind: "pullRequest",
      record: pr({
        repoGithubId: r.githubId,
        githubId: r.githubId * 10_000 + number,
        number,
        title: `${opts.label} change ${number}`,
        authorLogin: who.author,
        headSha: head,
        url: `${r.htmlUrl}/pull/${number}`,
        createdAt: created,
        updatedAt: created + HOUR,
        additions: 400 + i,
        deletions: 200,
        ...(merged
          ? { state: "merged" as const, mergedAt: created + 3 * HOUR, closedAt: created + 3 * HOUR }
          : {
              requestedReviewers: who.requested.length,
              reviewRequests: who.requested.map((reviewer) => ({ reviewer, requestedAt: created })),
            }),
      }),
    });
    if (merged) {
      records.push({
        kind: "review",
        record: review({
          repoGithubId: r.githubId,
          githubId: r.githubId * 10_000 + 5_000 + number,
          prNumber: number,
          authorLogin: who.reviewer,
          submittedAt: created + 2 * HOUR,
          url: `${r.htmlUrl}/pull/${number}#review`,
        }),
      });
      records.push({
        kind: "deployment",
        record: {
          githubId: r.githubId * 10_000 + 7_000 + number,
          repoGithubId: r.githubId,
          source: "deployment",
          environment: "production",
          sha: head,
          url: `${r.htmlUrl}/deployments/${number}`,
          createdAt: created + 4 * HOUR,
          updatedAt: created + 5 * HOUR,
          state: i % 8 === 3 ? "failure" : "success",
          ...(i % 8 === 3 ? { failedAt: created + 5 * HOUR } : { succeededAt: created + 5 * HOUR }),
        },
      });
    }
    records.push({
      kind: "ci",
      record: ci({ repoGithubId: r.githubId, sha: head, state: i % 3 === 0 ? "failure" : "success" }),
    });
  }
  return records;
}

async function organisation() {
  const { t, installationId, owner, dev } = await orgWithPeople();
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [OPEN, GRANTED, VAULT],
  });
  const ids = await t.run(async (ctx) => {
    const byGithubId = async (githubId: number) =>
      (await ctx.db
        .query("repositories")
        .withIndex("by_installation_github_id", (q) => q.eq("installationId", installationId).eq("githubId", githubId))
        .unique())!;
    await upsertTeam(ctx.db, ORG, { githubId: TEAM.githubId, slug: TEAM.slug, name: TEAM.name }, NOW);
    for (const [githubUserId, login] of [
      [3, "dev"],
      [4, "carol"],
    ] as const) {
      await upsertTeamMember(ctx.db, { accountId: ORG, teamGithubId: TEAM.githubId, githubUserId, login }, NOW);
    }
    const granted = await byGithubId(GRANTED.githubId);
    await grant(ctx.db, granted, { teamGithubId: TEAM.githubId }, "push", NOW);
    return { open: (await byGithubId(OPEN.githubId))._id, vault: (await byGithubId(VAULT.githubId))._id };
  });
  await owner.mutation(api.notify.destinations.add, {
    installationId,
    url: "https://hooks.slack.com/services/T000/B000/abcdefabcdef",
    label: "#eng",
  });
  const settle = async () => {
    for (let i = 0; i < 6; i++) {
      vi.runOnlyPendingTimers();
      await t.finishInProgressScheduledFunctions();
    }
    vi.setSystemTime(NOW);
  };
  // What the member can read: a public repository and their team's private one, both busy. "carol" has
  // five open requests among them (an alert about a person), the team and the member theirs, and the
  // member's own PR asks their team for a review.
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: [
      ...work(
        OPEN,
        { author: "alice", reviewer: "carol", requested: ["carol", "dev"] },
        { base: 1, count: 6, label: "Open" },
      ),
      ...work(
        GRANTED,
        { author: "bob", reviewer: "dev", requested: ["carol", `team:${TEAM.slug}`] },
        {
          base: 1,
          count: 4,
          label: "Granted",
        },
      ),
      ...work(
        OPEN,
        { author: "dev", reviewer: "carol", requested: [`team:${TEAM.slug}`] },
        { base: 50, count: 2, label: "Own" },
      ),
    ],
  });
  await settle();
  await t.mutation(internal.alerts.engine.scan, { installationId });
  await settle();
  return { t, installationId, owner, dev, ids, settle };
}

type Caller = ReturnType<TestConvex["withIdentity"]>;
const page = { numItems: 100, cursor: null };

/** Every public query a member can call, with `today`/`hour` and without where they are optional. */
function reads(installationId: Id<"installations">, openId: Id<"repositories">) {
  const range = { installationId, from: TODAY - 29, to: TODAY };
  const list: Array<[FunctionReference<"query">, Record<string, unknown>]> = [
    [api.dashboard.summary.summary, { installationId }],
    [api.dashboard.summary.myInstallations, {}],
    [api.dashboard.summary.me, {}],
    [api.dashboard.lists.repositories, { installationId, paginationOpts: page }],
    [api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, state: "all" }],
    [api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, today: TODAY }],
    [api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, repositoryId: openId }],
    [api.dashboard.lists.activity, { installationId, paginationOpts: page }],
    [api.dashboard.trends.trends, { installationId, days: 30 }],
    [api.dashboard.trends.trends, { installationId, days: 30, today: TODAY }],
    [api.dashboard.trends.userStats, { installationId, days: 30 }],
    [api.dashboard.trends.userStats, { installationId, days: 30, today: TODAY }],
    [api.dashboard.inbox.inbox, { installationId }],
    [api.dashboard.inbox.inbox, { installationId, today: TODAY }],
    [api.dashboard.reviewerLoad.reviewerLoad, { installationId }],
    [api.dashboard.reviewerLoad.reviewerLoad, { installationId, today: TODAY }],
    [api.dashboard.analytics.cycleTime, range],
    [api.dashboard.analytics.mergedPullRequests, { ...range, paginationOpts: page }],
    [api.dashboard.analytics.filterOptions, { installationId }],
    [api.dashboard.analytics.sizes, range],
    [api.dashboard.dora.metrics, range],
    [api.dashboard.dora.deployments, { ...range, paginationOpts: page }],
    [api.dashboard.organisations.overview, {}],
    [api.dashboard.organisations.overview, { today: TODAY }],
    [api.dashboard.syncHealth.syncHealth, { installationId, hour: HOUR_NOW }],
    [api.dashboard.syncHealth.deadDeliveries, { installationId, paginationOpts: page }],
    [api.sync.status.getStatus, { installationId }],
    [api.settings.get, { installationId }],
    [api.settings.repositorySettings, { installationId }],
    [
      api.settings.preview,
      {
        installationId,
        today: TODAY,
        agreements: { pickupHours: 24, openDays: 14, maxChangedLines: 500, maxOpenRequests: 5 },
      },
    ],
    [api.alerts.bell.list, { installationId, paginationOpts: page }],
    [api.alerts.bell.unreadCount, { installationId }],
    [api.alerts.rows.open, { installationId, everyone: true }],
    [api.notify.destinations.list, { installationId }],
    [api.notify.destinations.deliveries, { installationId, paginationOpts: page }],
    [api.dashboard.watchlist.list, { installationId }],
    [api.notify.push.settings, { installationId }],
    [api.reports.saved.list, { installationId }],
  ];
  return list;
}

async function everything(caller: Caller, installationId: Id<"installations">, openId: Id<"repositories">) {
  const out: Record<string, unknown> = {};
  for (const [fn, args] of reads(installationId, openId)) {
    out[`${getFunctionName(fn)} ${JSON.stringify(Object.keys(args))}`] = await caller.query(fn, args as never);
  }
  return out;
}

/** P gains pull requests, reviews, merges, CI, deployments and alerts; a webhook; a failed sync; a dead delivery. */
async function vaultChanges(t: TestConvex, installationId: Id<"installations">, vault: Id<"repositories">) {
  // 60 PRs ask the member's team (more than an inbox section holds), six ask "phantom" (over the agreement).
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: [
      ...work(
        VAULT,
        { author: "ghost", reviewer: "phantom", requested: ["phantom", `team:${TEAM.slug}`, "carol"] },
        {
          base: 1,
          count: 60,
          label: "Vault",
        },
      ),
    ],
  });
  // A real webhook about P, applied.
  const payload = structuredClone(of("pull_request").find((p) => p.action === "opened" && p.installation)!);
  payload.installation.id = 77;
  payload.repository = {
    ...payload.repository,
    id: VAULT.githubId,
    name: "vault",
    full_name: "acme/vault",
    private: true,
  };
  payload.pull_request.title = "Vault webhook";
  payload.pull_request.user = { ...payload.pull_request.user, login: "ghost" };
  expect((await deliver(t, "pull_request", payload)).status).toBe(202);
  // Another one that keeps failing until it is dead-lettered.
  const dead = structuredClone(payload);
  dead.pull_request.title = "Vault dead";
  expect((await deliver(t, "pull_request", dead, { deliveryId: "vault-dead" })).status).toBe(202);
  const deadId = await t.run(
    async (ctx) =>
      (await ctx.db
        .query("webhookDeliveries")
        .withIndex("by_delivery_id", (q) => q.eq("deliveryId", "vault-dead"))
        .unique())!._id,
  );
  for (let i = 0; i < 5; i++) {
    await t.mutation(internal.webhooks.deliveries.markFailed, { id: deadId, reason: "acme/vault exploded" });
  }
  await t.run((ctx) => ctx.db.patch(vault, { syncStatus: "failed", syncError: "acme/vault: not reachable" }));
  return deadId;
}

const VAULT_WORDS = /vault|Vault|ghost|phantom/;

test("a restricted member's answers do not move when only a private repository they cannot read changes", async () => {
  const { t, installationId, owner, dev, ids, settle } = await organisation();
  const before = await everything(dev, installationId, ids.open);
  expect(JSON.stringify(before)).not.toMatch(VAULT_WORDS);

  const deadId = await vaultChanges(t, installationId, ids.vault);
  await settle();
  await t.mutation(internal.alerts.engine.scan, { installationId });
  await settle();

  const after = await everything(dev, installationId, ids.open);
  const text = JSON.stringify(after);
  expect(Object.keys(after).filter((k) => VAULT_WORDS.test(JSON.stringify(after[k])))).toEqual([]);
  expect(text).not.toContain(ids.vault);
  expect(text).not.toContain(deadId);
  for (const key of Object.keys(before)) expect(after[key], key).toEqual(before[key]);

  // The owner reads P: its alerts, its person alert and its dead delivery are there (the test can fail).
  const ownerBell = await owner.query(api.alerts.bell.list, { installationId, paginationOpts: page });
  expect(ownerBell.page.map((a) => a.message).join("\n")).toMatch(/phantom has \d+ open review requests/);
  expect(ownerBell.page.some((a) => a.message.includes("acme/vault"))).toBe(true);
  const ownerDead = await owner.query(api.dashboard.syncHealth.deadDeliveries, {
    installationId,
    paginationOpts: page,
  });
  expect(ownerDead.page.map((d) => d.id)).toContain(deadId);
});

test("the bell pages over what the reader may see: full pages, a true isDone, an unread count of visible alerts", async () => {
  const { t, installationId, dev, ids, settle } = await organisation();
  await vaultChanges(t, installationId, ids.vault);
  await settle();
  const all = await dev.query(api.alerts.bell.list, { installationId, paginationOpts: page });
  expect(all.isDone).toBe(true);
  expect(all.page.length).toBeGreaterThan(4);
  const unread = (await dev.query(api.alerts.bell.unreadCount, { installationId }))!;
  expect(unread.count).toBe(Math.min(all.page.filter((a) => a.unread).length, 50));
  // Pages of 3: every page full until the last, and together the same alerts in the same order.
  const seen: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const p: { page: Array<{ id: string }>; isDone: boolean; continueCursor: string } = await dev.query(
      api.alerts.bell.list,
      { installationId, paginationOpts: { numItems: 3, cursor } },
    );
    seen.push(...p.page.map((a) => a.id));
    if (p.isDone) break;
    expect(p.page).toHaveLength(3);
    cursor = p.continueCursor;
  }
  expect(seen).toEqual(all.page.map((a) => a.id));
});

test("an id the member cannot read answers like a missing one; replay is for operators of what they read", async () => {
  const { t, installationId, owner, dev, ids, settle } = await organisation();
  const deadId = await vaultChanges(t, installationId, ids.vault);
  await settle();
  const missing = await t.run(async (ctx) => {
    const { _id, _creationTime, ...fields } = (await ctx.db.get(ids.vault))!;
    const id = await ctx.db.insert("repositories", { ...fields, githubId: 999 });
    await ctx.db.delete(id);
    return id;
  });
  const attempt = (caller: typeof dev, repositoryId: Id<"repositories">) =>
    caller.mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: "deploy.yml" }).then(
      () => "ok",
      (e: Error) => e.message,
    );
  expect(await attempt(dev, ids.vault)).toBe(await attempt(dev, missing));
  const replay = (caller: typeof dev) =>
    caller.mutation(api.dashboard.syncHealth.replayDelivery, { id: deadId }).then(
      (r) => r,
      (e: Error) => e.message,
    );
  expect(await replay(dev)).toMatch(/not found/i);
  expect(await replay(owner)).toEqual({ replayed: true, status: "retrying" });
});

test("the member's own PR is never listed as a review requested from them", async () => {
  const { installationId, dev } = await organisation();
  const inbox = (await dev.query(api.dashboard.inbox.inbox, { installationId, today: TODAY }))!;
  expect(inbox.requested.map((r) => r.title)).not.toContain("Own change 51");
  expect([...inbox.needsYou, ...inbox.waitingOnOthers].map((r) => r.title)).toContain("Own change 51");
  expect(inbox.requested.some((r) => r.requestedFrom === `team:${TEAM.slug}`)).toBe(true);
});

test("every public query and mutation is probed here or in the tenant test", async () => {
  const probed = new Set(
    reads("x" as Id<"installations">, "y" as Id<"repositories">).map(([fn]) => getFunctionName(fn)),
  );
  const functions = await listPublicFunctions();
  // The rest change state by design: the tenant test (dashboard.test.ts) probes each, the id probes above
  // the two that take a repository's or a delivery's id; sign-in is @convex-dev/auth's.
  expect(functions.filter((f) => !probed.has(f) && !f.startsWith("auth:"))).toEqual([
    "alerts/bell:markRead",
    "dashboard/syncHealth:replayDelivery",
    "dashboard/watchlist:detail",
    "notify/destinations:add",
    "notify/destinations:enable",
    "notify/destinations:remove",
    "notify/destinations:replaceUrl",
    "notify/destinations:sendTest",
    "notify/destinations:setCadence",
    "notify/push:subscribe",
    "notify/push:unsubscribe",
    "reports/saved:get",
    "reports/saved:remove",
    "reports/saved:save",
    "reports/saved:setWeekly",
    "reports/saved:update",
    "settings:update",
    "settings:updateRepositorySettings",
    "sync/status:syncNow",
    "watchlist/entries:add",
    "watchlist/entries:addNote",
    "watchlist/entries:refresh",
    "watchlist/entries:remove",
    "watchlist/entries:retry",
    "watchlist/entries:setAlerts",
  ]);
});
