/**
 * Reviewer load, for the team lead: per person and per team, the review requests waiting on them now,
 * the median time from a request to their first review after it, and the reviews they gave in the
 * window. Read from maintained buckets (`dashboard/reviewerLoad`), live.
 */
import { useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
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

export function ReviewerLoad({ installationId }: { installationId: Id<"installations"> }) {
  const [days, setDays] = useState<(typeof WINDOWS)[number]>(30);
  const today = useUtcDay();
  const load = useQuery(api.dashboard.reviewerLoad.reviewerLoad, { installationId, today, days });
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
          />
          <LoadTable
            heading="Teams"
            empty="No team has review requests yet."
            rows={load.teams}
            name={(r) => `${r.name ?? r.reviewer}${r.members ? ` (${r.members} members)` : ""}`}
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
}: {
  heading: string;
  empty: string;
  rows: Row[];
  name: (r: Row) => string;
}) {
  const id = `load-${heading.toLowerCase()}`;
  return (
    <section className="panel" aria-labelledby={id}>
      <h3 id={id}>{heading}</h3>
      {rows.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table className="load cards-when-narrow">
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
              {rows.map((r) => (
                <tr key={r.reviewer}>
                  <td>
                    <strong>{name(r)}</strong>
                  </td>
                  <td data-label="Open requests">{r.openRequests}</td>
                  <td data-label="Median response time">{hoursText(r.medianPickupHours)}</td>
                  <td data-label="Requests answered">{r.pickups}</td>
                  <td data-label="Reviews given">{r.reviewsGiven}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
