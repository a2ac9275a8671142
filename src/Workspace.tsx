/**
 * One installation's pages. On every page: the sync status banner, the account (with the picker
 * when there are several), Sync Now, the summary and the page navigation. Then the page itself.
 */
import type { FunctionReturnType } from "convex/server";
import { useEffect, useRef, type ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { ActivityFeed } from "./components/ActivityFeed";
import { Analytics } from "./components/Analytics";
import { AlertBell, AlertList } from "./components/Alerts";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Inbox } from "./components/Inbox";
import { IntegrationHealthCard } from "./components/IntegrationHealthCard";
import { IntegrationStatusBanner } from "./components/IntegrationStatusBanner";
import { MyStats } from "./components/MyStats";
import { Organisations } from "./components/Organisations";
import { PullRequestTable } from "./components/PullRequestTable";
import { RepositoryTable } from "./components/RepositoryTable";
import { ReviewerLoad } from "./components/ReviewerLoad";
import { Settings } from "./components/Settings";
import { SummaryCards } from "./components/SummaryCards";
import { SyncHealth } from "./components/SyncHealth";
import { SyncNowButton } from "./components/SyncNowButton";
import { TrendsChart } from "./components/TrendsChart";
import { DEFAULT_PAGE, PAGES, isPage, pagePath, type PageSlug } from "./routes";

type Installation = FunctionReturnType<typeof api.dashboard.summary.myInstallations>[number];
type PageProps = { installationId: Id<"installations">; account: string };

const PAGE_CONTENT: Record<PageSlug, (props: PageProps) => ReactNode> = {
  inbox: ({ installationId }) => (
    <ErrorBoundary label="inbox">
      <Inbox installationId={installationId} />
    </ErrorBoundary>
  ),
  pulls: ({ installationId }) => (
    <>
      <section className="panel" aria-label="Pull request list">
        <ErrorBoundary label="pull requests">
          <PullRequestTable installationId={installationId} />
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
  reviewers: ({ installationId }) => (
    <ErrorBoundary label="reviewer load">
      <ReviewerLoad installationId={installationId} />
    </ErrorBoundary>
  ),
  analytics: ({ installationId, account }) => (
    <ErrorBoundary label="analytics">
      <Analytics installationId={installationId} account={account} />
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
  health: ({ installationId }) => (
    <ErrorBoundary label="sync health">
      <SyncHealth installationId={installationId} />
    </ErrorBoundary>
  ),
};

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
      <ErrorBoundary label="summary">
        <SummaryCards installationId={installationId} />
      </ErrorBoundary>
      <nav aria-label="Pages" className="tabs">
        {PAGES.filter((p) => p.slug !== "organisations" || installations.length > 1).map((p) => (
          <Link key={p.slug} href={pagePath(account, p.slug)} aria-current={p.slug === page ? "page" : undefined}>
            {p.label}
          </Link>
        ))}
      </nav>
      <main className="dashboard" aria-labelledby="page-heading" data-page={known?.slug ?? "not-found"}>
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
              {i.account.login} ({i.openPullRequests} open PRs)
            </option>
          ))}
        </select>
      </label>{" "}
      <Link href={pagePath(current.account.login, "organisations")}>All organisations</Link>
    </nav>
  );
}
