/**
 * The app: sign-in, then the selected installation's pages at `/<account>/<page>` (src/routes.ts).
 * Reads only the public view-model queries (dashboard/*, sync/status); every value is a live
 * subscription. Routing is wouter's (History API: real URLs, the back button, deep links).
 */
import { useConvexAuth, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useEffect, type ReactNode } from "react";
import { Link, Redirect, Route, Switch, useSearch } from "wouter";
import { api } from "../convex/_generated/api";
import { Skeleton } from "./components/Skeleton";
import { useSignInActions } from "./auth";
import { forgetEverything, rememberUser, useKept, useOnline } from "./lib/offline";
import { DEFAULT_PAGE, isPage, pagePath } from "./routes";
import { Workspace } from "./Workspace";

type Installation = NonNullable<FunctionReturnType<typeof api.dashboard.summary.myInstallations>>[number];

export function App({ installUrl, notices }: { installUrl?: string | undefined; notices?: ReactNode }) {
  const { isLoading, isAuthenticated } = useConvexAuth();
  return (
    <div className="page">
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header className="topbar">
        <h1>Syncboard</h1>
        {isAuthenticated && <SignOutButton />}
        {notices}
      </header>
      {isLoading ? (
        <main id="main">
          <Skeleton lines={3} label="Loading" />
        </main>
      ) : isAuthenticated ? (
        <SignedIn installUrl={installUrl} />
      ) : (
        <SignIn />
      )}
    </div>
  );
}

/** The skip link moves focus to the page's heading (the main landmark's first focusable), as Tab expects. */
function skipToMain(e: React.MouseEvent<HTMLAnchorElement>) {
  const target = document.getElementById("page-heading") ?? document.getElementById("main");
  if (!target) return;
  e.preventDefault();
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
}

function SignIn() {
  const { signIn } = useSignInActions();
  return (
    <main id="main" className="panel center">
      <h2>Your GitHub activity, live</h2>
      <p>Pull requests with their health, reviews, CI, issues and commits across your organisation.</p>
      <button type="button" className="primary" onClick={signIn}>
        Sign in with GitHub
      </button>
    </main>
  );
}

/** Signing out deletes what was kept for offline use first (it may hold private titles). */
function SignOutButton() {
  const { signOut } = useSignInActions();
  return (
    <button type="button" onClick={() => void forgetEverything().finally(signOut)}>
      Sign out
    </button>
  );
}

/** Offline: what is shown is what this device kept, and when. */
function OfflineBanner({ asOf }: { asOf: number | null }) {
  return (
    <p className="banner blocked offline-banner" role="status">
      Offline — as of{" "}
      {asOf === null
        ? "your last visit"
        : new Date(asOf).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}
      . Your inbox, the pull request list and your alerts are as this device last saw them; the rest needs a connection.
    </p>
  );
}

function SignedIn({ installUrl }: { installUrl?: string | undefined }) {
  const me = useQuery(api.dashboard.summary.me, {});
  useEffect(() => {
    if (me) rememberUser(me.userId);
  }, [me]);
  const kept = useKept("installations", "all", useQuery(api.dashboard.summary.myInstallations, {}));
  const installations = kept.value;
  const online = useOnline();
  const search = useSearch();
  if (installations === undefined)
    return (
      <main id="main">
        <Skeleton lines={4} label="Loading your installations" />
      </main>
    );
  if (installations.length === 0) return <InstallCallToAction installUrl={installUrl} />;
  const first = installations[0]!.account.login;
  const byLogin = (login: string) => installations.find((i) => i.account.login.toLowerCase() === login.toLowerCase());
  // Redirects keep the query string (it may carry more than the route).
  const to = (account: string, page: string) => pagePath(account, page) + (search ? `?${search}` : "");
  return (
    <>
      {!online && (
        <section aria-label="Connection">
          <OfflineBanner asOf={kept.asOf} />
        </section>
      )}
      <SignedInRoutes installations={installations} first={first} byLogin={byLogin} to={to} />
    </>
  );
}

function SignedInRoutes({
  installations,
  first,
  byLogin,
  to,
}: {
  installations: Installation[];
  first: string;
  byLogin: (login: string) => Installation | undefined;
  to: (account: string, page: string) => string;
}) {
  return (
    <Switch>
      <Route path="/">
        <Redirect to={to(first, DEFAULT_PAGE)} replace />
      </Route>
      <Route path="/:segment">
        {({ segment }) => <Redirect to={isPage(segment) ? to(first, segment) : to(segment, DEFAULT_PAGE)} replace />}
      </Route>
      <Route path="/:account/:page">
        {({ account, page }) => {
          const current = byLogin(account);
          if (!current) return <UnknownAccount account={account} logins={installations.map((i) => i.account.login)} />;
          // The account's own spelling of its login is the canonical URL.
          if (current.account.login !== account) return <Redirect to={to(current.account.login, page)} replace />;
          return <Workspace key={current.installationId} installations={installations} current={current} page={page} />;
        }}
      </Route>
      <Route>
        <main id="main" className="panel center">
          <h2>Page not found</h2>
          <p>
            <Link href={pagePath(first, DEFAULT_PAGE)}>Go to your inbox</Link>
          </p>
        </main>
      </Route>
    </Switch>
  );
}

/** An account in the URL the user cannot see; answered exactly as one that does not exist. */
function UnknownAccount({ account, logins }: { account: string; logins: string[] }) {
  return (
    <main id="main" className="panel center">
      <h2>No installation for “{account}”</h2>
      <p>Syncboard is not installed on that account, or you are not allowed to see it.</p>
      <p>
        Your accounts:{" "}
        {logins.map((login, n) => (
          <span key={login}>
            {n > 0 && ", "}
            <Link href={pagePath(login, DEFAULT_PAGE)}>{login}</Link>
          </span>
        ))}
      </p>
    </main>
  );
}

function InstallCallToAction({ installUrl }: { installUrl?: string | undefined }) {
  return (
    <main id="main" className="panel center">
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
