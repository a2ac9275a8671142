// @vitest-environment node
/**
 * The watchlist page (issue 24) in Chromium at 1280 and 360 px, against the in-process fake GitHub and
 * its fake Scorecard API (GitHub answering in 150 ms, so a job takes seconds): a repository added
 * through the form shows its status live while the job reads it ("Processing: … n of 7") and then
 * "Ready" with its score; a missing one ends "Failed" with its reason and a Retry button; the detail
 * shows OpenSSF's checks with the attribution, our checks labelled as ours, the commit activity and
 * notes. axe-core finds no violation and nothing scrolls sideways. Screenshots:
 * tests/output/screenshots/watchlist-*.png.
 */
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { axeViolations, browserSession, overflow, type BrowserSession } from "./browser/chromium";
import type { FakeGitHub } from "./fakeGitHub";
import { makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";

const SHOTS = "tests/output/screenshots";
let session: BrowserSession;
let t: TestConvex;
let fake: FakeGitHub;
let owner: { subject: string };
let account: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  fake = useFakeGitHub({ latencyMs: 150, org: { repos: 1, prsPerRepo: 1, issuesPerRepo: 1, commitsPerRepo: 1 } });
  fake.outside.add("facebook", "react", { commitCount: 400, spanDays: 500, releaseCount: 12 });
  fake.outside.setScorecard("facebook/react", { score: 7.4 });
  fake.outside.add("vercel", "next.js", { commitCount: 120, releaseCount: 3 });
  t = makeConvex();
  await installFakeOrg(t, fake);
  account = fake.org.login;
  owner = await signInAs(t, fake.org.id, fake.org.login);
  session = await browserSession(t);
}, 180_000);

afterAll(async () => {
  await session?.close();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

const open = (path: string, width: number) => session.open(owner.subject, path, width);

async function follow(page: Page, repository: string) {
  await page.getByRole("textbox", { name: "Repository" }).fill(repository);
  await page.getByRole("button", { name: "Follow" }).click();
}
const rowOf = (page: Page, name: string) => page.locator("tr", { has: page.getByRole("button", { name }) });

describe("the watchlist page", () => {
  test("at 1280: an entry added through the form is processing at once, its progress live, then ready with its score", async () => {
    const page = await open(`/${account}/watchlist`, 1280);
    expect(await axeViolations(page)).toEqual([]);
    await follow(page, "https://github.com/facebook/react");
    const row = rowOf(page, "facebook/react");
    // Live while the job works: the step it is at.
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/Processing: .* of 7/);
    await page.screenshot({ path: `${SHOTS}/watchlist-processing-1280.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain("Ready");
    expect(await row.textContent()).toContain("7.4");
    expect(await row.textContent()).toContain("v12.0.0");

    await follow(page, "nobody/missing");
    const failed = rowOf(page, "nobody/missing");
    await expect.poll(() => failed.textContent(), { timeout: 60_000 }).toContain("Failed");
    expect(await failed.textContent()).toContain("does not exist, or it is private");
    await expect(failed.getByRole("button", { name: "Retry" }).isVisible()).resolves.toBe(true);

    await follow(page, "vercel/next.js");
    await expect.poll(() => rowOf(page, "vercel/next.js").textContent(), { timeout: 60_000 }).toContain("not scanned");
    await page.screenshot({ path: `${SHOTS}/watchlist-1280.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);

    // The detail: OpenSSF's checks with attribution, our checks as ours, a year of activity, notes.
    await page.getByRole("button", { name: "facebook/react" }).click();
    await page.getByRole("heading", { name: "OpenSSF Scorecard" }).waitFor();
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).toContain("Data: OpenSSF Scorecard");
    expect(text).toContain("Syncboard's own checks");
    expect(text).toContain("Commit activity, 52 weeks");
    await page.getByLabel("Add a note").fill("Monitoring React for security updates");
    await page.getByRole("button", { name: "Save note" }).click();
    await page.getByText("Monitoring React for security updates").waitFor();
    await page.screenshot({ path: `${SHOTS}/watchlist-detail-1280.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  }, 180_000);

  test("at 360: the list and the detail, axe-clean, nothing scrolls sideways", async () => {
    const page = await open(`/${account}/watchlist`, 360);
    await rowOf(page, "facebook/react").waitFor();
    await page.screenshot({ path: `${SHOTS}/watchlist-360.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.getByRole("button", { name: "facebook/react" }).click();
    await page.getByRole("heading", { name: "OpenSSF Scorecard" }).waitFor();
    await page.screenshot({ path: `${SHOTS}/watchlist-detail-360.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.close();
  }, 120_000);
});
