// @vitest-environment node
/**
 * The React app in a real browser (Debian's Chromium via playwright-core), fed by the real Convex
 * functions running in convex-test (tests/browser/harness.ts). Screenshots of the main states land
 * in tests/output/screenshots and are checked: non-blank, key text visible.
 */
import { mkdirSync, statSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { recordMembership } from "../convex/memberships";
import type { Id } from "../convex/_generated/dataModel";
import { startHarness } from "./browser/harness";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { patchSyncState } from "./helpers/syncState";
import { ci, pr, repo } from "./helpers/records";
import { seedInstallation } from "./helpers/seed";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";
import examples from "@octokit/webhooks-examples";

const SHOTS = "tests/output/screenshots";
let browser: Browser;
let t: TestConvex;
let harness: Awaited<ReturnType<typeof startHarness>>;
let installationId: Id<"installations">;
let admin: { subject: string };
let newcomer: { subject: string };
let member: { subject: string };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A configured GitHub App whose API never answers: a sync started from the page stays in
  // progress for as long as the test looks at it.
  vi.stubEnv("GITHUB_APP_ID", "1");
  vi.stubEnv(
    "GITHUB_APP_PRIVATE_KEY",
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  );
  vi.stubGlobal("fetch", () => new Promise(() => {}));
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  t = makeConvex();
  installationId = await createInstallation(t);
  await seedInstallation(t, installationId, 3, 45);
  admin = await signInAs(t, 9001, "acme"); // the organisation account itself
  newcomer = await signInAs(t, 1234, "newbie");
  // dev1, a member of the organisation, authored some of the seeded pull requests.
  await t.run((ctx) => recordMembership(ctx, { accountId: 9001, githubUserId: 5001, login: "dev1", member: true }));
  member = await signInAs(t, 5001, "dev1");
  harness = await startHarness(t);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/** Open the app at `path` (`/` lands on the inbox) as `as`. Pages: /acme/{inbox,pulls,repos,activity}. */
async function open(as: { subject: string } | null, width = 1280, path = "/"): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const join = path.includes("?") ? "&" : "?";
  await page.goto(`${harness.url}${path}${as ? `${join}as=${encodeURIComponent(as.subject)}` : ""}`);
  return page;
}

/** The path of the page's URL (the query string, which carries the test's sign-in, left out). */
const pathOf = (page: Page) => new URL(page.url()).pathname;

/** Save a screenshot and check it: not blank, and the page shows the key text. */
async function shoot(page: Page, name: string, keyText: string) {
  await page.getByText(keyText).first().waitFor();
  const path = `${SHOTS}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size, `${name}.png is blank`).toBeGreaterThan(12_000);
  expect(await page.textContent("body")).toContain(keyText);
}

const patchSync = (patch: Parameters<typeof patchSyncState>[2]) => patchSyncState(t, installationId, patch);
const budget = (remaining: number, resetAt = Date.now() + 20 * 60_000) => ({
  core: { resource: "core", limit: 5000, remaining, used: 5000 - remaining, resetAt, observedAt: Date.now() },
});

describe("the app in Chromium", () => {
  test("signed out: the sign-in call to action", async () => {
    const page = await open(null);
    await shoot(page, "signed-out", "Sign in with GitHub");
    await page.close();
  });

  test("no installation: install the GitHub App", async () => {
    const page = await open(newcomer);
    await shoot(page, "no-installation", "Install the GitHub App");
    expect(await page.getByRole("link", { name: "Install the GitHub App" }).getAttribute("href")).toContain(
      "github.com/apps/",
    );
    await page.close();
  });

  test("pages: repositories with sync status, pull requests, activity; nav links and the back button", async () => {
    await patchSync({ rateLimits: budget(4200), sync: { lastSyncedAt: Date.now() - 3 * 60_000 } });
    // After that sync: two repositories ready, one failed with the reason the worker stored.
    await t.run(async (ctx) => {
      for (const repo of await ctx.db
        .query("repositories")
        .withIndex("by_installation", (q) => q.eq("installationId", installationId))
        .collect()) {
        const failed = repo.fullName === "acme/repo-2";
        await ctx.db.patch(
          repo._id,
          failed
            ? { syncStatus: "failed", syncError: "The app has no access to this repository." }
            : { syncStatus: "ready" },
        );
      }
    });
    harness.changed();
    const page = await open(admin);
    // A signed-in user lands on the inbox of their (first) installation.
    await expect.poll(() => pathOf(page)).toBe("/acme/inbox");
    const nav = page.getByRole("navigation", { name: "Pages" });
    expect(await nav.getByRole("link", { name: "Inbox" }).getAttribute("aria-current")).toBe("page");
    // The account bar is on every page; the figures live on the overview.
    await page.getByRole("region", { name: "Account" }).waitFor();
    await page.getByRole("button", { name: "Sync now" }).waitFor();

    // Repositories: each repository with its sync status; the integration health beside them.
    await nav.getByRole("link", { name: "Repositories" }).click();
    await expect.poll(() => pathOf(page)).toBe("/acme/repos");
    expect(await page.title()).toBe("Repositories · acme · Syncboard");
    const repoRows = page.locator("table.repos tbody tr");
    await repoRows.filter({ hasText: "acme/repo-2" }).getByText("✕ failed").waitFor();
    expect(await repoRows.filter({ hasText: "acme/repo-2" }).textContent()).toContain(
      "The app has no access to this repository.",
    );
    expect(await repoRows.filter({ hasText: "acme/repo-0" }).textContent()).toContain("✓ ready");
    // getStatus's failedRepositories: a short list with the count, each with its reason.
    const failedRepos = page.getByRole("group", { name: "1 repository failed to sync" });
    await failedRepos.waitFor();
    expect(await failedRepos.locator("li").count()).toBe(1);
    expect(await failedRepos.locator("li").textContent()).toBe(
      "acme/repo-2 — The app has no access to this repository.",
    );
    await page.getByText("3 minutes ago").first().waitFor();
    await page.getByText("4,200 of 5,000 requests left").waitFor();
    await shoot(page, "repositories", "acme/repo-2");

    // Pull requests: health with reasons (text, not only colour), whose turn, trends.
    await nav.getByRole("link", { name: "Pull requests" }).click();
    await expect.poll(() => pathOf(page)).toBe("/acme/pulls");
    const firstRow = page.locator("table.prs tbody tr").first();
    await firstRow.waitFor();
    expect(await firstRow.textContent()).toMatch(/(✓ Green|● Yellow|✕ Red)/);
    const headers = await page.locator("table.prs thead th").allTextContents();
    expect(headers).toEqual(["Health", "Pull request", "Why", "Size", "Waiting on", "Updated"]);
    await page.locator(".recharts-surface").first().waitFor();
    expect(await page.getByRole("main").count()).toBe(1);
    await shoot(page, "dashboard", "Pull requests opened");

    // Activity.
    await nav.getByRole("link", { name: "Activity" }).click();
    await expect.poll(() => pathOf(page)).toBe("/acme/activity");
    await page.locator("ol.feed li").first().waitFor();
    expect(await page.locator("ol.feed li").count()).toBeGreaterThan(5);
    expect(await nav.getByRole("link", { name: "Activity" }).getAttribute("aria-current")).toBe("page");
    // After a navigation, focus is on the new page's heading.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Activity");

    // The back button walks the pages back, and forward again; each page renders from its URL.
    await page.goBack();
    await expect.poll(() => pathOf(page)).toBe("/acme/pulls");
    await page.locator("table.prs tbody tr").first().waitFor();
    await page.goBack();
    await expect.poll(() => pathOf(page)).toBe("/acme/repos");
    await page.locator("table.repos tbody tr").first().waitFor();
    await page.goBack();
    await expect.poll(() => pathOf(page)).toBe("/acme/inbox");
    await page.goForward();
    await expect.poll(() => pathOf(page)).toBe("/acme/repos");
    await page.locator("table.repos tbody tr").first().waitFor();
    await page.close();
  });

  test("deep links: /pulls, /acme/activity; an account the user cannot see; an unknown page", async () => {
    const page = await open(admin, 1280, "/pulls");
    // /pulls names no account: the first installation's, with the query string kept.
    await expect.poll(() => pathOf(page)).toBe("/acme/pulls");
    expect(new URL(page.url()).searchParams.get("as")).toBe(admin.subject);
    await page.locator("table.prs tbody tr").first().waitFor();
    expect(await page.locator("table.prs tbody tr").count()).toBe(25);

    await page.goto(`${harness.url}/acme/activity?as=${encodeURIComponent(admin.subject)}`);
    await page.locator("ol.feed li").first().waitFor();
    expect(pathOf(page)).toBe("/acme/activity");

    await page.goto(`${harness.url}/ACME/pulls?as=${encodeURIComponent(admin.subject)}`);
    await expect.poll(() => pathOf(page)).toBe("/acme/pulls"); // the account's own spelling

    await page.goto(`${harness.url}/someone-else/inbox?as=${encodeURIComponent(admin.subject)}`);
    await page.getByText("No installation for “someone-else”").waitFor();
    await page.getByRole("link", { name: "acme" }).click();
    await expect.poll(() => pathOf(page)).toBe("/acme/inbox");

    await page.goto(`${harness.url}/acme/nowhere?as=${encodeURIComponent(admin.subject)}`);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    await page.getByRole("button", { name: "Sync now" }).waitFor(); // the account bar still works
    await page.close();
  });

  test("inbox: three sections, each with rows (oldest first) or its empty state; 1280 and 360 px", async () => {
    for (const width of [1280, 360]) {
      const page = await open(member, width);
      await expect.poll(() => pathOf(page)).toBe("/acme/inbox");
      const main = page.getByRole("main");
      await main.locator("li.inbox-row").first().waitFor();
      const sections = [
        ["Review requested from you", "No review is requested from you."],
        ["Your pull requests that need you", "None of your pull requests needs you."],
        ["Yours, waiting on others", "None of your pull requests is waiting on others."],
      ] as const;
      for (const [heading, empty] of sections) {
        // A section with rows is a region with its heading; an empty one is one line saying so.
        const section = main.getByRole("region", { name: heading });
        const rows = section.locator("li.inbox-row");
        if ((await rows.count()) === 0) {
          await main.getByText(empty).waitFor();
          continue;
        }
        for (const text of await rows.allTextContents()) {
          expect(text).toMatch(/^(✓ Green|● Yellow|✕ Red)/); // health as text and icon
          expect(text).toMatch(/waiting (less than a minute|\d+ (minute|hour|day)s?)$/);
        }
        const since = await rows.locator("time").evaluateAll((ts) => ts.map((t) => t.getAttribute("datetime")!));
        expect(since, `${heading}: oldest first`).toEqual([...since].sort());
      }
      await shoot(page, `inbox-${width}`, "No review is requested from you.");
      if (width === 1280) {
        // Live: a new pull request of dev1's whose checks fail reaches their inbox without a reload.
        const now = Date.now();
        const mine = pr({
          repoGithubId: 100_000,
          githubId: 4_343,
          number: 4_343,
          title: "Inbox live demo",
          authorLogin: "dev1",
          url: "https://github.com/acme/repo-0/pull/4343",
          headSha: "e".repeat(40),
          createdAt: now - 3_600_000,
          updatedAt: now - 3_600_000,
        });
        await t.mutation(internal.model.ingest.applyRecords, {
          installationId,
          records: [
            { kind: "pullRequest", record: mine },
            {
              kind: "ci",
              record: ci({
                repoGithubId: 100_000,
                sha: mine.headSha,
                name: "lint",
                state: "failure",
                updatedAt: now,
              }),
            },
          ],
        });
        harness.changed();
        const row = main
          .getByRole("region", { name: "Your pull requests that need you" })
          .locator("li.inbox-row")
          .filter({ hasText: "Inbox live demo" });
        await row.waitFor();
        expect(await row.textContent()).toContain("✕ Red");
        expect(await row.textContent()).toContain("Checks are failing");
      }
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      await page.close();
    }
  });

  test("a review requested by webhook reaches the reviewer's and the team members' inboxes live; a review hands it to the author", async () => {
    type Example = { name: string; examples: Array<Record<string, any>> };
    const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;
    const user = (id: number, login: string) => ({ ...of("pull_request")[0]!.sender, id, login });
    const platform = { id: 55, node_id: "T_55", slug: "platform", name: "Platform", permission: "pull" };
    // dev2 and dev3 are organisation members; dev3 joins the platform team by GitHub's own webhook.
    await t.run(async (ctx) => {
      for (const [id, login] of [
        [5002, "dev2"],
        [5003, "dev3"],
      ] as const) {
        await recordMembership(ctx, { accountId: 9001, githubUserId: id, login, member: true });
      }
    });
    const joined = structuredClone(of("membership").find((p) => p.action === "added")!);
    joined.organization = { ...joined.organization, id: 9001, login: "acme" };
    joined.team = { ...joined.team, ...platform };
    joined.member = user(5003, "dev3");
    expect((await deliver(t, "membership", joined)).status).toBe(202);
    await t.finishInProgressScheduledFunctions();
    const reviewer = await signInAs(t, 5002, "dev2");
    const teamMember = await signInAs(t, 5003, "dev3");

    const pages = {
      reviewer: await open(reviewer, 1280, "/acme/inbox"),
      teamMember: await open(teamMember, 1280, "/acme/inbox"),
      author: await open(member, 1280, "/acme/inbox"),
    };
    for (const page of Object.values(pages)) await page.locator(".inbox").waitFor();
    const rowIn = (page: Page, section: string) =>
      page.getByRole("region", { name: section }).locator("li.inbox-row").filter({ hasText: "Live review request" });

    // dev1 asks dev2 and the platform team for a review (GitHub's payload, one event per request).
    const requested = structuredClone(of("pull_request").find((p) => p.action === "review_requested")!);
    const now = Date.now();
    requested.installation = { ...requested.installation, id: 1001 };
    requested.repository = {
      ...requested.repository,
      id: 100_000,
      name: "repo-0",
      full_name: "acme/repo-0",
      private: false,
      owner: user(9001, "acme"),
    };
    Object.assign(requested.pull_request, {
      id: 5_151_000,
      number: 5151,
      title: "Live review request",
      html_url: "https://github.com/acme/repo-0/pull/5151",
      user: user(5001, "dev1"),
      state: "open",
      draft: false,
      merged: false,
      created_at: new Date(now - 3_600_000).toISOString(),
      updated_at: new Date(now).toISOString(),
      requested_reviewers: [user(5002, "dev2")],
      requested_teams: [platform],
    });
    requested.requested_reviewer = user(5002, "dev2");
    expect((await deliver(t, "pull_request", requested)).status).toBe(202);
    const teamRequested = structuredClone(requested);
    delete teamRequested.requested_reviewer;
    teamRequested.requested_team = platform;
    expect((await deliver(t, "pull_request", teamRequested)).status).toBe(202);
    await t.finishInProgressScheduledFunctions();

    await rowIn(pages.reviewer, "Review requested from you").waitFor();
    const viaTeam = rowIn(pages.teamMember, "Review requested from you");
    await viaTeam.waitFor();
    expect(await viaTeam.textContent()).toContain("requested from your team Platform");
    await rowIn(pages.author, "Yours, waiting on others").waitFor();
    await shoot(pages.teamMember, "inbox-team-request", "requested from your team Platform");

    // dev2 asks for changes: it leaves dev2's inbox and becomes the author's move, without a reload.
    const reviewed = structuredClone(of("pull_request_review").find((p) => p.action === "submitted")!);
    reviewed.installation = requested.installation;
    reviewed.repository = requested.repository;
    reviewed.pull_request = { ...reviewed.pull_request, ...requested.pull_request };
    reviewed.review = {
      ...reviewed.review,
      id: 5_151_001,
      user: user(5002, "dev2"),
      state: "changes_requested",
      submitted_at: new Date(now + 60_000).toISOString(),
    };
    expect((await deliver(t, "pull_request_review", reviewed)).status).toBe(202);
    await t.finishInProgressScheduledFunctions();
    await rowIn(pages.author, "Your pull requests that need you").waitFor();
    await expect.poll(() => rowIn(pages.reviewer, "Review requested from you").count()).toBe(0);
    for (const page of Object.values(pages)) await page.close();
  });

  test("reviewer load: people and teams, readable at 1280 and 360 px", async () => {
    for (const width of [1280, 360]) {
      const page = await open(admin, width, "/acme/reviewers");
      const people = page.getByRole("region", { name: "People" });
      await people.locator("tbody tr").first().waitFor();
      expect(await people.textContent()).toMatch(/Median response time/);
      await page.getByRole("region", { name: "Teams" }).waitFor();
      await shoot(page, `reviewer-load-${width}`, "Requests answered");
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      await page.close();
    }
  });

  test("the bell counts a new alert live, and its page lists it", async () => {
    // The bell counts the caller's own alerts (their PRs, their and their teams' requests): dev1's PR.
    const page = await open(member, 1280, "/acme/pulls");
    const bell = page.locator("a.bell");
    await bell.waitFor();
    const unread = async () => (await t.withIdentity(member).query(api.alerts.rows.open, { installationId }))!.unread;
    const before = await unread();
    await expect.poll(async () => Number(await bell.getAttribute("data-unread"))).toBe(before);
    // A pull request far over the size agreement (500 changed lines) arrives: one alert, live.
    const now = Date.now();
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records: [
        {
          kind: "pullRequest",
          record: pr({
            repoGithubId: 100_000,
            githubId: 4_545,
            number: 4_545,
            title: "Huge live change",
            authorLogin: "dev1",
            url: "https://github.com/acme/repo-0/pull/4545",
            headSha: "b".repeat(40),
            additions: 4_000,
            deletions: 1_000,
            changedFiles: 120,
            createdAt: now,
            updatedAt: now,
          }),
        },
      ],
    });
    await t.finishInProgressScheduledFunctions();
    await expect.poll(async () => Number(await bell.getAttribute("data-unread"))).toBe(before + 1);
    await bell.click();
    await expect.poll(() => pathOf(page)).toBe("/acme/alerts");
    await page.getByText("Huge live change").first().waitFor();
    await shoot(page, "alerts", "Huge live change");
    await page.close();
  });

  test("trends and your stats ask for the browser's UTC day, and move on at midnight", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const beforeMidnight = Date.UTC(2031, 4, 4, 23, 59, 30);
    await page.clock.install({ time: beforeMidnight });
    const asked: Array<{ name: string; args: { today?: number } }> = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/convex/query")) asked.push(JSON.parse(r.postData() ?? "{}"));
    });
    await page.goto(`${harness.url}/acme/pulls?as=${encodeURIComponent(admin.subject)}`);
    const daysAsked = (name: string) => asked.filter((q) => q.name === name).map((q) => q.args.today);
    const day = Math.floor(beforeMidnight / 86_400_000);
    await expect.poll(() => daysAsked("dashboard/trends:trends")).toEqual([day]);
    await expect.poll(() => daysAsked("dashboard/trends:userStats")).toEqual([day]);
    await page.getByText("last 30 days").waitFor();
    await page.clock.runFor(60_000); // past 00:00 UTC
    await expect.poll(() => daysAsked("dashboard/trends:trends")).toContain(day + 1);
    await expect.poll(() => daysAsked("dashboard/trends:userStats")).toContain(day + 1);
    // The new day's answer replaces the loading state (the chart is drawn again once it arrives).
    await expect.poll(() => page.locator(".recharts-surface").count()).toBeGreaterThan(0);
    await page.close();
  });

  test("pagination: load more", async () => {
    const page = await open(admin, 1280, "/acme/pulls");
    const rows = page.locator("table.prs tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(25);
    await page.getByRole("button", { name: "Load more", exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll("table.prs tbody tr").length > 25);
    const openCount = await t.run(
      async (ctx) => (await ctx.db.query("pullRequests").collect()).filter((p) => p.state === "open").length,
    );
    expect(await rows.count()).toBe(Math.min(50, openCount));
    await page.close();
  });

  test("a PR turns red live when a failing check arrives", async () => {
    const page = await open(admin, 1280, "/acme/pulls");
    // A new, green pull request arrives (the newest, so it is the first row)…
    const now = Date.now();
    const newest = pr({
      repoGithubId: 100_000,
      githubId: 4_242,
      number: 4_242,
      title: "Live health demo",
      url: "https://github.com/acme/repo-0/pull/4242",
      headSha: "d".repeat(40),
      createdAt: now,
      updatedAt: now,
    });
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records: [
        { kind: "pullRequest", record: newest },
        {
          kind: "ci",
          record: ci({ repoGithubId: 100_000, sha: newest.headSha, name: "build", state: "success", updatedAt: now }),
        },
      ],
    });
    harness.changed();
    const row = page.locator("table.prs tbody tr").filter({ hasText: "Live health demo" });
    await row.getByText("✓ Green").waitFor();
    // …then a failing check run on its head commit: the row turns red, with the reason, without a reload.
    await t.mutation(internal.model.ingest.applyRecords, {
      installationId,
      records: [
        {
          kind: "ci",
          record: ci({ repoGithubId: 100_000, sha: newest.headSha, name: "e2e", state: "failure", updatedAt: now + 1 }),
        },
      ],
    });
    harness.changed();
    await row.getByText("✕ Red").waitFor();
    expect(await row.textContent()).toContain("failing: e2e");
    await shoot(page, "pr-turned-red", "checks failing");
    await page.close();
  });

  test("empty state for a filter with no match", async () => {
    const page = await open(admin, 1280, "/acme/pulls");
    await page.getByLabel("Author").fill("nobody-at-all");
    await shoot(page, "empty-filter", "No pull requests match.");
    await page.close();
  });

  test("banner: syncing with progress, then blocked until a local time, then error with retry", async () => {
    await patchSync({
      rateLimits: budget(4200),
      sync: { lastSyncedAt: Date.now() - 2 * 3_600_000, lastManualSyncAt: undefined },
    });
    const { jobId } = await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" });
    await t.run((ctx) =>
      ctx.db.patch(jobId!, {
        state: "running",
        progress: { current: 1, total: 3, itemsFetched: 40, currentRepository: "acme/repo-1" },
      }),
    );
    harness.changed();
    const page = await open(admin, 1280, "/acme/pulls");
    await shoot(page, "banner-syncing", "Syncing acme/repo-1 — 1 of 3 repositories");
    expect(await page.getByRole("button", { name: "Syncing…" }).isDisabled()).toBe(true);

    const until = Date.now() + 25 * 60_000;
    await t.run((ctx) => ctx.db.patch(jobId!, { state: "blocked", blockedUntil: until }));
    harness.changed();
    await shoot(page, "banner-blocked", "Syncing paused until");
    const blockedBanner = await page.getByRole("status").filter({ hasText: "Syncing paused" }).textContent();
    expect(blockedBanner).toContain("resumes by itself");
    expect(blockedBanner).not.toContain("already running");

    await t.mutation(internal.sync.operators.cancelActiveJob, { installationId });
    await patchSync({
      sync: {
        state: "error",
        lastSyncError: "GitHub is not responding right now. The sync will be retried.",
        blockedUntil: undefined,
      },
    });
    harness.changed();
    await shoot(page, "banner-error", "Last sync failed: GitHub is not responding right now.");
    expect(await page.textContent("body")).not.toMatch(/Error:|stack|undefined/);
    await page.close();
  });

  test("Retry enables itself when the cooldown ends, with no other data change (a scheduled status tick)", async () => {
    await t.mutation(internal.sync.operators.cancelActiveJob, { installationId });
    const cooldownEndsAt = Date.now() + 6_000;
    await patchSync({
      rateLimits: budget(4200),
      sync: {
        state: "error",
        lastSyncError: "GitHub is not responding right now. The sync will be retried.",
        lastSyncedAt: Date.now() - 10 * 60_000,
        lastManualSyncAt: cooldownEndsAt - 2 * 60_000,
        blockedUntil: undefined,
      },
    });
    // A press during the cooldown is refused; the server schedules the status tick for its end.
    expect(await t.withIdentity(admin).mutation(api.sync.status.syncNow, { installationId })).toMatchObject({
      action: "skip",
      reason: "manual_cooldown",
    });
    const page = await open(admin, 1280, "/acme/pulls");
    const retry = page.getByRole("button", { name: "Retry" });
    await retry.waitFor();
    expect(await retry.isDisabled()).toBe(true);
    // Nothing else is written; the tick at the cooldown's end changes the status, and the page follows.
    await expect.poll(() => retry.isEnabled(), { timeout: 20_000, interval: 250 }).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(cooldownEndsAt);
    await page.close();
  });

  test("Sync Now: a double click starts one sync; then a live cooldown countdown", async () => {
    await patchSync({
      rateLimits: budget(4200),
      sync: {
        state: "idle",
        lastSyncError: undefined,
        lastSyncedAt: Date.now() - 10 * 60_000,
        lastManualSyncAt: undefined,
      },
    });
    harness.changed();
    const before = (await t.run((ctx) => ctx.db.query("syncJobs").collect())).length;
    const page = await open(admin, 1280, "/acme/pulls");
    const button = page.getByRole("button", { name: "Sync now" });
    await button.waitFor();
    await button.dblclick();
    await page.getByRole("button", { name: "Syncing…" }).waitFor();
    const jobs = await t.run((ctx) => ctx.db.query("syncJobs").collect());
    expect(jobs.length).toBe(before + 1);

    // The job finishes (as the worker would); the user cooldown now applies, counted down live.
    await t.mutation(internal.sync.operators.cancelActiveJob, { installationId });
    await patchSync({ sync: { state: "idle", lastSyncedAt: Date.now() } });
    harness.changed();
    const countdown = page.getByRole("button", { name: /Sync again in/ });
    await countdown.waitFor();
    const first = await countdown.textContent();
    await page.waitForTimeout(2_100);
    const second = await countdown.textContent();
    expect(first).not.toBe(second);
    expect(await countdown.isDisabled()).toBe(true);
    await shoot(page, "cooldown", "Sync again in");
    await page.close();
  });

  test("narrow viewport (360 px): no horizontal overflow on any page; table rows become cards", async () => {
    const page = await open(admin, 360, "/acme/pulls");
    await shoot(page, "narrow-360", "Pull requests opened");
    const row = page.locator("table.prs tbody tr").first();
    await row.waitFor();
    expect(await row.evaluate((el) => getComputedStyle(el).display)).toBe("block");
    expect(await page.locator("table.prs thead").boundingBox()).toMatchObject({ width: 1, height: 1 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    for (const [name, path, ready, keyText] of [
      ["Repositories", "/acme/repos", "table.repos tbody tr", "acme/repo-0"],
      ["Activity", "/acme/activity", "ol.feed li", "Load more activity"],
    ] as const) {
      await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name }).click();
      await expect.poll(() => pathOf(page)).toBe(path);
      await page.locator(ready).first().waitFor();
      expect(await overflow(), `${path} overflows`).toBeLessThanOrEqual(0);
      await shoot(page, `narrow-360-${path.split("/").pop()}`, keyText);
    }
    await page.close();
  });

  test("failed repositories: the first few listed, the rest behind “N more”", async () => {
    const failures = Array.from({ length: 5 }, (_, i) =>
      repo({ githubId: 200_000 + i, name: `broken-${i}`, fullName: `acme/broken-${i}` }),
    );
    await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: failures });
    await t.run(async (ctx) => {
      for (const r of await ctx.db
        .query("repositories")
        .withIndex("by_installation", (q) => q.eq("installationId", installationId))
        .collect())
        if (r.fullName.startsWith("acme/broken-"))
          await ctx.db.patch(r._id, { syncStatus: "failed", syncError: `GitHub answered 404 for ${r.fullName}.` });
    });
    harness.changed();
    const page = await open(admin, 1280, "/acme/repos");
    const failedRepos = page.getByRole("group", { name: "6 repositories failed to sync" });
    await failedRepos.waitFor();
    const more = failedRepos.locator("details");
    expect(await more.locator("summary").textContent()).toBe("3 more");
    expect(await failedRepos.locator("li:visible").count()).toBe(3);
    await more.locator("summary").click();
    expect(await failedRepos.locator("li:visible").count()).toBe(6);
    const text = await failedRepos.textContent();
    for (const r of failures) expect(text).toContain(`${r.fullName} — GitHub answered 404 for ${r.fullName}.`);
    expect(text).toContain("acme/repo-2 — The app has no access to this repository.");
    await shoot(page, "failed-repositories", "6 repositories failed to sync");
    await page.close();
    // Back to the one failure the other tests expect.
    await t.mutation(internal.model.ingest.removeRepositories, {
      installationId,
      githubIds: failures.map((r) => r.githubId),
    });
    harness.changed();
  });

  test("settings: a saved Slack webhook URL is never shown again (only its hint), before or after a reload", async () => {
    const secret = "https://hooks.slack.com/services/T0UI/B0UI/uiS3cretT0kenWxyz";
    const page = await open(admin, 1280, "/acme/settings?section=notifications");
    await page.getByRole("heading", { name: "Slack notifications" }).waitFor();
    await page.getByLabel("Name").fill("#eng-alerts");
    const urlInput = page.getByLabel("Webhook URL");
    expect(await urlInput.getAttribute("type")).toBe("password");
    await urlInput.fill(secret);
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("Destination added.").waitFor();
    await page.getByText("hooks.slack.com/…/Wxyz").first().waitFor();
    expect(await urlInput.inputValue()).toBe("");
    for (const part of [secret, "uiS3cretT0ken", "T0UI/B0UI"]) expect(await page.content()).not.toContain(part);
    await shoot(page, "settings-slack", "Slack notifications");
    await page.reload();
    await page.getByText("hooks.slack.com/…/Wxyz").first().waitFor();
    expect(await page.getByText("acme added #eng-alerts").count()).toBe(1);
    for (const part of [secret, "uiS3cretT0ken", "T0UI/B0UI"]) expect(await page.content()).not.toContain(part);
    await page.close();
  });
});
