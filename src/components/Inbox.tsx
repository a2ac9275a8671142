/**
 * The signed-in user's inbox: what waits on them, and what of theirs waits on others, live.
 *
 * The query is reached through a typed reference by name, so the app builds before (and without)
 * the generated api entry; when the function is missing, the query throws and the page's
 * ErrorBoundary says so.
 */
import { useQuery } from "convex/react";
import { makeFunctionReference } from "convex/server";
import type { Id } from "../../convex/_generated/dataModel";
import { HEALTH_TEXT, healthReasonsText, waitingOnText, waitingReasonText, type Health } from "./prText";
import { Empty, Skeleton } from "./Skeleton";
import { StaleBadge } from "./StaleBadge";
import { elapsed, useNow, useUtcDay } from "./time";
import { ListKeysHelp, useListKeys } from "../lib/listKeys";
import { NotReadyYet, useReadiness } from "./NotReadyYet";
import { WhereWorkStalls } from "./Overview";
import { useKept } from "../lib/offline";

interface InboxRow {
  id: string;
  repository: string;
  number: number;
  title: string;
  url: string;
  author: string;
  health: Health;
  healthReasons: string[];
  /** Logins, or "team:<slug>" for a team. */
  waitingOn: string[];
  /** Epoch ms. */
  waitingSince: number;
  stale: boolean;
  /** Why it waits, a code (WAITING_REASON_TEXT). */
  reason: string;
  /** Review requests: the viewer's login, or "team:<slug>" when the request reached them through a team. */
  requestedFrom?: string;
}

interface InboxResult {
  login: string;
  /** The caller's teams (optional until every deployment returns them). */
  teams?: Array<{ slug: string; name: string }>;
  requested: InboxRow[];
  needsYou: InboxRow[];
  waitingOnOthers: InboxRow[];
}

const inboxQuery = makeFunctionReference<
  "query",
  { installationId: Id<"installations">; today?: number },
  InboxResult | null
>("dashboard/inbox:inbox");

const SECTIONS = [
  {
    key: "requested",
    heading: "Review requested from you",
    empty: "No review is requested from you.",
    showWaitingOn: true,
  },
  {
    key: "needsYou",
    heading: "Your pull requests that need you",
    empty: "None of your pull requests needs you.",
    showWaitingOn: false,
  },
  {
    key: "waitingOnOthers",
    heading: "Yours, waiting on others",
    empty: "None of your pull requests is waiting on others.",
    showWaitingOn: true,
  },
] as const;

/** What waits on the caller (requested from them, and their PRs that need them): the navigation's count. */
export function useInboxCount(installationId: Id<"installations">): number | undefined {
  const inbox = useMyInbox(installationId);
  return inbox ? inbox.requested.length + inbox.needsYou.length : undefined;
}

/** The caller's inbox: live, or offline the last one this device showed (src/lib/offline.ts). */
function useMyInbox(installationId: Id<"installations">) {
  return useKept("inbox", installationId, useQuery(inboxQuery, { installationId, today: useUtcDay() })).value;
}

export function Inbox({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const inbox = useMyInbox(installationId);
  const now = useNow(60_000);
  const keys = useListKeys<HTMLDivElement>();
  const readiness = useReadiness(installationId);
  if (inbox === undefined) return <Skeleton lines={6} label="Loading your inbox" />;
  if (inbox === null) return <Empty>The inbox of this account is not available to you.</Empty>;
  const empty = SECTIONS.every((s) => inbox[s.key].length === 0);
  // Nothing synced yet: say so, and nothing that reads as "all clear".
  if (empty && readiness !== "ready") return <NotReadyYet installationId={installationId} account={account} />;
  // Sections with rows first (oldest first within each), so the first row is on the first screen.
  const sections = [...SECTIONS].sort((a, b) => Number(inbox[a.key].length === 0) - Number(inbox[b.key].length === 0));
  let first = true;
  return (
    <div className="inbox" ref={keys.ref}>
      <ListKeysHelp open={keys.help} onClose={keys.closeHelp} />
      {sections.map((section) => {
        const rows = inbox[section.key];
        const headingId = `inbox-${section.key}`;
        if (rows.length === 0)
          return (
            <p key={section.key} className="inbox-empty muted" id={headingId}>
              {section.empty}
            </p>
          );
        return (
          <section key={section.key} className="panel inbox-section" aria-labelledby={headingId}>
            <h3 id={headingId}>
              {section.heading} <span className="count">{rows.length}</span>
            </h3>
            <ol className="inbox-list">
              {rows.map((row) => {
                const tabbable = first;
                first = false;
                return (
                  <InboxItem
                    key={row.id}
                    row={row}
                    me={inbox.login}
                    now={now}
                    showWaitingOn={section.showWaitingOn}
                    tabbable={tabbable}
                    teamName={(slug) => inbox.teams?.find((t) => t.slug === slug)?.name ?? slug}
                  />
                );
              })}
            </ol>
          </section>
        );
      })}
      {empty && <WhereWorkStalls installationId={installationId} account={account} />}
    </div>
  );
}

function InboxItem({
  row,
  me,
  now,
  showWaitingOn,
  tabbable,
  teamName,
}: {
  row: InboxRow;
  me: string;
  now: number;
  showWaitingOn: boolean;
  tabbable: boolean;
  teamName: (slug: string) => string;
}) {
  // The health reasons, less the one the "why" already says.
  const reasons = healthReasonsText(row.healthReasons.filter((r) => r !== row.reason));
  return (
    <li className="inbox-row" data-health={row.health} data-row tabIndex={tabbable ? 0 : -1}>
      <span className={`pill health-${row.health}`}>{HEALTH_TEXT[row.health]}</span>
      <div className="inbox-main">
        <a href={row.url}>{row.title}</a>
        {row.stale && <StaleBadge />}
        <div className="muted">
          {row.repository}#{row.number} by {row.author}
          {row.requestedFrom?.startsWith("team:") && (
            <span className="via-team">
              {" "}
              · requested from your team {teamName(row.requestedFrom.slice("team:".length))}
            </span>
          )}
        </div>
        <div className="why">
          <strong>{waitingReasonText(row.reason)}</strong>
          {reasons && <span className="muted"> · {reasons}</span>}
        </div>
        {showWaitingOn && row.waitingOn.length > 0 && (
          <div className="muted">Waiting on {waitingOnText(row.waitingOn, me)}</div>
        )}
      </div>
      <div className="inbox-since">
        waiting{" "}
        <time dateTime={new Date(row.waitingSince).toISOString()} title={new Date(row.waitingSince).toLocaleString()}>
          {elapsed(row.waitingSince, now)}
        </time>
      </div>
    </li>
  );
}
