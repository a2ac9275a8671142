// @vitest-environment node
/**
 * The Analytics page (issue 14) in Chromium (tests/browser/harness.ts over convex-test), fed through the
 * write path (internal.model.ingest.applyRecords): merged pull requests with commits, reviews and
 * approvals, production deployments. At 1280 and 360 px: the figures, a drill-down listing the PRs
 * behind a figure and a period, a CSV download whose rows are the list's, the daily metrics CSV; the
 * organisations overview, the repositories' health column and the deployment setting. Screenshots in
 * tests/output/screenshots/analytics-*.png, checked as tests/ui.test.ts checks its own.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { recordMembership } from "../convex/memberships";
import type { AnyRecord } from "../convex/model/records";
import { toCsv } from "../src/csv";
import { download, parseCsv } from "./browser/csv";
import { startHarness } from "./browser/harness";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { HOUR, pr, repo, review } from "./helpers/records";

const SHOTS = "tests/output/screenshots";
const DAY = 24 * HOUR;
let browser: Browser;
let t: TestConvex;
let harness: Awaited<ReturnType<typeof startHarness>>;
let installationId: Id<"installations">;
let admin: { subject: string };
let member: { subject: string };

/** The seeded merged pull requests: `${repository}#${number}` → title. */
const merged = new Map<string, string>();
const UNAPPROVED = new Set([3, 7]);

/** Ten merged PRs over the last ten days in two repositories (two merged without approval), one open. */
function seedRecords(now: number): AnyRecord[] {
  const records: AnyRecord[] = [];
  for (let i = 1; i <= 10; i++) {
    const [repoGithubId, name] = i % 2 ? [300, "api"] : [301, "web"];
    const mergedAt = now - i * DAY - 2 * HOUR;
    const firstCommitAt = mergedAt - (40 + 3 * i) * HOUR;
    const createdAt = firstCommitAt + 2 * HOUR;
    const readyForReviewAt = createdAt + HOUR;
    const title = i === 4 ? `Fix "quotes", commas, and\nnewlines` : `Change ${i}`;
    merged.set(`acme/${name}#${i}`, title);
    records.push({
      kind: "pullRequest",
      record: pr({
        repoGithubId,
        githubId: repoGithubId * 1000 + i,
        number: i,
        title,
        authorLogin: i % 2 ? "dev1" : "dev2",
        state: "merged",
        headSha: `${i}`.padStart(40, "a"),
        url: `https://github.com/acme/${name}/pull/${i}`,
        firstCommitAt,
        createdAt,
        readyForReviewAt,
        updatedAt: mergedAt,
        closedAt: mergedAt,
        mergedAt,
      }),
    });
    records.push({
      kind: "review",
      record: review({
        githubId: 90_000 + i * 10,
        repoGithubId,
        prNumber: i,
        authorLogin: "reviewer1",
        state: UNAPPROVED.has(i) ? "commented" : "approved",
        submittedAt: readyForReviewAt + (i % 3) * HOUR + 20 * 60_000,
        url: `https://github.com/acme/${name}/pull/${i}#pullrequestreview-${90_000 + i * 10}`,
      }),
    });
    if (repoGithubId === 300) {
      // acme/api deploys each merge to production within the hour; the first attempt after PR 5 fails.
      records.push({
        kind: "deployment",
        record: {
          githubId: 70_000 + i,
          repoGithubId,
          source: "deployment",
          environment: "production",
          productionEnvironment: true,
          sha: `${i}`.padStart(40, "a"),
          ref: "main",
          creatorLogin: "deploy-bot",
          url: `https://api.github.com/repos/acme/api/deployments/${70_000 + i}`,
          createdAt: mergedAt + 10 * 60_000,
          updatedAt: mergedAt + 40 * 60_000,
          ...(i === 5
            ? { state: "failure" as const, failedAt: mergedAt + 40 * 60_000 }
            : { state: "success" as const, succeededAt: mergedAt + 40 * 60_000 }),
        },
      });
    }
  }
  records.push({
    kind: "pullRequest",
    record: pr({
      repoGithubId: 300,
      githubId: 300_999,
      number: 99,
      title: "Still open",
      authorLogin: "dev1",
      url: "https://github.com/acme/api/pull/99",
      createdAt: now - 2 * DAY,
      updatedAt: now - DAY,
    }),
  });
  return records;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A configured GitHub App whose API never answers: the sync a saved deployment setting requests stays queued.
  vi.stubEnv("GITHUB_APP_ID", "1");
  vi.stubEnv(
    "GITHUB_APP_PRIVATE_KEY",
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  );
  vi.stubGlobal("fetch", () => new Promise(() => {}));
  t = makeConvex();
  installationId = await createInstallation(t);
  const globex = await createInstallation(t, { githubInstallationId: 1002, accountLogin: "globex", accountId: 9002 });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [repo({ githubId: 300, name: "api" }), repo({ githubId: 301, name: "web" })],
  });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId: globex,
    repositories: [repo({ githubId: 400, name: "rocket", fullName: "globex/rocket", ownerLogin: "globex" })],
  });
  await t.mutation(internal.model.ingest.applyRecords, { installationId, records: seedRecords(Date.now()) });
  // acme/api's score of yesterday, with its trend: today's score continues it (a sparkline of four days).
  await t.run(async (ctx) => {
    const api = await ctx.db
      .query("repositories")
      .withIndex("by_installation_github_id", (q) => q.eq("installationId", installationId).eq("githubId", 300))
      .unique();
    const yesterday = Math.floor(Date.now() / DAY) - 1;
    await ctx.db.insert("repositoryHealth", {
      installationId,
      repositoryId: api!._id,
      day: yesterday,
      score: 70,
      grade: "yellow",
      reasons: [],
      trend: [
        { day: yesterday - 2, score: 55 },
        { day: yesterday - 1, score: 62 },
      ],
      computedAt: Date.now() - DAY,
    });
  });
  await t.mutation(internal.metrics.repositoryHealth.refreshInstallation, { installationId });
  await t.finishInProgressScheduledFunctions();
  admin = await signInAs(t, 9001, "acme"); // the organisation account itself: an administrator
  // dev1 is a member of both organisations: the organisations overview shows both.
  await t.run(async (ctx) => {
    await recordMembership(ctx, { accountId: 9001, githubUserId: 5001, login: "dev1", member: true });
    await recordMembership(ctx, { accountId: 9002, githubUserId: 5001, login: "dev1", member: true });
  });
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
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

async function open(as: { subject: string }, width: number, path: string, query = ""): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, acceptDownloads: true });
  await page.goto(`${harness.url}${path}?as=${encodeURIComponent(as.subject)}${query}`);
  return page;
}

async function shoot(page: Page, name: string, keyText: string) {
  await page.getByText(keyText).first().waitFor();
  const path = `${SHOTS}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size, `${name}.png is blank`).toBeGreaterThan(12_000);
  expect(await page.textContent("body")).toContain(keyText);
}

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe("CSV", () => {
  test("quotes what needs quoting, defuses formulas, keeps numbers; parses back", () => {
    const text = toCsv(
      ["a", "b", "c", "d"],
      [
        ['say "hi"', "x,y", "two\nlines", 1.5],
        ["=HYPERLINK(1)", "-1", null, -2],
      ],
    );
    expect(text).toBe('a,b,c,d\r\n"say ""hi""","x,y","two\nlines",1.5\r\n\'=HYPERLINK(1),\'-1,,-2\r\n');
    expect(parseCsv(text)).toEqual([
      ["a", "b", "c", "d"],
      ['say "hi"', "x,y", "two\nlines", "1.5"],
      ["'=HYPERLINK(1)", "'-1", "", "-2"],
    ]);
  });
});

describe("the Analytics page in Chromium", () => {
  test("1280 px: figures, chart, stages, DORA; a figure and a period drill down; the CSVs match the list", async () => {
    const page = await open(admin, 1280, "/acme/analytics");
    const nav = page.getByRole("navigation", { name: "Pages" });
    expect(await nav.getByRole("link", { name: "Analytics" }).getAttribute("aria-current")).toBe("page");
    const figures = page.getByRole("list", { name: "Cycle time figures" });
    const mergedFigure = figures.getByRole("button", { name: /^10 Merged pull requests/ });
    await mergedFigure.waitFor();
    expect(await figures.textContent()).toContain("20%"); // 2 of 10 merged without approval
    await page.locator(".cycle-chart .recharts-surface").first().waitFor();
    expect(await page.locator(".cycle-chart .recharts-bar-rectangle").count()).toBeGreaterThan(0);
    const stages = page.getByRole("table", { name: "Stages" });
    for (const stage of ["Coding", "Pickup", "Review", "Merge", "Deploy", "Cycle time", "Lead time"])
      await stages.getByRole("button", { name: stage, exact: true }).waitFor();
    expect(await stages.locator('tr[data-stage="cycle"] td').first().textContent()).toBe("10");
    await shoot(page, "analytics-1280", "Median cycle time");

    // A figure: every merged PR of the range, each with its stages' hours.
    await mergedFigure.click();
    const list = page.getByRole("table", { name: "Merged pull requests" });
    await expect.poll(() => list.locator("tbody tr").count()).toBe(10);
    const listed = await list.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-pr")));
    expect(new Set(listed)).toEqual(new Set(merged.keys()));
    expect(new URL(page.url()).searchParams.get("drill")).toBe("range");
    expect(await list.locator("tbody tr").filter({ hasText: "merged without approval" }).count()).toBe(2);

    // Its CSV: the same PRs, in the list's order, with their cycle-time fields.
    const prs = await download(page, page.getByRole("button", { name: "Download CSV", exact: true }));
    expect(prs.name).toMatch(/^merged-pull-requests-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
    expect(prs.header).toEqual(expect.arrayContaining(["repository", "number", "title", "merged_at", "cycle_hours"]));
    expect(prs.rows.map((r) => `${r.repository}#${r.number}`)).toEqual(listed);
    for (const r of prs.rows) {
      expect(r.title).toBe(merged.get(`${r.repository}#${r.number}`));
      expect(Number(r.cycle_hours)).toBeGreaterThan(40);
      expect(r.approved_at === "").toBe(UNAPPROVED.has(Number(r.number)));
    }
    await shoot(page, "analytics-drill-1280", "Download CSV");

    // A bar: its period's PRs (one a day here).
    await page.locator(".cycle-chart .recharts-bar-rectangle").last().click();
    await expect.poll(() => new URL(page.url()).searchParams.get("drill")).toMatch(/^\d+\.\.\d+$/);
    await expect.poll(() => list.locator("tbody tr").count()).toBe(1);
    const [barFrom, barTo] = new URL(page.url()).searchParams.get("drill")!.split("..").map(Number);
    const barMerged = Date.parse((await list.locator("time").getAttribute("datetime"))!);
    expect(await list.locator("tbody tr").getAttribute("data-pr")).toBe("acme/api#1"); // the newest merge
    expect(Math.floor(barMerged / DAY)).toSatisfy((d: number) => d >= barFrom! && d <= barTo!);

    // A period from the table: its PRs only (the table is the chart's figures, each a button).
    await page.getByText(/^Figures per (day|week|month)$/).click();
    const periods = page.locator("table.periods tbody tr");
    const counts = (await periods.locator('td[data-label="Merged"]').allTextContents()).map(Number);
    const index = counts.findIndex((n) => n > 0);
    const period = periods.nth(index);
    const count = counts[index]!;
    await period.getByRole("button").click();
    await expect.poll(() => new URL(page.url()).searchParams.get("drill")).toMatch(/^\d+\.\.\d+$/);
    await expect.poll(() => list.locator("tbody tr").count()).toBe(count);
    const [from, to] = new URL(page.url()).searchParams.get("drill")!.split("..").map(Number);
    for (const merged of await list.locator("time").evaluateAll((ts) => ts.map((t) => t.getAttribute("datetime")!)))
      expect(Math.floor(Date.parse(merged) / DAY)).toSatisfy((d: number) => d >= from! && d <= to!);

    // A stage: the range's PRs with that stage's column marked.
    await stages.getByRole("button", { name: "Pickup", exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("stage")).toBe("pickup");
    expect(await list.locator("th.chosen").textContent()).toBe("Pickup");

    // The daily metrics: one row per day of the 30, summing to the merged PRs.
    const daily = await download(page, page.getByRole("button", { name: "Download daily metrics CSV" }));
    expect(daily.rows).toHaveLength(30);
    expect(daily.rows.reduce((n, r) => n + Number(r.merged), 0)).toBe(10);
    expect(daily.rows.reduce((n, r) => n + Number(r.merged_without_approval), 0)).toBe(2);
    expect(daily.header).toEqual(expect.arrayContaining(["date", "cycle_p50_hours", "deployments"]));
    expect(daily.rows.reduce((n, r) => n + Number(r.deployment_successes), 0)).toBe(4);
    expect(daily.rows.reduce((n, r) => n + Number(r.deployment_failures), 0)).toBe(1);

    // Filters live in the URL: a repository narrows the figures; the link, opened anew, shows the same view.
    await page.getByLabel("Repository").selectOption({ label: "acme/web" });
    await figures.getByRole("button", { name: /^5 Merged pull requests/ }).waitFor();
    await page.getByRole("button", { name: "90 days" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("days")).toBe("90");
    const shared = new URL(page.url());
    expect(shared.searchParams.get("repo")).toBeTruthy();
    expect(shared.searchParams.get("drill")).toBeNull(); // narrowing closes the drill-down
    const again = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await again.goto(shared.toString());
    await again
      .getByRole("list", { name: "Cycle time figures" })
      .getByRole("button", { name: /^5 Merged pull requests/ })
      .waitFor();
    expect(await again.getByRole("button", { name: "90 days" }).getAttribute("aria-pressed")).toBe("true");
    await again.getByLabel("Person").fill("dev2");
    await expect.poll(() => new URL(again.url()).searchParams.get("author")).toBe("dev2");
    await again.close();
    await page.close();
  });

  test("360 px: no horizontal overflow; the drill-down's rows become cards", async () => {
    const page = await open(admin, 360, "/acme/analytics", "&drill=range");
    await page.getByRole("list", { name: "Cycle time figures" }).waitFor();
    const row = page.getByRole("table", { name: "Merged pull requests" }).locator("tbody tr").first();
    await row.waitFor();
    expect(await row.evaluate((el) => getComputedStyle(el).display)).toBe("block");
    await page.locator(".cycle-chart .recharts-surface").first().waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await shoot(page, "analytics-360", "Median cycle time");
    await page.close();
  });

  test("DORA: four cards, each with its band and how it is derived, at 1280 and 360 px", async () => {
    for (const width of [1280, 360]) {
      const page = await open(admin, width, "/acme/analytics");
      const dora = page.getByRole("list", { name: "DORA metrics" });
      await dora.waitFor();
      expect(await dora.locator("li").count()).toBe(4);
      for (const card of await dora.locator("li").all())
        expect(await card.locator(".band").textContent()).toMatch(/^(★ Elite|▲ High|● Medium|▼ Low)$/);
      // acme/api: five merges, four successful deployments and one failure.
      const frequency = dora.locator('li[data-metric="Deployment frequency"]');
      expect(await frequency.textContent()).toContain("4 successful production deployments");
      expect(await dora.locator('li[data-metric="Change failure rate"]').textContent()).toContain("1 of 5");
      expect(await page.getByText("No deployments yet.").count()).toBe(0);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await shoot(page, `analytics-dora-${width}`, "Time to restore");
      // The failure rate drills down to its five production deployments, the failure marked.
      await dora
        .locator('li[data-metric="Change failure rate"]')
        .getByRole("button", { name: "Show the deployments" })
        .click();
      const list = page.getByRole("table", { name: "Production deployments" });
      await list.waitFor();
      expect(await list.locator("tbody tr").count()).toBe(5);
      expect(await list.locator('tbody tr[data-outcome="failure"]').count()).toBe(1);
      expect(await list.locator("tbody tr").first().textContent()).toContain("acme/api · production");
      expect(new URL(page.url()).searchParams.get("deployments")).toBe("all");
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await shoot(page, `analytics-deployments-${width}`, "Production deployments");
      await page
        .getByRole("region", { name: /Production deployments/ })
        .getByRole("button", { name: "Close" })
        .click();
      await list.waitFor({ state: "detached" });
      if (width === 1280) {
        // A year's daily metrics: DORA asked a month at a time, still one row per day.
        await page.getByRole("button", { name: "1 year" }).click();
        await page
          .getByRole("list", { name: "Cycle time figures" })
          .getByRole("button", { name: /^10 Merged pull requests/ })
          .waitFor();
        const daily = await download(page, page.getByRole("button", { name: "Download daily metrics CSV" }));
        expect(daily.rows).toHaveLength(365);
        expect(daily.rows.reduce((n, r) => n + Number(r.merged), 0)).toBe(10);
        expect(daily.rows.reduce((n, r) => n + Number(r.deployment_successes), 0)).toBe(4);
        expect(daily.rows.every((r) => r.deployments !== "")).toBe(true);
      }
      await page.close();
    }
  });

  test("an empty range says so, and how to get deployments", async () => {
    const page = await open(admin, 1280, "/acme/analytics", "&author=nobody-at-all");
    await page.getByText("No pull request was merged in this range with these filters.").waitFor();
    await page.close();
    const globex = await open(member, 1280, "/globex/analytics");
    await globex.getByText("No deployments yet.").waitFor();
    await globex.getByText("No pull request was merged in this range.").waitFor();
    await shoot(globex, "analytics-empty", "No deployments yet.");
    await globex.close();
  });
});

describe("around the Analytics page", () => {
  test("organisations: one row per installation the user sees, each a way in", async () => {
    for (const width of [1280, 360]) {
      const page = await open(member, width, "/acme/inbox");
      await page.getByRole("link", { name: "All organisations" }).click();
      await expect.poll(() => new URL(page.url()).pathname).toBe("/acme/organisations");
      const rows = page.locator("table.orgs tbody tr");
      await expect.poll(() => rows.count()).toBe(2);
      const acme = rows.filter({ hasText: "acme" }).first();
      expect(await acme.locator('td[data-label="Merged (30 days)"]').textContent()).toBe("10");
      expect(await acme.locator('td[data-label="Deployments (30 days)"]').textContent()).not.toBe("");
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await shoot(page, `organisations-${width}`, "Every account you can see");
      if (width === 1280) {
        await rows.filter({ hasText: "globex" }).getByRole("link", { name: "globex" }).click();
        await expect.poll(() => new URL(page.url()).pathname).toBe("/globex/inbox");
      }
      await page.close();
    }
  });

  test("repositories: health score with its grade, reasons and trend, beside the sync status", async () => {
    const page = await open(admin, 1280, "/acme/repos");
    const row = page.locator("table.repos tbody tr").filter({ hasText: "acme/api" });
    const health = row.locator('td[data-label="Repository health"]');
    await health.locator(".pill").waitFor();
    expect(await health.locator(".pill").textContent()).toMatch(/^(✓|●|✕) \d+ · (Healthy|Needs attention|Unhealthy)$/);
    expect(await row.locator('td[data-label="Sync"]').textContent()).toMatch(/ready|syncing|failed/);
    expect(await health.getByRole("img").getAttribute("aria-label")).toMatch(/^Trend over 4 days: 55 to \d+$/);
    const reasons = health.locator("details.reasons");
    await reasons.locator("summary").click();
    expect(await reasons.locator("li").count()).toBeGreaterThan(0);
    expect(await reasons.locator("li").first().isVisible()).toBe(true);
    await shoot(page, "repositories-health", "Repository health");
    await page.close();
  });

  test("settings: administrators choose a deployment workflow per repository; members see the choice", async () => {
    const page = await open(admin, 1280, "/acme/settings", "&section=repositories");
    await page.getByRole("heading", { name: "Deployments (DORA)" }).waitFor();
    await page.getByLabel("Find a repository").fill("web");
    const input = page.getByLabel("Deployment workflow of acme/web");
    await input.fill("deploy.yml");
    await input.locator("xpath=ancestor::form").getByRole("button", { name: "Save" }).click();
    await page.getByText("acme/web: runs of deploy.yml count as deployments").waitFor();
    await shoot(page, "settings-deployments", "Deployments (DORA)");
    await page.close();
    const asMember = await open(member, 1280, "/acme/settings", "&section=repositories");
    const section = asMember.getByRole("region", { name: "Deployments (DORA)" });
    await section.getByText("workflow deploy.yml").waitFor();
    expect(await section.getByLabel(/^Deployment workflow of/).count()).toBe(0);
    await asMember.close();
  });
});
