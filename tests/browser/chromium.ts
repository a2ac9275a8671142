/**
 * The browser tests' Chromium (Debian's, never a downloaded one) and their accessibility audit:
 * axe-core with WCAG 2.0–2.2 A/AA, best-practice and experimental rules, and the page's sideways scroll.
 */
import axe from "axe-core";
import { chromium, type Page } from "playwright-core";

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
