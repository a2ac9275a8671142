/**
 * The sync health page in Chromium (tests/browser/harness.ts over convex-test): reached from the page
 * navigation, shows the figures of `dashboard/syncHealth`, and its Replay button requeues a
 * dead-lettered delivery. Screenshot: tests/output/screenshots/sync-health.png.
 */
import { mkdirSync, statSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Id } from "../convex/_generated/dataModel";
import { DURATION_BINS, HOUR_MS, LAG_BINS } from "../convex/sync/health";
import { startHarness } from "./browser/harness";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { repo } from "./helpers/records";
import { internal } from "../convex/_generated/api";

const SHOTS = "tests/output/screenshots";
let browser: Browser;
let t: TestConvex;
let harness: Awaited<ReturnType<typeof startHarness>>;
let installationId: Id<"installations">;
let admin: { subject: string };
let deadId: Id<"webhookDeliveries">;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  vi.stubGlobal("fetch", () => new Promise(() => {}));
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
  t = makeConvex();
  installationId = await createInstallation(t);
  admin = await signInAs(t, 9001, "acme");
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [repo({ githubId: 300, name: "broken", fullName: "acme/broken" })],
  });
  const hour = Math.floor(Date.now() / HOUR_MS);
  const hist = (n: number, bin: number, count: number) => Array.from({ length: n }, (_, i) => (i === bin ? count : 0));
  deadId = await t.run(async (ctx) => {
    const broken = (await ctx.db.query("repositories").first())!;
    await ctx.db.patch(broken._id, { syncStatus: "failed", syncError: "GitHub answered 404 for acme/broken." });
    for (const [h, ok, failed] of [
      [hour, 3, 1],
      [hour - 2, 2, 0],
    ] as const) {
      await ctx.db.insert("syncHourly", {
        installationId,
        hour: h,
        requests: 420,
        notModified: 20,
        points: 400,
        jobsSucceeded: ok,
        jobsFailed: failed,
        jobsCancelled: 0,
        durationMsSum: (ok + failed) * 45_000,
        durationHist: hist(DURATION_BINS, 6, ok + failed),
      });
    }
    await ctx.db.insert("webhookHourly", {
      installationId,
      hour,
      applied: 12,
      lagMsSum: 12 * 300,
      lagMsMax: 900,
      lagHist: hist(LAG_BINS, 9, 12),
    });
    const base = { installationId, trigger: "cron" as const, lease: { generation: 1, claimed: false, expiresAt: 0 } };
    const stats = { requests: 40, notModified: 2, primaryBudgetUsed: 38, itemsWritten: 10, mutations: 4 };
    const cursor = { phase: "list" as const, pageSize: 25 };
    const progress = { current: 1, total: 1, itemsFetched: 10 };
    const now = Date.now();
    for (const [i, state] of (["completed", "failed", "completed"] as const).entries()) {
      await ctx.db.insert("syncJobs", {
        ...base,
        state,
        createdAt: now - (3 - i) * 600_000,
        startedAt: now - (3 - i) * 600_000,
        finishedAt: now - (3 - i) * 600_000 + 45_000,
        attempt: 0,
        cursor,
        progress,
        stats,
        ...(state === "failed" && {
          error: {
            kind: "transient" as const,
            message: "GitHub is not responding right now. The sync will be retried.",
            detail: "503",
          },
        }),
      });
    }
    await ctx.db.insert("rateLimits", {
      installationId,
      resource: "core",
      limit: 5000,
      remaining: 4100,
      used: 900,
      resetAt: now + 30 * 60_000,
      observedAt: now,
    });
    return ctx.db.insert("webhookDeliveries", {
      deliveryId: "dead-delivery-1",
      event: "pull_request",
      action: "edited",
      installationGithubId: 1001,
      receivedAt: now - 3_600_000,
      bytes: 10,
      status: "dead",
      attempts: 5,
      reason: "installation 1001 is not known yet",
    });
  });
  harness = await startHarness(t);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("the sync health page in Chromium", () => {
  test("reached from the navigation; shows the figures; Replay requeues a dead delivery", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${harness.url}/acme/inbox?as=${encodeURIComponent(admin.subject)}`);
    await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Sync health" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/acme/health");
    const day = page.getByRole("region", { name: "Last 24 hours" });
    await day.waitFor();
    const dayText = await day.textContent();
    expect(dayText).toContain("5 succeeded, 1 failed");
    expect(dayText).toContain("840"); // requests over the day
    expect(dayText).toContain("95th percentile 62.4 s"); // p95 duration: interpolated within its bin [32 s, 64 s)
    expect(dayText).toContain("12;"); // webhooks applied
    // The dead deliveries are a query of their own: wait for them before reading the page.
    await page.getByText("installation 1001 is not known yet").waitFor();
    const body = (await page.textContent("body"))!;
    expect(body).toContain("1 of the last 3 syncs failed");
    expect(body).toContain("acme/broken — GitHub answered 404 for acme/broken.");
    expect(body).toContain("4,100 of 5,000 points per hour left");
    expect(body).toContain("installation 1001 is not known yet");
    expect(body).toContain("function metrics");
    expect(body).toContain("against a budget of 5,000 points per hour");
    const replay = page.getByRole("button", { name: "Replay" });
    await replay.click();
    await page.getByText("Delivery dead-delivery-1 is being processed again.").waitFor();
    const requeued = await t.run((ctx) => ctx.db.get(deadId));
    expect(requeued!.status).not.toBe("dead");
    await page.getByText("No dead-lettered webhook deliveries.").waitFor();
    const path = `${SHOTS}/sync-health.png`;
    await page.screenshot({ path, fullPage: true });
    expect(statSync(path).size).toBeGreaterThan(12_000);
    await page.close();
  });
});
