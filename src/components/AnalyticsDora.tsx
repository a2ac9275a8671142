/**
 * DORA's four keys with their band (elite/high/medium/low, the 2023 State of DevOps thresholds), each
 * with a line on how it is derived. Without deployments, how to get them: GitHub deployments to a
 * production environment, or a workflow chosen per repository in Settings.
 */
import { useQuery } from "convex/react";
import { Link } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Band } from "../../convex/dashboard/dora";
import type { Stage } from "../../convex/dashboard/analytics";
import type { DeploymentDrill } from "./AnalyticsDeployments";
import { formatHours, type AnalyticsFilters } from "./AnalyticsFormat";
import { Empty, Skeleton } from "./Skeleton";

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

const BAND_TEXT: Record<Band, string> = { elite: "★ Elite", high: "▲ High", medium: "● Medium", low: "▼ Low" };

export function AnalyticsDora({
  filters,
  settingsPath,
  onDrill,
  onDeployments,
}: {
  filters: AnalyticsFilters;
  settingsPath: string;
  onDrill: (from: number | "range", to?: number, stage?: Stage) => void;
  onDeployments: (outcome: DeploymentDrill) => void;
}) {
  const { installationId, from, to, repositoryId } = filters;
  const dora = useQuery(api.dashboard.dora.metrics, {
    installationId,
    from,
    to,
    ...(repositoryId && { repositoryId }),
  });
  if (dora === undefined) return <Skeleton lines={4} label="Loading DORA metrics" />;
  if (dora === null) return <Empty>DORA metrics are not available for this account.</Empty>;
  const { deploymentFrequency: df, leadTime: lt, changeFailureRate: cfr, timeToRestore: ttr } = dora;
  return (
    <>
      {!dora.hasDeployments && <NoDeployments settingsPath={settingsPath} />}
      <ul className="cards dora" aria-label="DORA metrics">
        <DoraCard
          title="Deployment frequency"
          value={
            df.deployments === 0 ? "none" : `${df.perWeek < 10 ? df.perWeek.toFixed(1) : Math.round(df.perWeek)} / week`
          }
          band={df.band}
          explain={`${count(df.deployments, "successful production deployment")} in the range. Elite: daily or more; high: weekly; medium: monthly.`}
          action={df.deployments > 0 ? ["Show the deployments", () => onDeployments("success")] : undefined}
        />
        <DoraCard
          title="Lead time for changes"
          value={formatHours(lt.p50Hours)}
          band={lt.band}
          explain={`Median from first commit to running in production, over ${count(lt.changes, "change")}. Elite: under a day; high: a week; medium: a month.`}
          action={lt.changes > 0 ? ["Show the pull requests", () => onDrill("range", undefined, "lead")] : undefined}
        />
        <DoraCard
          title="Change failure rate"
          value={cfr.rate === null ? "—" : `${Math.round(cfr.rate * 1000) / 10}%`}
          band={cfr.band}
          explain={`${cfr.failures.toLocaleString()} of ${count(cfr.deployments, "production deployment")} failed. Elite: at most 5%; high: 10%; medium: 15%.`}
          action={cfr.deployments > 0 ? ["Show the deployments", () => onDeployments("all")] : undefined}
        />
        <DoraCard
          title="Time to restore"
          value={formatHours(ttr.p50Hours)}
          band={ttr.band}
          explain={`Median from a production environment's first failed deployment to its next success, over ${count(ttr.restores, "restore")}. Elite: under an hour; high: a day; medium: a week.`}
          action={ttr.restores > 0 ? ["Show the restores", () => onDeployments("restore")] : undefined}
        />
      </ul>
      {(filters.team || filters.author) && (
        <p className="muted">
          Deployments belong to repositories: the team and person filters do not narrow DORA metrics.
        </p>
      )}
    </>
  );
}

function DoraCard({
  title,
  value,
  band,
  explain,
  action,
}: {
  title: string;
  value: string;
  band: Band | null;
  explain: string;
  /** What a click shows (its label), and the click. */
  action?: [string, () => void] | undefined;
}) {
  return (
    <li className={`card dora-card band-${band ?? "none"}`} data-metric={title}>
      <span className="card-label">{title}</span>
      <span className="card-value">{value}</span>
      <span className="band">{band ? BAND_TEXT[band] : "No data yet"}</span>
      <span className="muted">{explain}</span>
      {action && (
        <button type="button" className="link" onClick={action[1]}>
          {action[0]}
        </button>
      )}
    </li>
  );
}

function NoDeployments({ settingsPath }: { settingsPath: string }) {
  return (
    <div className="callout" role="note">
      <p>
        <strong>No deployments yet.</strong> Syncboard counts GitHub deployments to a production environment (one marked
        as production, or named <code>production</code>, <code>prod…</code> or <code>live</code>): create them from your
        deploy job (for example with an Actions job&apos;s <code>environment: production</code>).
      </p>
      <p>
        Deploying without GitHub deployments? Choose, per repository, a workflow whose runs on the default branch count
        as deployments in <Link href={settingsPath}>Settings</Link>.
      </p>
    </div>
  );
}
