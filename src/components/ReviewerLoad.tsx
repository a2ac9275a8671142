/**
 * Reviewer load, for the team lead: per person and per team, the review requests waiting on them now,
 * the median time from a request to their first review after it, and the reviews they gave in the
 * window. Read from maintained buckets (`dashboard/reviewerLoad`), live.
 */
import { useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Link } from "wouter";
import { plural } from "../lib/plural";
import { pagePath } from "../routes";
import { Empty, Skeleton } from "./Skeleton";
import { useUtcDay } from "./time";

const WINDOWS = [7, 30, 90] as const;

type Row = {
  reviewer: string;
  openRequests: number;
  pickups: number;
  medianPickupHours: number | null;
  reviewsGiven: number;
  name?: string;
  members?: number;
};

/** "45 min", "3.2 h", "2.5 days". */
function hoursText(hours: number | null): string {
  if (hours === null) return "—";
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} days`;
}

export function ReviewerLoad({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const [days, setDays] = useState<(typeof WINDOWS)[number]>(30);
  const today = useUtcDay();
  const load = useQuery(api.dashboard.reviewerLoad.reviewerLoad, { installationId, today, days });
  const limit = useQuery(api.settings.get, { installationId })?.agreements.maxOpenRequests;
  const queue = (reviewer: string) => `${pagePath(account, "pulls")}?${new URLSearchParams({ reviewer })}`;
  return (
    <>
      <form className="filters" aria-label="Reviewer load window" onSubmit={(e) => e.preventDefault()}>
        <label>
          Window{" "}
          <select value={days} onChange={(e) => setDays(Number(e.target.value) as (typeof WINDOWS)[number])}>
            {WINDOWS.map((d) => (
              <option key={d} value={d}>
                last {d} days
              </option>
            ))}
          </select>
        </label>
      </form>
      {load === undefined ? (
        <Skeleton lines={6} label="Loading reviewer load" />
      ) : load === null ? (
        <Empty>The reviewer load of this account is not available to you.</Empty>
      ) : (
        <>
          <LoadTable
            heading="People"
            empty="Nobody has open review requests or gave a review in this window."
            rows={load.people}
            name={(r) => r.reviewer}
            limit={limit}
            queue={queue}
          />
          <LoadTable
            heading="Teams"
            empty="No team has review requests yet."
            rows={load.teams}
            name={(r) => `${r.name ?? r.reviewer}${r.members ? ` (${plural(r.members, "member")})` : ""}`}
            limit={undefined}
            queue={queue}
          />
          <p className="muted">
            Response time: from a review request to the reviewer's first review after it (not Analytics' pickup, which
            starts when a pull request is ready for review). A team's load is the requests made to the team plus its
            members' own.
          </p>
        </>
      )}
    </>
  );
}

function LoadTable({
  heading,
  empty,
  rows,
  name,
  limit,
  queue,
}: {
  heading: string;
  empty: string;
  rows: Row[];
  name: (r: Row) => string;
  /** The agreement on open requests per person: at or over it is marked. */
  limit: number | undefined;
  queue: (reviewer: string) => string;
}) {
  const overCount = limit === undefined ? 0 : rows.filter((r) => r.openRequests >= limit).length;
  const id = `load-${heading.toLowerCase()}`;
  return (
    <section className="panel" aria-labelledby={id}>
      <h3 id={id}>{heading}</h3>
      {limit !== undefined && rows.length > 0 && (
        <p className="muted">
          {overCount === 0
            ? `Nobody has ${limit} or more open review requests (the agreement).`
            : `${plural(overCount, "person", "people")} at or over the agreement of fewer than ${limit} open requests, marked ⚠.`}
        </p>
      )}
      {rows.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table className="load dense cards-when-narrow">
            <thead>
              <tr>
                <th scope="col">{heading === "Teams" ? "Team" : "Reviewer"}</th>
                <th scope="col">Open requests</th>
                <th scope="col">Median response time</th>
                <th scope="col">Requests answered</th>
                <th scope="col">Reviews given</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const over = limit !== undefined && r.openRequests >= limit;
                return (
                  <tr key={r.reviewer} data-over={over || undefined}>
                    <td>
                      <Link href={queue(r.reviewer)}>
                        <strong>{name(r)}</strong>
                      </Link>
                    </td>
                    <td data-label="Open requests">
                      {over && <span aria-hidden="true">⚠ </span>}
                      {r.openRequests}
                      {over && <span className="visually-hidden"> (over the agreement)</span>}
                    </td>
                    <td data-label="Median response time">{hoursText(r.medianPickupHours)}</td>
                    <td data-label="Requests answered">{r.pickups}</td>
                    <td data-label="Reviews given">{r.reviewsGiven}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
