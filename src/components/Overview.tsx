/**
 * The overview: the installation's figures, each a link to the list behind it, and — for a lead —
 * where work stalls, on one screen: the PRs waiting longest, the people over their review agreement,
 * and the red PRs by reason, each linking into the filtered list.
 */
import { usePaginatedQuery, useQuery } from "convex/react";
import { Link } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { plural } from "../lib/plural";
import { pagePath } from "../routes";
import { NotReadyYet } from "./NotReadyYet";
import { healthReasonsText, waitingOnText } from "./prText";
import { Empty, Skeleton } from "./Skeleton";
import { elapsed, useNow, useUtcDay } from "./time";

type Props = { installationId: Id<"installations">; account: string };

const listLink = (account: string, page: string, query: Record<string, string> = {}) => {
  const q = new URLSearchParams(query).toString();
  return `${pagePath(account, page)}${q ? `?${q}` : ""}`;
};

function SummaryCards({ installationId, account }: Props) {
  const s = useQuery(api.dashboard.summary.summary, { installationId });
  if (s === undefined) return <Skeleton lines={1} label="Loading summary" />;
  if (s === null) return null;
  const cards = [
    { label: "Repositories", value: s.repositories, className: "", href: listLink(account, "repos") },
    { label: "Open pull requests", value: s.openPullRequests, className: "", href: listLink(account, "pulls") },
    { label: "✓ Green", value: s.openPullRequestsByHealth.green, className: "health-green", health: "green" },
    { label: "● Yellow", value: s.openPullRequestsByHealth.yellow, className: "health-yellow", health: "yellow" },
    { label: "✕ Red", value: s.openPullRequestsByHealth.red, className: "health-red", health: "red" },
    { label: "Open issues", value: s.openIssues, className: "", href: null },
  ];
  return (
    <ul className="cards" aria-label="Summary">
      {cards.map((c) => {
        const href = "health" in c ? listLink(account, "pulls", { health: c.health! }) : c.href;
        const body = (
          <>
            <span className="card-value">{c.value.toLocaleString("en")}</span>
            <span className="card-label">{c.label}</span>
          </>
        );
        return (
          <li key={c.label} className={`card ${c.className}`}>
            {href ? (
              <Link href={href} className="card-link">
                {body}
              </Link>
            ) : (
              body
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function Overview(props: Props) {
  return (
    <>
      <NotReadyYet {...props} />
      <SummaryCards {...props} />
      <WhereWorkStalls {...props} />
    </>
  );
}

const SHOWN = 5;

export function WhereWorkStalls({ installationId, account }: Props) {
  const today = useUtcDay();
  const now = useNow(60_000);
  const waiting = usePaginatedQuery(
    api.dashboard.lists.pullRequests,
    { installationId, sort: "waiting", today },
    { initialNumItems: SHOWN },
  );
  const red = usePaginatedQuery(
    api.dashboard.lists.pullRequests,
    { installationId, health: "red", today },
    { initialNumItems: 100 },
  );
  const load = useQuery(api.dashboard.reviewerLoad.reviewerLoad, { installationId, today, days: 30 });
  const settings = useQuery(api.settings.get, { installationId });
  const limit = settings?.agreements.maxOpenRequests;
  const over = load && limit !== undefined ? load.people.filter((p) => p.openRequests >= limit) : undefined;
  const reasons = new Map<string, number>();
  for (const pr of red.results) for (const r of pr.healthReasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  return (
    <section className="panel" aria-labelledby="stalls-heading">
      <h3 id="stalls-heading">Where work stalls</h3>
      <div className="stalls">
        <section aria-labelledby="stalls-waiting">
          <h4 id="stalls-waiting">Waiting longest</h4>
          {waiting.status === "LoadingFirstPage" ? (
            <Skeleton lines={3} label="Loading the longest-waiting pull requests" />
          ) : waiting.results.length === 0 ? (
            <Empty>No open pull request waits on anyone.</Empty>
          ) : (
            <ol className="compact">
              {waiting.results.slice(0, SHOWN).map((pr) => (
                <li key={pr.id}>
                  <a href={pr.url}>{pr.title}</a>
                  <div className="muted">
                    {pr.repository}#{pr.number}
                    {pr.waitingSince !== undefined && ` · ${elapsed(pr.waitingSince, now)}`}
                    {pr.waitingOn?.length ? ` · on ${waitingOnText(pr.waitingOn)}` : ""}
                  </div>
                </li>
              ))}
            </ol>
          )}
          <Link href={listLink(account, "pulls", { sort: "waiting" })}>All waiting pull requests</Link>
        </section>
        <section aria-labelledby="stalls-people">
          <h4 id="stalls-people">Over the review agreement</h4>
          {over === undefined ? (
            <Skeleton lines={3} label="Loading reviewer load" />
          ) : over.length === 0 ? (
            <Empty>Nobody has {limit ?? "too many"} or more open review requests.</Empty>
          ) : (
            <ol className="compact">
              {over.slice(0, SHOWN).map((p) => (
                <li key={p.reviewer}>
                  <Link href={listLink(account, "pulls", { reviewer: p.reviewer })}>{p.reviewer}</Link>{" "}
                  <span className="muted">{plural(p.openRequests, "open request")}</span>
                </li>
              ))}
            </ol>
          )}
          <Link href={listLink(account, "reviewers")}>Reviewer load</Link>
        </section>
        <section aria-labelledby="stalls-red">
          <h4 id="stalls-red">Red pull requests by reason</h4>
          {red.status === "LoadingFirstPage" ? (
            <Skeleton lines={3} label="Loading red pull requests" />
          ) : reasons.size === 0 ? (
            <Empty>No open pull request is red.</Empty>
          ) : (
            <ul className="compact">
              {[...reasons.entries()]
                .sort((a, b) => b[1] - a[1])
                .map(([reason, count]) => (
                  <li key={reason}>
                    {healthReasonsText([reason])} <span className="muted">{plural(count, "PR")}</span>
                  </li>
                ))}
            </ul>
          )}
          {red.status === "CanLoadMore" && <p className="muted">Of the 100 most recently updated red PRs.</p>}
          <Link href={listLink(account, "pulls", { health: "red" })}>All red pull requests</Link>
        </section>
      </div>
    </section>
  );
}
