// @vitest-environment node
/**
 * The installable app (issue 25) in headless Chromium: the manifest and the service worker install;
 * after one visit, with the network cut, reloading shows the last inbox with the "offline — as of"
 * banner (the service worker serves the app, IndexedDB the answers); signing out deletes what was kept.
 */
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { browserSession, type BrowserSession } from "./browser/chromium";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { seedRealisticOrg } from "./helpers/realisticOrg";
import { patchSyncState } from "./helpers/syncState";

let session: BrowserSession;
let t: TestConvex;
let lead: { subject: string };

beforeAll(async () => {
  vi.stubGlobal("fetch", () => new Promise(() => {})); // no GitHub: nothing here calls out
  t = makeConvex();
  const installationId = await createInstallation(t);
  await seedRealisticOrg(t, installationId, 9001);
  await patchSyncState(t, installationId, { sync: { lastSyncedAt: Date.now() - 5 * 60_000 } });
  await t.finishInProgressScheduledFunctions();
  lead = await signInAs(t, 5001, "dev1");
  session = await browserSession(t);
}, 180_000);

afterAll(async () => {
  await session?.close();
  vi.unstubAllGlobals();
});

const keptDatabases = () =>
  indexedDB.databases().then((dbs) => dbs.map((d) => d.name ?? "").filter((n) => n.startsWith("syncboard-offline-")));

test("installs (manifest, service worker); offline after one visit it shows the last inbox with its banner; sign-out empties IndexedDB", async () => {
  const context = await session.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const url = `${session.url}/acme/inbox?pwa&as=${encodeURIComponent(lead.subject)}`;
  await page.goto(url);
  const firstRow = page.locator(".inbox-row").first();
  await firstRow.waitFor({ timeout: 30_000 });
  const title = (await firstRow.textContent())!.trim().slice(0, 30);

  // The manifest: name and icons; the service worker: installed and controlling the page.
  const manifest = await page.evaluate(async () => {
    const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!.href;
    return (await fetch(href)).json() as Promise<{ name: string; display: string; icons: unknown[] }>;
  });
  expect(manifest).toMatchObject({ name: "Syncboard", display: "standalone" });
  expect(manifest.icons.length).toBeGreaterThanOrEqual(2);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 20_000 })
    .toBe(true);
  // A visit under the worker (it caches what the page loads), the answers kept on the way.
  await page.reload();
  await firstRow.waitFor({ timeout: 30_000 });
  await expect.poll(() => page.evaluate(keptDatabases), { timeout: 10_000 }).toHaveLength(1);

  await context.setOffline(true);
  await page.reload();
  await page.getByText("Offline — as of").waitFor({ timeout: 30_000 });
  await firstRow.waitFor({ timeout: 30_000 });
  expect((await firstRow.textContent())!).toContain(title);
  await page.screenshot({ path: "tests/output/screenshots/pwa-offline-1280.png", fullPage: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect.poll(() => page.title()).toBe("signed out");
  expect(await page.evaluate(keptDatabases)).toEqual([]);
  await context.close();
}, 180_000);
