import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Skeleton } from "./Skeleton";
import { useUtcDay } from "./time";

export function MyStats({ installationId }: { installationId: Id<"installations"> }) {
  const today = useUtcDay();
  const stats = useQuery(api.dashboard.trends.userStats, { installationId, days: 30, today });
  if (stats === undefined) return <Skeleton lines={3} label="Loading your stats" />;
  if (stats === null) return null;
  return (
    <section className="panel" aria-labelledby="mine-heading">
      <h3 id="mine-heading">
        You ({stats.login}), last {stats.days} days
      </h3>
      <dl className="facts">
        <dt>PRs opened</dt>
        <dd>{stats.pullRequestsOpened}</dd>
        <dt>PRs merged</dt>
        <dd>{stats.pullRequestsMerged}</dd>
        <dt>Reviews given</dt>
        <dd>{stats.reviewsGiven}</dd>
        <dt>Commits</dt>
        <dd>{stats.commits}</dd>
      </dl>
    </section>
  );
}
