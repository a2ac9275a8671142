/**
 * One installation's pages. On every page: the sync status banner, the account (with the picker
 * when there are several), the bell, Sync Now and the page navigation with the caller's counts
 * ("Inbox 4", "Alerts 2"). Then the page itself; the figures live on the overview.
 */
import { useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useEffect, useRef, type ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { ActivityFeed } from "./components/ActivityFeed";
import { Analytics } from "./components/Analytics";
import { AlertBell, AlertList, useMyUnreadAlerts } from "./components/Alerts";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Inbox, useInboxCount } from "./components/Inbox";
import { IntegrationHealthCard } from "./components/IntegrationHealthCard";
import { IntegrationStatusBanner } from "./components/IntegrationStatusBanner";
import { MyStats } from "./components/MyStats";
import { Organisations } from "./components/Organisations";
import { Overview } from "./components/Overview";
import { PullRequestTable } from "./components/PullRequestTable";
import { Reports } from "./components/Reports";
import { RepositoryTable } from "./components/RepositoryTable";
import { ReviewerLoad } from "./components/ReviewerLoad";
import { Settings } from "./components/Settings";
import { SyncHealth } from "./components/SyncHealth";
import { SyncNowButton } from "./components/SyncNowButton";
import { TrendsChart } from "./components/TrendsChart";
import { Watchlist } from "./components/Watchlist";
import { DEFAULT_PAGE, PAGES, isPage, pagePath, type PageSlug } from "./routes";
import { plural } from "./lib/plural";

type Installation = FunctionReturnType<typeof api.dashboard.summary.myInstallations>[number];
type PageProps = { installationId: Id<"installations">; account: string };

const PAGE_CONTENT: Record<PageSlug, (props: PageProps) => ReactNode> = {
  inbox: ({ installationId, account }) => (
    <ErrorBoundary label="inbox">
      <Inbox installationId={installationId} account={account} />
    </ErrorBoundary>
  ),
  overview: ({ installationId, account }) => (
    <ErrorBoundary label="overview">
      <Overview installationId={installationId} account={account} />
    </ErrorBoundary>
  ),
  pulls: ({ installationId, account }) => (
    <>
      <section className="panel" aria-label="Pull request list">
        <ErrorBoundary label="pull requests">
          <PullRequestTable installationId={installationId} account={account} />
        </ErrorBoundary>
      </section>
      <div className="columns">
        <section aria-labelledby="trends-heading" className="panel">
          <h3 id="trends-heading">Trends (30 days)</h3>
          <ErrorBoundary label="trends">
            <TrendsChart installationId={installationId} />
          </ErrorBoundary>
        </section>
        <aside className="side">
          <ErrorBoundary label="your stats">
            <MyStats installationId={installationId} />
          </ErrorBoundary>
        </aside>
      </div>
    </>
  ),
  reviewers: ({ installationId, account }) => (
    <ErrorBoundary label="reviewer load">
      <ReviewerLoad installationId={installationId} account={account} />
    </ErrorBoundary>
  ),
  analytics: ({ installationId, account }) => (
    <ErrorBoundary label="analytics">
      <Analytics installationId={installationId} account={account} />
    </ErrorBoundary>
  ),
  reports: ({ installationId, account }) => (
    <ErrorBoundary label="reports">
      <Reports installationId={installationId} account={account} />
    </ErrorBoundary>
  ),
  organisations: ({ account }) => (
    <ErrorBoundary label="organisations">
      <Organisations current={account} />
    </ErrorBoundary>
  ),
  repos: ({ installationId }) => (
    <div className="columns">
      <section className="panel" aria-label="Repository list">
        <ErrorBoundary label="repositories">
          <RepositoryTable installationId={installationId} />
        </ErrorBoundary>
      </section>
      <aside className="side">
        <ErrorBoundary label="integration health">
          <IntegrationHealthCard installationId={installationId} />
        </ErrorBoundary>
      </aside>
    </div>
  ),
  settings: ({ installationId }) => (
    <ErrorBoundary label="settings">
      <Settings installationId={installationId} />
    </ErrorBoundary>
  ),
  activity: ({ installationId }) => (
    <section className="panel" aria-label="Activity feed">
      <ErrorBoundary label="activity">
        <ActivityFeed installationId={installationId} />
      </ErrorBoundary>
    </section>
  ),
  alerts: ({ installationId }) => (
    <ErrorBoundary label="alerts">
      <AlertList installationId={installationId} />
    </ErrorBoundary>
  ),
  watchlist: ({ installationId }) => (
    <ErrorBoundary label="watchlist">
      <Watchlist installationId={installationId} />
    </ErrorBoundary>
  ),
  health: ({ installationId }) => (
    <ErrorBoundary label="sync health">
      <SyncHealth installationId={installationId} />
    </ErrorBoundary>
  ),
};

/** The installed app's badge (Chrome, Edge, Safari): the caller's unread alert rows, while the app is open. */
function useAppBadge(unread: number | undefined) {
  useEffect(() => {
    const nav = navigator as Navigator & { setAppBadge?: (n: number) => Promise<void> };
    if (unread === undefined || !nav.setAppBadge) return;
    void nav.setAppBadge(unread).catch(() => undefined);
  }, [unread]);
}

export function Workspace({
  installations,
  current,
  page,
}: {
  installations: Installation[];
  current: Installation;
  page: string;
}) {
  const { installationId } = current;
  const account = current.account.login;
  const known = isPage(page) ? PAGES.find((p) => p.slug === page) : undefined;
  const title = known?.label ?? "Page not found";
  const heading = useRef<HTMLHeadingElement>(null);
  const mounted = useRef(false);
  useEffect(() => {
    document.title = `${title} · ${account} · Syncboard`;
  }, [title, account]);
  // After a navigation (not on load), focus moves to the new page's heading, as a page load would.
  useEffect(() => {
    if (mounted.current) heading.current?.focus({ preventScroll: true });
    mounted.current = true;
  }, [page]);
  return (
    <div className="workspace">
      {/* The account bar is a landmark of its own: everything on the page is in one (axe `region`). */}
      <section className="account-bar" aria-label="Account">
        <ErrorBoundary label="sync status">
          <IntegrationStatusBanner installationId={installationId} />
        </ErrorBoundary>
        <div className="toolbar">
          {installations.length > 1 ? (
            <InstallationPicker installations={installations} current={current} page={page} />
          ) : (
            <h2>{account}</h2>
          )}
          <div className="toolbar-actions">
            <ErrorBoundary label="alerts">
              <AlertBell installationId={installationId} account={account} />
            </ErrorBoundary>
            <SyncNowButton installationId={installationId} />
          </div>
        </div>
      </section>
      <PageNavigation
        installationId={installationId}
        account={account}
        page={page}
        several={installations.length > 1}
      />
      <main id="main" className="dashboard" aria-labelledby="page-heading" data-page={known?.slug ?? "not-found"}>
        <h2 id="page-heading" className="page-title" tabIndex={-1} ref={heading}>
          {title}
        </h2>
        {known ? (
          PAGE_CONTENT[known.slug]({ installationId, account })
        ) : (
          <p className="empty">
            There is no page “{page}”. <Link href={pagePath(account, DEFAULT_PAGE)}>Go to your inbox</Link>
          </p>
        )}
      </main>
    </div>
  );
}

/**
 * The pages, with what waits on the caller counted on their names; Sync health (an operators' page)
 * for administrators only, Organisations when there are several.
 */
function PageNavigation({
  installationId,
  account,
  page,
  several,
}: {
  installationId: Id<"installations">;
  account: string;
  page: string;
  several: boolean;
}) {
  const counts: Partial<Record<PageSlug, number | undefined>> = {
    inbox: useInboxCount(installationId),
    alerts: useMyUnreadAlerts(installationId),
  };
  useAppBadge(counts.alerts);
  const admin = useQuery(api.settings.get, { installationId })?.canEdit ?? false;
  const shown = PAGES.filter(
    (p) => (p.slug !== "organisations" || several) && (p.slug !== "health" || admin || page === "health"),
  );
  return (
    <nav aria-label="Pages" className="tabs">
      {shown.map((p) => {
        const count = counts[p.slug];
        return (
          <Link key={p.slug} href={pagePath(account, p.slug)} aria-current={p.slug === page ? "page" : undefined}>
            {p.label}
            {count ? <span className="tab-count"> {count}</span> : null}
          </Link>
        );
      })}
    </nav>
  );
}

/** The account whose pages are shown; choosing another keeps the page. */
function InstallationPicker({
  installations,
  current,
  page,
}: {
  installations: Installation[];
  current: Installation;
  page: string;
}) {
  const [, navigate] = useLocation();
  return (
    <nav aria-label="Installations" className="picker">
      <label>
        <span className="visually-hidden">Account</span>
        <select
          value={current.account.login}
          onChange={(e) => navigate(pagePath(e.target.value, isPage(page) ? page : DEFAULT_PAGE))}
        >
          {installations.map((i) => (
            <option key={i.installationId} value={i.account.login}>
              {i.account.login} ({plural(i.openPullRequests, "open PR")})
            </option>
          ))}
        </select>
      </label>{" "}
      <Link href={pagePath(current.account.login, "organisations")}>All organisations</Link>
    </nav>
  );
}
