// @vitest-environment node
/**
 * Daily use (issue 23), in Chromium on a realistic organisation (tests/helpers/realisticOrg.ts) at 1280
 * and 360 px: axe-core reports no WCAG 2.2 AA (or best-practice) violation on any page, in light and
 * dark mode; no page scrolls sideways; the first inbox row is on the first screen at 360×740 and three
 * keys from the page's load; filters and order round-trip through the URL; the Alerts page has at most
 * one row per pull request. Screenshots of every page land in tests/output/screenshots/daily-*.png.
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { axeViolations, browserSession, overflow, type BrowserSession } from "./browser/chromium";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { seedRealisticOrg } from "./helpers/realisticOrg";
import { patchSyncState } from "./helpers/syncState";
import { recordMembership } from "../convex/memberships";

const SHOTS = "tests/output/screenshots";
const PAGES = [
  "inbox",
  "overview",
  "pulls",
  "alerts",
  "reviewers",
  "analytics",
  "activity",
  "repos",
  "settings",
  "settings?section=notifications",
  "settings?section=repositories",
  "health",
];
let session: BrowserSession;
let t: TestConvex;
let installationId: Id<"installations">;
let lead: { subject: string };
let stranger: { subject: string };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  vi.stubGlobal("fetch", () => new Promise(() => {})); // no GitHub: nothing here calls out
  t = makeConvex();
  installationId = await createInstallation(t);
  await seedRealisticOrg(t, installationId, 9001);
  await patchSyncState(t, installationId, { sync: { lastSyncedAt: Date.now() - 5 * 60_000 } });
  await t.finishInProgressScheduledFunctions();
  await t.mutation(internal.alerts.engine.scan, { installationId });
  await t.finishInProgressScheduledFunctions();
  // A second organisation of dev1's, never synced: the Organisations page appears and says so.
  await createInstallation(t, { githubInstallationId: 1002, accountLogin: "beta", accountId: 9002 });
  await t.run((ctx) => recordMembership(ctx, { accountId: 9002, githubUserId: 5001, login: "dev1", member: true }));
  lead = await signInAs(t, 5001, "dev1");
  stranger = await signInAs(t, 7777, "stranger");
  session = await browserSession(t);
}, 180_000);

afterAll(async () => {
  await session?.close();
  vi.unstubAllGlobals();
});

const open = (path: string, width: number, opts: { dark?: boolean; height?: number } = {}) =>
  session.open(lead.subject, path, width, opts);

describe("every page, at 1280 and 360 px", () => {
  test("the audit sees a violation when there is one (an image without a text, a tap target too small)", async () => {
    const page = await open("/acme/inbox", 360);
    await page.evaluate(() => {
      const main = document.getElementById("main")!;
      main.insertAdjacentHTML("afterbegin", '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">');
      document.body.insertAdjacentHTML("beforeend", "<p>outside every landmark</p>");
    });
    const ids = (await axeViolations(page)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(["image-alt", "region"]));
    await page.close();
  }, 60_000);

  for (const width of [1280, 360])
    for (const slug of PAGES)
      test(`${slug} at ${width}: no axe violation, no sideways scroll`, async () => {
        const page = await open(`/acme/${slug}`, width);
        const name = slug.replace("?section=", "-");
        await page.screenshot({ path: `${SHOTS}/daily-${name}-${width}.png`, fullPage: true });
        expect(await axeViolations(page)).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await page.close();
      }, 60_000);

  test("the other screens: signed out, no installation, organisations, never synced, an unknown page", async () => {
    const screens: Array<[string, string | null, string, string]> = [
      ["signed-out", null, "/", "Sign in with GitHub"],
      ["no-installation", stranger.subject, "/", "Install the GitHub App"],
      ["organisations", lead.subject, "/acme/organisations", "never synced"],
      ["never-synced", lead.subject, "/beta/inbox", "has not finished"],
      ["not-found", lead.subject, "/acme/nowhere", "There is no page"],
    ];
    for (const [name, as, path, text] of screens)
      for (const width of [1280, 360]) {
        const page = await session.browser.newPage({ viewport: { width, height: width < 600 ? 740 : 800 } });
        await page.goto(`${session.url}${path}${as ? `?as=${encodeURIComponent(as)}` : ""}`);
        await page.getByText(text).first().waitFor();
        await page.screenshot({ path: `${SHOTS}/daily-${name}-${width}.png`, fullPage: true });
        expect(await axeViolations(page), `${name} at ${width}`).toEqual([]);
        expect(await overflow(page), `${name} at ${width}`).toBeLessThanOrEqual(0);
        await page.close();
      }
  }, 120_000);

  test("dark mode follows the system, and passes axe too", async () => {
    for (const slug of ["inbox", "pulls", "alerts"]) {
      const page = await open(`/acme/${slug}`, 1280, { dark: true });
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).not.toBe("rgb(246, 247, 249)");
      await page.screenshot({ path: `${SHOTS}/daily-${slug}-dark.png`, fullPage: false });
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }
  }, 60_000);
});

describe("my work first", () => {
  test("at 360×740 the first inbox row is on the first screen; Tab, Enter, Tab reach it", async () => {
    const page = await open("/acme/inbox", 360);
    const first = page.locator("[data-row]").first();
    const box = (await first.boundingBox())!;
    expect(box.y + 40).toBeLessThanOrEqual(740);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.hasAttribute("data-row"))).toBe(true);
    // j moves on, Enter would open it.
    await page.keyboard.press("j");
    expect(
      await page.evaluate(() => [...document.querySelectorAll("[data-row]")].indexOf(document.activeElement!)),
    ).toBe(1);
    await page.close();
  }, 60_000);

  test("the navigation counts what waits on me", async () => {
    const page = await open("/acme/inbox", 1280);
    const nav = page.getByRole("navigation", { name: "Pages" });
    await expect.poll(() => nav.getByRole("link", { name: /^Inbox \d+$/ }).count()).toBe(1);
    await page.close();
  }, 60_000);
});

describe("lists that triage", () => {
  test("filters and order round-trip through the URL; the Red figure opens the red list", async () => {
    const page = await open("/acme/pulls?sort=age&health=red&repo=acme/service-03", 1280);
    const form = page.getByRole("form", { name: "Filter and sort pull requests" });
    expect(await form.getByLabel("Sort").inputValue()).toBe("age");
    expect(await form.getByLabel("Health").inputValue()).toBe("red");
    expect(await form.getByLabel("Repository").inputValue()).toBe("acme/service-03");
    await form.getByLabel("Sort").selectOption("waiting");
    await expect.poll(() => new URL(page.url()).searchParams.get("sort")).toBe("waiting");
    await form.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => new URL(page.url()).search.replace(/[?&]?as=[^&]*/, "")).toBe("");
    await page.close();

    const overview = await open("/acme/overview", 1280);
    await overview.getByRole("link", { name: /Red/ }).first().click();
    await expect
      .poll(() => new URL(overview.url()).pathname + new URL(overview.url()).searchParams.get("health"))
      .toBe("/acme/pullsred");
    await overview.close();
  }, 60_000);
});

describe("alerts people act on", () => {
  test("on this organisation, a day's digest is one Slack message of short lines", async () => {
    const destinationId = await t.run((ctx) =>
      ctx.db.insert("notificationDestinations", {
        installationId,
        kind: "slack",
        url: "https://hooks.slack.com/services/T1/B1/digest",
        hint: "hooks.slack.com/…/gest",
        label: "#eng-digest",
        enabled: true,
        cadence: "daily",
        createdBy: "dev1",
        createdAt: Date.now(),
        updatedBy: "dev1",
        updatedAt: Date.now(),
      }),
    );
    const openAlerts = (await t.run((ctx) => ctx.db.query("alerts").collect())).filter((a) => !a.resolvedAt).length;
    expect(openAlerts).toBeGreaterThan(100);
    await t.mutation(internal.notify.digest.sendDigests, {});
    await t.mutation(internal.notify.digest.sendDigests, {});
    const digests = await t.run((ctx) =>
      ctx.db
        .query("notificationDeliveries")
        .withIndex("by_destination", (q) => q.eq("destinationId", destinationId))
        .collect(),
    );
    expect(digests).toHaveLength(1);
    expect(digests[0]!.event).toBe("digest");
    expect(digests[0]!.text.split("\n").length).toBeLessThanOrEqual(20);
  }, 60_000);

  test("at most one row per pull request, for everyone's alerts too", async () => {
    for (const path of ["/acme/alerts", "/acme/alerts?show=all"]) {
      const page = await open(path, 1280);
      const links = await page
        .locator(".alert-list > li .alert-title a")
        .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(links.length).toBeGreaterThan(0);
      expect(new Set(links).size).toBe(links.length);
      await page.close();
    }
  }, 60_000);
});
