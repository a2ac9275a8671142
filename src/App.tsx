/**
 * The app: sign-in, installation picker, and the dashboard of the selected installation. Reads
 * only the public view-model queries (dashboard/*, sync/status); every value is a live subscription.
 */
import { useConvexAuth, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { ActivityFeed } from "./components/ActivityFeed";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { IntegrationHealthCard } from "./components/IntegrationHealthCard";
import { IntegrationStatusBanner } from "./components/IntegrationStatusBanner";
import { MyStats } from "./components/MyStats";
import { PullRequestTable } from "./components/PullRequestTable";
import { Skeleton } from "./components/Skeleton";
import { SummaryCards } from "./components/SummaryCards";
import { SyncNowButton } from "./components/SyncNowButton";
import { TrendsChart } from "./components/TrendsChart";
import { useSignInActions } from "./auth";

export function App({ installUrl }: { installUrl?: string | undefined }) {
  const { isLoading, isAuthenticated } = useConvexAuth();
  return (
    <div className="page">
      <header className="topbar">
        <h1>Syncboard</h1>
        {isAuthenticated && <SignOutButton />}
      </header>
      {isLoading ? (
        <Skeleton lines={3} label="Loading" />
      ) : isAuthenticated ? (
        <SignedIn installUrl={installUrl} />
      ) : (
        <SignIn />
      )}
    </div>
  );
}

function SignIn() {
  const { signIn } = useSignInActions();
  return (
    <main className="panel center">
      <h2>Your GitHub activity, live</h2>
      <p>Pull requests with their health, reviews, CI, issues and commits across your organisation.</p>
      <button type="button" className="primary" onClick={signIn}>
        Sign in with GitHub
      </button>
    </main>
  );
}

function SignOutButton() {
  const { signOut } = useSignInActions();
  return (
    <button type="button" onClick={signOut}>
      Sign out
    </button>
  );
}

function SignedIn({ installUrl }: { installUrl?: string | undefined }) {
  const installations = useQuery(api.dashboard.summary.myInstallations, {});
  const [selected, setSelected] = useState<Id<"installations"> | null>(null);
  if (installations === undefined) return <Skeleton lines={4} label="Loading your installations" />;
  if (installations.length === 0) return <InstallCallToAction installUrl={installUrl} />;
  const current = installations.find((i) => i.installationId === selected) ?? installations[0]!;
  return (
    <>
      {installations.length > 1 && (
        <nav aria-label="Installations" className="picker">
          <label>
            Account{" "}
            <select value={current.installationId} onChange={(e) => setSelected(e.target.value as Id<"installations">)}>
              {installations.map((i) => (
                <option key={i.installationId} value={i.installationId}>
                  {i.account.login} ({i.openPullRequests} open PRs)
                </option>
              ))}
            </select>
          </label>
        </nav>
      )}
      <Dashboard key={current.installationId} installationId={current.installationId} account={current.account.login} />
    </>
  );
}

function InstallCallToAction({ installUrl }: { installUrl?: string | undefined }) {
  return (
    <main className="panel center">
      <h2>Install the GitHub App</h2>
      <p>
        Syncboard reads your repositories through a GitHub App with read-only permissions. Install it on your account or
        organisation; the first sync starts by itself and this page fills in live.
      </p>
      <p className="muted" aria-label="Why nothing is shown">
        You are signed in, but no installation is visible to you. You see an installation on your own account, one you
        installed, or one on an organisation you are a member of. Members are read from GitHub when the App is installed
        and every hour after: if your organisation already uses Syncboard, you appear within the hour, or as soon as an
        owner grants the App the organisation&apos;s Members permission.
      </p>
      {installUrl ? (
        <a className="button primary" href={installUrl}>
          Install the GitHub App
        </a>
      ) : (
        <p className="muted">The install link is not configured (VITE_GITHUB_APP_INSTALL_URL).</p>
      )}
    </main>
  );
}

function Dashboard({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  return (
    <main className="dashboard" aria-label={`Dashboard for ${account}`}>
      <ErrorBoundary label="sync status">
        <IntegrationStatusBanner installationId={installationId} />
      </ErrorBoundary>
      <div className="toolbar">
        <h2>{account}</h2>
        <SyncNowButton installationId={installationId} />
      </div>
      <ErrorBoundary label="summary">
        <SummaryCards installationId={installationId} />
      </ErrorBoundary>
      <div className="columns">
        <section aria-labelledby="prs-heading" className="panel wide">
          <h3 id="prs-heading">Pull requests</h3>
          <ErrorBoundary label="pull requests">
            <PullRequestTable installationId={installationId} />
          </ErrorBoundary>
        </section>
        <aside className="side">
          <ErrorBoundary label="integration health">
            <IntegrationHealthCard installationId={installationId} />
          </ErrorBoundary>
          <ErrorBoundary label="your stats">
            <MyStats installationId={installationId} />
          </ErrorBoundary>
        </aside>
      </div>
      <section aria-labelledby="trends-heading" className="panel">
        <h3 id="trends-heading">Trends (30 days)</h3>
        <ErrorBoundary label="trends">
          <TrendsChart installationId={installationId} />
        </ErrorBoundary>
      </section>
      <section aria-labelledby="activity-heading" className="panel">
        <h3 id="activity-heading">Activity</h3>
        <ErrorBoundary label="activity">
          <ActivityFeed installationId={installationId} />
        </ErrorBoundary>
      </section>
    </main>
  );
}
