/**
 * The last 30 days on the PR page: one question per chart — pull requests opened and merged per day —
 * on one axis; reviews and commits, and every number, in the table beside it.
 */
import { useQuery } from "convex/react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Skeleton } from "./Skeleton";
import { useUtcDay } from "./time";

export function TrendsChart({ installationId, days = 30 }: { installationId: Id<"installations">; days?: number }) {
  const today = useUtcDay();
  const trends = useQuery(api.dashboard.trends.trends, { installationId, days, today });
  if (trends === undefined) return <Skeleton lines={6} label="Loading trends" />;
  if (trends === null) return null;
  const hours = (h: number | null) => (h === null ? "—" : h < 48 ? `${h} h` : `${Math.round(h / 24)} days`);
  const sum = (key: "prsOpened" | "prsMerged" | "reviews" | "commits") =>
    trends.days.reduce((n, d) => n + d[key], 0).toLocaleString("en");
  return (
    <figure className="trends">
      <div
        style={{ width: "100%", height: 200 }}
        role="img"
        aria-label={`Pull requests opened and merged per day over ${days} days: ${sum("prsOpened")} opened, ${sum("prsMerged")} merged.`}
      >
        <ResponsiveContainer>
          <BarChart
            data={trends.days}
            margin={{ top: 8, right: 8, bottom: 0, left: -16 }}
            barGap={1}
            accessibilityLayer={false}
          >
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="date" tickFormatter={(d: string) => d.slice(5)} minTickGap={20} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="prsOpened" name="Opened" fill="#3b82f6" isAnimationActive={false} />
            <Bar dataKey="prsMerged" name="Merged" fill="#16a34a" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>
        <table className="totals">
          <caption className="visually-hidden">Totals of the period shown</caption>
          <tbody>
            <tr>
              <th scope="row">Pull requests opened</th>
              <td>{sum("prsOpened")}</td>
            </tr>
            <tr>
              <th scope="row">Pull requests merged</th>
              <td>{sum("prsMerged")}</td>
            </tr>
            <tr>
              <th scope="row">Reviews</th>
              <td>{sum("reviews")}</td>
            </tr>
            <tr>
              <th scope="row">Commits</th>
              <td>{sum("commits")}</td>
            </tr>
            <tr>
              <th scope="row">Median time to first review</th>
              <td>{hours(trends.medianHoursToFirstReview)}</td>
            </tr>
            <tr>
              <th scope="row">Median time to merge</th>
              <td>{hours(trends.medianHoursToMerge)}</td>
            </tr>
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
