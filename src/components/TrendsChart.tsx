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
  return (
    <figure className="trends">
      <div style={{ width: "100%", height: 220 }}>
        <ResponsiveContainer>
          <BarChart data={trends.days} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="date" tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar dataKey="prsOpened" name="PRs opened" fill="#3b82f6" />
            <Bar dataKey="prsMerged" name="PRs merged" fill="#16a34a" />
            <Bar dataKey="reviews" name="Reviews" fill="#a855f7" />
            <Bar dataKey="commits" name="Commits" fill="#64748b" />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>
        Median time from opening to first review: {hours(trends.medianHoursToFirstReview)} · from opening to merge:{" "}
        {hours(trends.medianHoursToMerge)}
      </figcaption>
    </figure>
  );
}
