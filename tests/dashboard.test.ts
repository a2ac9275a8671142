import { describe, expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import {
  createInstallation,
  expectNoAggregateDifferences,
  makeConvex,
  measureQuery,
  signInAs,
  type TestConvex,
} from "./helpers/convex";
import { seedInstallation } from "./helpers/seed";
import { pr, repo, T0 } from "./helpers/records";
import type { Id } from "../convex/_generated/dataModel";
import { recordMembership } from "../convex/memberships";
import { listPublicFunctions, publicFunctionAccess } from "./helpers/publicFunctions";
import { MAX_PAGE_SIZE } from "../convex/pagination";

const OWNER = 9001; // the organisation account id of createInstallation's default

async function orgWithMember(t: TestConvex) {
  const installationId = await createInstallation(t);
  await t.run((ctx) => recordMembership(ctx, { accountId: OWNER, githubUserId: 42, login: "mona", member: true }));
  const member = await signInAs(t, 42, "mona");
  return { installationId, member };
}

describe("cost does not grow with the user's data", () => {
  // Three sizes, 40× apart, show the reads stay flat; XL (60,000 PRs) is the bench's (npm run bench):
  // seeding it through the write path here would take minutes.
  const scales = [
    [10, 50],
    [50, 500],
    [100, 2_000],
  ] as const;
  test.each(scales)("%i repositories / %i pull requests", async (repos, prs) => {
    const t = makeConvex();
    const { installationId, member } = await orgWithMember(t);
    await seedInstallation(t, installationId, repos, prs);

    const summary = await measureQuery(t, member, api.dashboard.summary.summary, { installationId });
    expect(summary.result).toMatchObject({ repositories: repos });
    expect(summary.result!.openPullRequests).toBe(
      summary.result!.openPullRequestsByHealth.green +
        summary.result!.openPullRequestsByHealth.yellow +
        summary.result!.openPullRequestsByHealth.red,
    );
    expect(summary.documentsRead).toBeLessThanOrEqual(10);
    // A member reads the public group's shards: 3 ranges + the access check's (membership, teams, grants).
    expect(summary.indexRanges).toBeLessThanOrEqual(7);

    const PAGE = 25;
    // An owner reads every repository: a page costs its size. A member's access is restricted (public
    // repositories and their grants), so a page also reads each repository on it not granted to them
    // once, to learn that it is public: at most twice its size.
    await t.run((ctx) =>
      recordMembership(ctx, { accountId: OWNER, githubUserId: 43, login: "owner", member: true, role: "admin" }),
    );
    const owner = await signInAs(t, 43, "owner");
    for (const [who, caller, bound] of [
      ["owner", owner, PAGE + 10],
      ["member", member, 2 * PAGE + 10],
    ] as const) {
      for (const [name, fn] of [
        ["pullRequests", api.dashboard.lists.pullRequests],
        ["activity", api.dashboard.lists.activity],
        ["repositories", api.dashboard.lists.repositories],
      ] as const) {
        const page = await measureQuery(t, caller, fn as typeof api.dashboard.lists.activity, {
          installationId,
          paginationOpts: { numItems: PAGE, cursor: null },
        });
        expect(page.result.page.length, `${who} ${name}`).toBe(Math.min(PAGE, name === "repositories" ? repos : PAGE));
        expect(page.documentsRead, `${who} ${name}`).toBeLessThanOrEqual(bound);
      }
    }
    const trends = await measureQuery(t, member, api.dashboard.trends.trends, { installationId, days: 90 });
    expect(trends.result!.days).toHaveLength(90);
    expect(trends.documentsRead).toBeLessThanOrEqual(90 + 10);
    await expectNoAggregateDifferences(t, installationId);
  });
});

describe("queries equal a recount from base tables", () => {
  test("summary, per-repository counts and health filters", async () => {
    const t = makeConvex();
    const { installationId, member } = await orgWithMember(t);
    await seedInstallation(t, installationId, 6, 120);
    await t.mutation(internal.model.ingest.removeRepositories, { installationId, githubIds: [100_002] });

    const truth = await t.run(async (ctx) => {
      const repos = (await ctx.db.query("repositories").collect()).filter((r) => !r.removed);
      const visible = new Set(repos.map((r) => r._id));
      const open = (await ctx.db.query("pullRequests").collect()).filter(
        (p) => p.state === "open" && visible.has(p.repositoryId),
      );
      const issues = (await ctx.db.query("issues").collect()).filter(
        (i) => i.state === "open" && !i.deleted && visible.has(i.repositoryId),
      );
      return {
        repositories: repos.length,
        openPullRequests: open.length,
        byHealth: {
          green: open.filter((p) => p.health === "green").length,
          yellow: open.filter((p) => p.health === "yellow").length,
          red: open.filter((p) => p.health === "red").length,
        },
        openIssues: issues.length,
      };
    });
    const summary = await t.withIdentity(member).query(api.dashboard.summary.summary, { installationId });
    expect(summary).toMatchObject({
      repositories: truth.repositories,
      openPullRequests: truth.openPullRequests,
      openPullRequestsByHealth: truth.byHealth,
      openIssues: truth.openIssues,
    });

    // Every red PR, paged 7 at a time, exactly once and none of the removed repository's.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        page: Array<{ id: string; health: string; healthReasons: string[]; repository: string }>;
        isDone: boolean;
        continueCursor: string;
      } = await t.withIdentity(member).query(api.dashboard.lists.pullRequests, {
        installationId,
        health: "red",
        paginationOpts: { numItems: 7, cursor },
      });
      seen.push(...page.page.map((p) => p.id));
      expect(
        page.page.every((p) => p.health === "red" && p.healthReasons.length > 0 && p.repository !== "acme/repo-2"),
      ).toBe(true);
      cursor = page.isDone ? null : page.continueCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(truth.byHealth.red);
  });

  test("every pull request and activity filter combination equals a recount, and a page reads about its size", async () => {
    const t = makeConvex();
    const { installationId, member } = await orgWithMember(t);
    await seedInstallation(t, installationId, 4, 240);
    const { prs, events, repositoryId } = await t.run(async (ctx) => ({
      prs: await ctx.db.query("pullRequests").collect(),
      events: await ctx.db.query("activityEvents").collect(),
      repositoryId: (await ctx.db.query("repositories").collect())[1]!._id,
    }));
    const newestFirst = <T extends { _id: string; _creationTime: number }>(rows: T[], time: (row: T) => number) =>
      [...rows].sort((a, b) => time(b) - time(a) || b._creationTime - a._creationTime).map((row) => row._id);
    const asMember = t.withIdentity(member);
    const filters = [
      { state: "open" },
      { state: "closed" },
      { state: "merged" },
      { state: "all" },
      { health: "green" },
      { health: "yellow" },
      { health: "red" },
    ] as const;
    for (const repo of [undefined, repositoryId]) {
      for (const author of [undefined, "dev3"]) {
        for (const f of filters) {
          const args = { installationId, ...(repo && { repositoryId: repo }), ...(author && { author }), ...f };
          const expected = newestFirst(
            prs.filter(
              (p) =>
                (!repo || p.repositoryId === repo) &&
                (!author || p.authorLogin === author) &&
                ("health" in f
                  ? p.state === "open" && p.health === f.health
                  : f.state === "all" || p.state === f.state),
            ),
            (p) => p.updatedAt,
          );
          const all = await everyPage((paginationOpts) =>
            asMember.query(api.dashboard.lists.pullRequests, { ...args, paginationOpts }),
          );
          expect(
            all.map((p) => p.id as string),
            JSON.stringify({ repo: !!repo, author, ...f }),
          ).toEqual(expected);
          const page = await measureQuery(t, member, api.dashboard.lists.pullRequests, {
            ...args,
            paginationOpts: { numItems: 5, cursor: null },
          });
          expect(page.documentsRead, JSON.stringify({ repo: !!repo, author, ...f })).toBeLessThanOrEqual(5 + 10);
        }
      }
    }
    for (const repo of [undefined, repositoryId]) {
      for (const actor of [undefined, "dev3"]) {
        const args = { installationId, ...(repo && { repositoryId: repo }), ...(actor && { actor }) };
        const expected = newestFirst(
          events.filter((e) => (!repo || e.repositoryId === repo) && (!actor || e.actorLogin === actor)),
          (e) => e.occurredAt,
        );
        const all = await everyPage((paginationOpts) =>
          asMember.query(api.dashboard.lists.activity, { ...args, paginationOpts }),
        );
        expect(all.map((e) => e.id as string)).toEqual(expected);
        const page = await measureQuery(t, member, api.dashboard.lists.activity, {
          ...args,
          paginationOpts: { numItems: 5, cursor: null },
        });
        expect(page.documentsRead).toBeLessThanOrEqual(5 + 10);
      }
    }
  });

  test("pagination stays stable while writes happen between pages", async () => {
    const t = makeConvex();
    const { installationId, member } = await orgWithMember(t);
    await seedInstallation(t, installationId, 2, 40);
    const first = await t.withIdentity(member).query(api.dashboard.lists.pullRequests, {
      installationId,
      state: "all",
      paginationOpts: { numItems: 10, cursor: null },
    });
    // A new PR (newest, so before the cursor) and an update of an old one land between pages.
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records: [
        {
          kind: "pullRequest",
          record: pr({
            repoGithubId: 100_000,
            githubId: 1,
            number: 999,
            updatedAt: Date.UTC(2030, 0, 1),
            createdAt: Date.UTC(2030, 0, 1),
          }),
        },
      ],
    });
    const ids = new Set(first.page.map((p) => p.id));
    let cursor: string | null = first.continueCursor;
    let total = first.page.length;
    while (cursor) {
      const next: string = cursor;
      const page = await t.withIdentity(member).query(api.dashboard.lists.pullRequests, {
        installationId,
        state: "all",
        paginationOpts: { numItems: 10, cursor: next },
      });
      for (const p of page.page) {
        expect(ids.has(p.id)).toBe(false);
        ids.add(p.id);
      }
      total += page.page.length;
      cursor = page.isDone ? null : page.continueCursor;
    }
    expect(total).toBe(40); // the 41st landed before the first page's cursor: no duplicate, no gap
  });
});

describe("tenant isolation", () => {
  test("a user sees their own account's, their installs' and their organisations' installations only", async () => {
    const t = makeConvex();
    const { installationId, member } = await orgWithMember(t);
    const personal = await createInstallation(t, { githubInstallationId: 2002, accountLogin: "mona", accountId: 42 });
    const installedByMona = await t.mutation(internal.model.ingest.upsertInstallation, {
      githubInstallationId: 3003,
      accountLogin: "other-org",
      accountId: 7777,
      accountType: "Organization",
      installedByGithubUserId: 42,
      installedByLogin: "mona",
    });
    const foreign = await createInstallation(t, { githubInstallationId: 4004, accountLogin: "rival", accountId: 8888 });
    const mine = await t.withIdentity(member).query(api.dashboard.summary.myInstallations, {});
    expect(mine.map((i) => i.installationId).sort()).toEqual([installationId, personal, installedByMona].sort());
    expect(await t.withIdentity(member).query(api.dashboard.summary.summary, { installationId: foreign })).toBeNull();
  });

  test("every public function gives a stranger, another org's user and an anonymous caller nothing", async () => {
    const t = makeConvex();
    const { installationId } = await orgWithMember(t);
    await seedInstallation(t, installationId, 2, 10);
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    const stranger = await signInAs(t, 77, "eve");
    const otherOrgUser = await signInAs(t, 88, "mallory");
    await createInstallation(t, { githubInstallationId: 5005, accountLogin: "mallory-org", accountId: 5555 });
    await t.run((ctx) => recordMembership(ctx, { accountId: 5555, githubUserId: 88, login: "mallory", member: true }));

    const deadDeliveryId = await t.run((ctx) =>
      ctx.db.insert("webhookDeliveries", {
        deliveryId: "dead-1",
        event: "pull_request",
        installationGithubId: 1001,
        receivedAt: 0,
        bytes: 2,
        status: "dead",
        attempts: 5,
      }),
    );
    const destinationId = await t.run((ctx) =>
      ctx.db.insert("notificationDestinations", {
        installationId,
        kind: "slack",
        url: "https://hooks.slack.com/services/T1/B1/secret",
        hint: "hooks.slack.com/…/cret",
        label: "#alerts",
        enabled: false,
        disabledReason: "revoked",
        createdBy: "mona",
        createdAt: 0,
        updatedBy: "mona",
        updatedAt: 0,
      }),
    );
    const entryId = await t.run((ctx) =>
      ctx.db.insert("watchEntries", {
        installationId,
        fullName: "facebook/react",
        key: "facebook/react",
        addedBy: { login: "mona" },
        addedAt: 0,
        status: "ready",
        attempts: 0,
        etags: {},
        scoreHistory: [],
        alertOn: { scoreDrop: true, checkFell: true, archived: true, securityPolicyRemoved: true, newRelease: true },
        notes: 0,
      }),
    );
    const reportId = await t.run(async (ctx) =>
      ctx.db.insert("savedReports", {
        installationId,
        name: "Delivery",
        author: { userId: (await ctx.db.query("users").first())!._id, login: "mona" },
        shared: true,
        page: "analytics",
        filters: { days: 30 },
        figures: ["cycle_time", "dora"],
        createdAt: 0,
        updatedAt: 0,
      }),
    );
    const page = { numItems: 10, cursor: null };
    // Every public query and mutation, by name: a new public function must be added here.
    const calls: Record<string, (c: TestConvex | ReturnType<TestConvex["withIdentity"]>) => Promise<unknown>> = {
      "dashboard/summary:summary": (c) => c.query(api.dashboard.summary.summary, { installationId }),
      "dashboard/summary:myInstallations": (c) => c.query(api.dashboard.summary.myInstallations, {}),
      "dashboard/summary:me": (c) => c.query(api.dashboard.summary.me, {}),
      "dashboard/lists:repositories": (c) =>
        c.query(api.dashboard.lists.repositories, { installationId, paginationOpts: page }),
      "dashboard/lists:pullRequests": (c) =>
        c.query(api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, repositoryId }),
      "dashboard/lists:activity": (c) =>
        c.query(api.dashboard.lists.activity, { installationId, paginationOpts: page }),
      "dashboard/trends:trends": (c) => c.query(api.dashboard.trends.trends, { installationId, days: 30 }),
      "dashboard/trends:userStats": (c) => c.query(api.dashboard.trends.userStats, { installationId, days: 30 }),
      "dashboard/inbox:inbox": (c) => c.query(api.dashboard.inbox.inbox, { installationId }),
      "dashboard/reviewerLoad:reviewerLoad": (c) =>
        c.query(api.dashboard.reviewerLoad.reviewerLoad, { installationId }),
      "dashboard/analytics:cycleTime": (c) =>
        c.query(api.dashboard.analytics.cycleTime, { installationId, from: 20_000, to: 20_029 }),
      "dashboard/analytics:mergedPullRequests": (c) =>
        c.query(api.dashboard.analytics.mergedPullRequests, {
          installationId,
          from: 20_000,
          to: 20_029,
          repositoryId,
          paginationOpts: page,
        }),
      "dashboard/analytics:filterOptions": (c) => c.query(api.dashboard.analytics.filterOptions, { installationId }),
      "dashboard/analytics:sizes": (c) =>
        c.query(api.dashboard.analytics.sizes, { installationId, from: 20_000, to: 20_029 }),
      "dashboard/dora:metrics": (c) =>
        c.query(api.dashboard.dora.metrics, { installationId, from: 20_000, to: 20_029 }),
      "dashboard/dora:deployments": (c) =>
        c.query(api.dashboard.dora.deployments, {
          installationId,
          from: 20_000,
          to: 20_029,
          paginationOpts: page,
        }),
      "dashboard/organisations:overview": (c) =>
        c
          .query(api.dashboard.organisations.overview, { today: 20_029 })
          .then((rows) => rows.filter((r) => r.installationId === installationId)),
      "settings:repositorySettings": (c) => c.query(api.settings.repositorySettings, { installationId }),
      "settings:updateRepositorySettings": (c) =>
        c
          .mutation(api.settings.updateRepositorySettings, { repositoryId, deploymentWorkflow: "deploy.yml" })
          .catch((e: Error) => ({ error: e.message })),
      "sync/status:getStatus": (c) => c.query(api.sync.status.getStatus, { installationId }),
      "sync/status:syncNow": (c) =>
        c.mutation(api.sync.status.syncNow, { installationId }).catch((e: Error) => ({ error: e.message })),
      "dashboard/syncHealth:syncHealth": (c) =>
        c.query(api.dashboard.syncHealth.syncHealth, { installationId, hour: 0 }),
      "dashboard/syncHealth:deadDeliveries": (c) =>
        c.query(api.dashboard.syncHealth.deadDeliveries, { installationId, paginationOpts: page }),
      "dashboard/syncHealth:replayDelivery": (c) =>
        c
          .mutation(api.dashboard.syncHealth.replayDelivery, { id: deadDeliveryId })
          .catch((e: Error) => ({ error: e.message })),
      "settings:get": (c) => c.query(api.settings.get, { installationId }),
      "settings:update": (c) =>
        c
          .mutation(api.settings.update, { installationId, staleAfterDays: 3 })
          .catch((e: Error) => ({ error: e.message })),
      "settings:preview": (c) =>
        c.query(api.settings.preview, {
          installationId,
          today: 20_000,
          agreements: { pickupHours: 24, openDays: 14, maxChangedLines: 500, maxOpenRequests: 5 },
        }),
      "alerts/bell:list": (c) => c.query(api.alerts.bell.list, { installationId, paginationOpts: page }),
      "alerts/bell:unreadCount": (c) => c.query(api.alerts.bell.unreadCount, { installationId }),
      "alerts/bell:markRead": (c) =>
        c.mutation(api.alerts.bell.markRead, { installationId }).catch((e: Error) => ({ error: e.message })),
      "alerts/rows:open": (c) => c.query(api.alerts.rows.open, { installationId, everyone: true }),
      "notify/destinations:setCadence": (c) =>
        c
          .mutation(api.notify.destinations.setCadence, { destinationId, cadence: "daily" })
          .catch((e: Error) => ({ error: e.message })),
      "notify/destinations:list": (c) => c.query(api.notify.destinations.list, { installationId }),
      "notify/destinations:deliveries": (c) =>
        c.query(api.notify.destinations.deliveries, { installationId, paginationOpts: page }),
      "notify/destinations:add": (c) =>
        c
          .mutation(api.notify.destinations.add, {
            installationId,
            url: "https://hooks.slack.com/services/T1/B1/other",
            label: "#x",
          })
          .catch((e: Error) => ({ error: e.message })),
      "notify/destinations:replaceUrl": (c) =>
        c
          .mutation(api.notify.destinations.replaceUrl, {
            destinationId,
            url: "https://hooks.slack.com/services/T1/B1/other",
          })
          .catch((e: Error) => ({ error: e.message })),
      "notify/destinations:remove": (c) =>
        c.mutation(api.notify.destinations.remove, { destinationId }).catch((e: Error) => ({ error: e.message })),
      "notify/destinations:enable": (c) =>
        c.mutation(api.notify.destinations.enable, { destinationId }).catch((e: Error) => ({ error: e.message })),
      "notify/destinations:sendTest": (c) =>
        c.mutation(api.notify.destinations.sendTest, { destinationId }).catch((e: Error) => ({ error: e.message })),
      "notify/push:settings": (c) => c.query(api.notify.push.settings, { installationId }),
      "notify/push:subscribe": (c) =>
        c
          .mutation(api.notify.push.subscribe, {
            installationId,
            endpoint: "https://push.example.test/x",
            p256dh: "BPf",
            auth: "a",
            label: "x",
          })
          .catch((e: Error) => ({ error: e.message })),
      "notify/push:unsubscribe": (c) =>
        c
          .mutation(api.notify.push.unsubscribe, { installationId, endpoint: "https://push.example.test/x" })
          .catch((e: Error) => ({ error: e.message })),
      "dashboard/watchlist:list": (c) =>
        c.query(api.dashboard.watchlist.list, { installationId }).then((r) => r.entries),
      "dashboard/watchlist:detail": (c) => c.query(api.dashboard.watchlist.detail, { installationId, entryId }),
      "watchlist/entries:add": (c) =>
        c
          .mutation(api.watchlist.entries.add, { installationId, repository: "facebook/vue" })
          .catch((e: Error) => ({ error: e.message })),
      "watchlist/entries:retry": (c) =>
        c.mutation(api.watchlist.entries.retry, { entryId }).catch((e: Error) => ({ error: e.message })),
      "watchlist/entries:refresh": (c) =>
        c.mutation(api.watchlist.entries.refresh, { entryId }).catch((e: Error) => ({ error: e.message })),
      "watchlist/entries:setAlerts": (c) =>
        c
          .mutation(api.watchlist.entries.setAlerts, {
            entryId,
            alertOn: {
              scoreDrop: false,
              checkFell: false,
              archived: false,
              securityPolicyRemoved: false,
              newRelease: false,
            },
          })
          .catch((e: Error) => ({ error: e.message })),
      "watchlist/entries:addNote": (c) =>
        c.mutation(api.watchlist.entries.addNote, { entryId, body: "x" }).catch((e: Error) => ({ error: e.message })),
      "watchlist/entries:remove": (c) =>
        c.mutation(api.watchlist.entries.remove, { entryId }).catch((e: Error) => ({ error: e.message })),
      "reports/saved:list": (c) => c.query(api.reports.saved.list, { installationId }),
      "reports/saved:get": (c) => c.query(api.reports.saved.get, { installationId, reportId }),
      "reports/saved:save": (c) =>
        c
          .mutation(api.reports.saved.save, { installationId, name: "x", shared: true, page: "pulls", filters: {} })
          .catch((e: Error) => ({ error: e.message })),
      "reports/saved:update": (c) =>
        c.mutation(api.reports.saved.update, { reportId, name: "x" }).catch((e: Error) => ({ error: e.message })),
      "reports/saved:remove": (c) =>
        c.mutation(api.reports.saved.remove, { reportId }).catch((e: Error) => ({ error: e.message })),
      "reports/saved:setWeekly": (c) =>
        c
          .mutation(api.reports.saved.setWeekly, { reportId, destinationId })
          .catch((e: Error) => ({ error: e.message })),
    };
    const nothing = (r: unknown) =>
      r === null ||
      (Array.isArray(r) && r.length === 0) ||
      (typeof r === "object" && r !== null && "page" in r && (r as { page: unknown[] }).page.length === 0) ||
      (typeof r === "object" &&
        r !== null &&
        "error" in r &&
        /not found/i.test(String((r as { error: string }).error)));
    for (const [name, call] of Object.entries(calls)) {
      for (const [who, caller] of [
        ["anonymous", t],
        ["stranger", t.withIdentity(stranger)],
        ["other org", t.withIdentity(otherOrgUser)],
      ] as const) {
        const result = await call(caller);
        // Who the caller is: only themselves (nothing of the installation's people).
        if (name === "dashboard/summary:me") {
          const own = { anonymous: null, stranger: "eve", "other org": "mallory" }[who];
          expect((result as { login: string } | null)?.login ?? null, `${name} as ${who}`).toBe(own);
          continue;
        }
        if (name === "dashboard/summary:myInstallations" && who === "other org") {
          expect(
            (result as Array<{ installationId: Id<"installations"> }>).some((i) => i.installationId === installationId),
            `${name} as ${who}`,
          ).toBe(false);
          continue;
        }
        expect(nothing(result), `${name} as ${who}: ${JSON.stringify(result)}`).toBe(true);
      }
    }
    // The list above covers every public function in convex/ (internal ones are not callable by clients).
    const publicFunctions = await listPublicFunctions();
    expect(publicFunctions.filter((f) => !(f in calls) && !f.startsWith("auth:"))).toEqual([]);
  });

  test("every public function is built by a builder that checks the caller (convex/builders.ts)", async () => {
    // Convex Auth's own functions (auth:*) are the sign-in itself.
    const access = await publicFunctionAccess();
    const unchecked = Object.entries(access).filter(([name, mark]) => !name.startsWith("auth:") && mark === undefined);
    expect(unchecked.map(([name]) => name)).toEqual([]);
    expect(Object.keys(access).length).toBeGreaterThan(30);
  });

  test("an installer naming another installation's repository through their own installation gets nothing", async () => {
    const t = makeConvex();
    // The victim: a private repository with a merged PR and its activity.
    const victim = await createInstallation(t);
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId: victim,
      repositories: [repo({ githubId: 700, name: "vault", private: true })],
    });
    const mergedAt = T0 + 2 * 3_600_000;
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId: victim,
      records: [
        {
          kind: "pullRequest",
          record: pr({
            repoGithubId: 700,
            title: "secret plan",
            state: "merged",
            mergedAt,
            closedAt: mergedAt,
            updatedAt: mergedAt,
          }),
        },
      ],
    });
    const vault = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    // Mallory installs the App on her own account: she has full access to that installation.
    const mine = await createInstallation(t, { githubInstallationId: 6006, accountLogin: "mallory", accountId: 555 });
    const mallory = t.withIdentity(await signInAs(t, 555, "mallory"));
    const owner = t.withIdentity(await signInAs(t, OWNER, "acme"));
    const day = Math.floor(T0 / 86_400_000);
    const page = { numItems: 10, cursor: null };
    const probes = {
      pullRequests: (c: typeof owner, installationId: Id<"installations">) =>
        c.query(api.dashboard.lists.pullRequests, {
          installationId,
          repositoryId: vault,
          state: "all",
          paginationOpts: page,
        }),
      activity: (c: typeof owner, installationId: Id<"installations">) =>
        c.query(api.dashboard.lists.activity, { installationId, repositoryId: vault, paginationOpts: page }),
      mergedPullRequests: (c: typeof owner, installationId: Id<"installations">) =>
        c.query(api.dashboard.analytics.mergedPullRequests, {
          installationId,
          repositoryId: vault,
          from: day - 1,
          to: day + 1,
          paginationOpts: page,
        }),
    };
    for (const [name, probe] of Object.entries(probes)) {
      // The owner, through their own installation, sees the rows: the probe can tell a leak.
      expect((await probe(owner, victim)).page.length, name).toBeGreaterThan(0);
      expect((await probe(mallory, mine)).page, name).toEqual([]);
    }
    const range = { repositoryId: vault, from: day - 1, to: day + 1 };
    expect(await mallory.query(api.dashboard.analytics.cycleTime, { installationId: mine, ...range })).toBeNull();
    expect(await mallory.query(api.dashboard.dora.metrics, { installationId: mine, ...range })).toBeNull();
    expect(
      (await mallory.query(api.dashboard.dora.deployments, { installationId: mine, ...range, paginationOpts: page }))
        .page,
    ).toEqual([]);
    await expect(
      mallory.mutation(api.settings.updateRepositorySettings, { repositoryId: vault, deploymentWorkflow: "x.yml" }),
    ).rejects.toThrow(/not found/i);
  });

  test("deleted installations and removed repositories are invisible", async () => {
    const t = makeConvex();
    const { installationId, member } = await orgWithMember(t);
    await seedInstallation(t, installationId, 2, 10);
    await t.mutation(internal.model.ingest.removeRepositories, { installationId, githubIds: [100_000] });
    const repos = await t
      .withIdentity(member)
      .query(api.dashboard.lists.repositories, { installationId, paginationOpts: { numItems: 10, cursor: null } });
    expect(repos.page.map((r) => r.fullName)).toEqual(["acme/repo-1"]);
    const activity = await t
      .withIdentity(member)
      .query(api.dashboard.lists.activity, { installationId, paginationOpts: { numItems: 100, cursor: null } });
    expect(activity.page.every((e) => e.repository === "acme/repo-1")).toBe(true);
    await t.run((ctx) => ctx.db.patch(installationId, { status: "deleted" }));
    expect(await t.withIdentity(member).query(api.dashboard.summary.summary, { installationId })).toBeNull();
    expect(await t.withIdentity(member).query(api.dashboard.summary.myInstallations, {})).toEqual([]);
  });
});

/** Every row of a paginated query, read in pages of the largest size. */
async function everyPage<T>(
  page: (o: {
    numItems: number;
    cursor: string | null;
  }) => Promise<{ page: T[]; isDone: boolean; continueCursor: string }>,
): Promise<T[]> {
  const rows: T[] = [];
  for (let cursor: string | null = null; ;) {
    const result = await page({ numItems: MAX_PAGE_SIZE, cursor });
    rows.push(...result.page);
    if (result.isDone) return rows;
    cursor = result.continueCursor;
  }
}
