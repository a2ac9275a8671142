// @vitest-environment node
/**
 * Saved reports (issue 25, item 4) in Chromium: an administrator saves the Analytics view as a shared
 * report, which opens at its own URL with the same figures, is sent weekly to a Slack destination they
 * choose, and downloads as CSV; a restricted member opening that URL sees the figures of what they may
 * read only (the public repository's merged PRs, not the private one's), at 360 px too; a private report's
 * URL is "not shared with you" for them. axe-core finds no violation; nothing scrolls sideways.
 * Screenshots: tests/output/screenshots/reports-*.png.
 */
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { recordMembership } from "../convex/memberships";
import type { AnyRecord } from "../convex/model/records";
import { axeViolations, browserSession, overflow, type BrowserSession } from "./browser/chromium";
import { download } from "./browser/csv";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { HOUR, pr, repo, review } from "./helpers/records";

const SHOTS = "tests/output/screenshots";
const DAY = 24 * HOUR;
let session: BrowserSession;
let t: TestConvex;
let installationId: Id<"installations">;
let admin: { subject: string };
let member: { subject: string };
let reportUrl = "";

/** `count` PRs merged over the last days in a repository (github id `repoGithubId`). */
function mergedPullRequests(repoGithubId: number, name: string, count: number, now: number): AnyRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const i = n + 1;
    const mergedAt = now - i * DAY;
    const ready = mergedAt - 20 * HOUR;
    return [
      {
        kind: "pullRequest" as const,
        record: pr({
          repoGithubId,
          githubId: repoGithubId * 1_000 + i,
          number: i,
          title: `${name} change ${i}`,
          authorLogin: "dev1",
          state: "merged" as const,
          headSha: `${repoGithubId}${i}`.padEnd(40, "0"),
          url: `https://github.com/acme/${name}/pull/${i}`,
          firstCommitAt: ready - (4 + i) * HOUR,
          createdAt: ready,
          updatedAt: mergedAt,
          closedAt: mergedAt,
          mergedAt,
        }),
      },
      {
        kind: "review" as const,
        record: review({
          githubId: repoGithubId * 1_000 + 500 + i,
          repoGithubId,
          prNumber: i,
          authorLogin: "reviewer1",
          state: "approved",
          submittedAt: ready + (2 + i) * HOUR,
          url: `https://github.com/acme/${name}/pull/${i}#review`,
        }),
      },
    ];
  }).flat();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  vi.stubGlobal("fetch", () => new Promise(() => {}));
  t = makeConvex();
  installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [repo({ githubId: 300, name: "api" }), repo({ githubId: 301, name: "vault", private: true })],
  });
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: [...mergedPullRequests(300, "api", 3, Date.now()), ...mergedPullRequests(301, "vault", 4, Date.now())],
  });
  await t.finishInProgressScheduledFunctions();
  admin = await signInAs(t, 9001, "acme"); // the organisation's own account: reads everything
  await t.run((ctx) => recordMembership(ctx, { accountId: 9001, githubUserId: 5001, login: "dev1", member: true }));
  member = await signInAs(t, 5001, "dev1"); // no grant: reads the public repository only
  await t.withIdentity(admin).mutation(api.notify.destinations.add, {
    installationId,
    url: "https://hooks.slack.com/services/T0001/B0002/r3p0rtsT0kenXy",
    label: "#eng-weekly",
  });
  session = await browserSession(t);
}, 180_000);

afterAll(async () => {
  await session?.close();
  vi.unstubAllGlobals();
});

const open = (who: { subject: string }, path: string, width: number) => session.open(who.subject, path, width);

const mergedFigure = (page: Page) =>
  page
    .getByRole("button", { name: /Merged pull requests/ })
    .locator(".card-value")
    .textContent();

describe("saved reports in Chromium", () => {
  test("at 1280: the Analytics view saved as a shared report opens at its URL with the same figures; weekly to Slack; CSV", async () => {
    const page = await open(admin, "/acme/analytics?days=7", 1280);
    await expect.poll(() => mergedFigure(page), { timeout: 20_000 }).toBe("7");
    await page.getByRole("button", { name: "Save as report" }).click();
    await page.getByRole("textbox", { name: "Report name" }).fill("Weekly delivery");
    await page.getByRole("checkbox", { name: "Share with everyone in acme" }).check();
    await page.screenshot({ path: `${SHOTS}/reports-save-1280.png` });
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Save report" }).click();

    await page.getByRole("heading", { name: "Weekly delivery" }).waitFor();
    reportUrl = new URL(page.url()).pathname + new URL(page.url()).search.replace(/&?as=[^&]*/, "");
    expect(reportUrl).toMatch(/^\/acme\/reports\?report=[^&]+$/);
    expect(await page.textContent(".report-head")).toContain("Analytics: last 7 days.");
    await expect.poll(() => mergedFigure(page), { timeout: 20_000 }).toBe("7");

    await page.getByRole("combobox", { name: "Weekly summary to" }).selectOption({ label: "#eng-weekly" });
    await expect.poll(() => page.getByRole("combobox", { name: "Weekly summary to" }).inputValue()).not.toBe("");
    const csv = await download(page, page.getByRole("button", { name: "Download CSV" }));
    expect(csv.name).toMatch(/^weekly-delivery-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv.header.slice(0, 4)).toEqual(["period", "from", "to", "merged"]);
    expect(csv.header).toContain("deployments");
    expect(csv.rows).toHaveLength(8); // seven days, then the total
    expect(csv.rows.at(-1)).toMatchObject({ period: "Total", merged: "7" });
    await page.screenshot({ path: `${SHOTS}/reports-view-1280.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "Reports", exact: true }).first().click();
    const row = page.locator("tr", { has: page.getByRole("link", { name: "Weekly delivery" }) });
    await expect.poll(() => row.textContent()).toContain("#eng-weekly");
    expect(await row.textContent()).toContain("Everyone · by acme");
    await page.screenshot({ path: `${SHOTS}/reports-list-1280.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  test("at 360: a restricted member opening the report's URL sees only what they may read", async () => {
    expect(reportUrl).not.toBe("");
    const page = await open(member, reportUrl, 360);
    await page.getByRole("heading", { name: "Weekly delivery" }).waitFor();
    await expect.poll(() => mergedFigure(page), { timeout: 20_000 }).toBe("3");
    expect(await page.textContent("body")).not.toMatch(/vault/);
    // Not theirs: no rename, share or delete; the weekly destination is said, not chosen.
    expect(await page.getByRole("button", { name: "Rename" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Delete report" }).count()).toBe(0);
    expect(await page.textContent(".report-head")).toContain("Sent weekly to #eng-weekly on Mondays.");
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${SHOTS}/reports-member-360.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    // A figure drills down on the Analytics page, with the report's view.
    await page.getByRole("button", { name: /Merged pull requests/ }).click();
    await page.locator("#drill-heading").waitFor();
    expect(new URL(page.url()).pathname).toBe("/acme/analytics");
    expect(new URL(page.url()).searchParams.get("days")).toBe("7");
    expect(new URL(page.url()).searchParams.get("drill")).toBe("range");
    await page.close();
  });

  test("a private report of the pull request list is its author's: another member's URL says it is not shared", async () => {
    const page = await open(admin, "/acme/pulls?state=merged&sort=age", 1280);
    await page.getByRole("button", { name: "Save as report" }).click();
    await page.getByRole("textbox", { name: "Report name" }).fill("Merged, oldest first");
    await page.getByRole("button", { name: "Save report" }).click();
    await page.getByRole("heading", { name: "Merged, oldest first" }).waitFor();
    expect(await page.textContent(".report-head")).toContain("Pull requests: merged pull requests.");
    expect(await page.textContent(".report-head")).toContain("Private: only you see it");
    await expect.poll(() => page.locator("table.prs tbody tr").count(), { timeout: 20_000 }).toBe(7);
    expect(await page.locator("table.prs tbody tr").first().textContent()).toContain("vault change 4");
    const url = new URL(page.url());

    // Its author opens it on the list, changes the view and keeps it as the report's.
    await page.getByRole("link", { name: "Open in Pull requests" }).click();
    await page.getByRole("combobox", { name: "State" }).selectOption("all");
    await page.getByRole("button", { name: "Update “Merged, oldest first”" }).click();
    await page.getByRole("heading", { name: "Merged, oldest first" }).waitFor();
    await expect.poll(() => page.textContent(".report-head")).toContain("Pull requests: all pull requests.");
    await page.close();

    const other = await open(member, `${url.pathname}${url.search.replace(/&?as=[^&]*/, "")}`, 1280);
    await other.getByText("This report does not exist, or it is not shared with you.").waitFor();
    expect(await axeViolations(other)).toEqual([]);
    await other.close();
  });
});
