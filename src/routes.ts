/**
 * The app's URLs: `/<account>/<page>`, the selected installation by its GitHub account login
 * (readable and shareable, stable across sessions; an App has one installation per account), then
 * the page. `/`, `/<page>` and `/<account>` are redirected to that form (the first installation, the
 * inbox). A later page (Analytics, Settings) is one more entry here and one in Workspace's table.
 */
export const PAGES = [
  { slug: "inbox", label: "Inbox" },
  { slug: "overview", label: "Overview" },
  { slug: "pulls", label: "Pull requests" },
  { slug: "alerts", label: "Alerts" },
  { slug: "reviewers", label: "Reviewer load" },
  { slug: "analytics", label: "Analytics" },
  // Saved views of Analytics and the PR list (`?report=<id>` opens one).
  { slug: "reports", label: "Reports" },
  { slug: "activity", label: "Activity" },
  { slug: "repos", label: "Repositories" },
  // Outside repositories the team follows (seed 001): never in the figures above.
  { slug: "watchlist", label: "Watchlist" },
  { slug: "settings", label: "Settings" },
  // The operators' page (Replay buttons): in the navigation of administrators only.
  { slug: "health", label: "Sync health" },
  // Across every installation the user sees; in the navigation only when there are several.
  { slug: "organisations", label: "Organisations" },
] as const;

export type PageSlug = (typeof PAGES)[number]["slug"];

/** Where a signed-in user lands. */
export const DEFAULT_PAGE: PageSlug = "inbox";

export const isPage = (slug: string): slug is PageSlug => PAGES.some((p) => p.slug === slug);

export const pagePath = (account: string, page: string) => `/${encodeURIComponent(account)}/${page}`;
