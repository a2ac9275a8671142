/**
 * The browser tests' Chromium (Debian's, never a downloaded one) and their accessibility audit:
 * axe-core with WCAG 2.0–2.2 A/AA, best-practice and experimental rules, and the page's sideways scroll.
 */
import axe from "axe-core";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import type { TestConvex } from "../helpers/convex";
import { startHarness } from "./harness";

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"],
  });
}

export type AxeViolation = { id: string; help: string; nodes: Array<{ target: unknown[] }> };

export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axe.source });
  return page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const result = await run(document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental"],
      },
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target as unknown[] })),
    }));
  });
}

/** How far the page scrolls sideways (0 or less: not at all). */
export const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * A page of the harness (`base`) signed in as `subject`, at `width` (740 px high below 600, else 800),
 * once loaded: the page's heading shown and no skeleton left.
 */
export async function openSignedIn(
  browser: Browser,
  base: string,
  subject: string,
  path: string,
  width: number,
  opts: { dark?: boolean; height?: number } = {},
): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width, height: opts.height ?? (width < 600 ? 740 : 800) },
    colorScheme: opts.dark ? "dark" : "light",
  });
  await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}as=${encodeURIComponent(subject)}`);
  await page.locator("#page-heading").waitFor();
  await expect.poll(() => page.locator('[aria-busy="true"]').count(), { timeout: 20_000 }).toBe(0);
  return page;
}

/**
 * A browser test's session: the harness serving the app over `t` and Chromium, started together and
 * closed together; `open` is `openSignedIn` against this harness.
 */
export async function browserSession(t: TestConvex) {
  const harness = await startHarness(t);
  const browser = await launchChromium();
  return {
    browser,
    url: harness.url,
    open: (subject: string, path: string, width: number, opts?: Parameters<typeof openSignedIn>[5]) =>
      openSignedIn(browser, harness.url, subject, path, width, opts),
    close: async () => {
      await browser.close();
      await harness.close();
    },
  };
}

export type BrowserSession = Awaited<ReturnType<typeof browserSession>>;
