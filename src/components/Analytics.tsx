/**
 * The Analytics page (issue 14): a date range ending on the browser's UTC today and filters, all kept
 * in the URL's query string so a view can be shared; cycle time and DORA panels; the drill-down to the
 * merged pull requests behind a figure, and the CSV exports.
 */
import { useQuery } from "convex/react";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Stage } from "../../convex/dashboard/analytics";
import { AnalyticsDeployments, type DeploymentDrill } from "./AnalyticsDeployments";
import { AnalyticsPanels } from "./AnalyticsPanels";
import { AnalyticsDrillDown, type Drill } from "./AnalyticsDrillDown";
import { DailyMetricsExport } from "./AnalyticsExport";
import { STAGES, type AnalyticsFilters } from "./AnalyticsFormat";
import { ErrorBoundary } from "./ErrorBoundary";
import { SaveReport } from "./SaveReport";
import { ANALYTICS_DAYS } from "../../convex/reports/definition";
import { useUtcDay } from "./time";

/** The ranges offered, as a saved report keeps them. */
const RANGES = ANALYTICS_DAYS;
const DEPLOYMENT_DRILLS: readonly DeploymentDrill[] = ["all", "success", "failure", "restore"];
const DEFAULT_RANGE = 30;

/**
 * The view as the URL says: ?days=90&repo=<id>&team=<slug>&author=<login>&drill=<from>..<to>&stage=<stage>
 * (the merged PRs behind a figure) and &deployments=all|success|failure|restore (DORA's deployments).
 */
function useAnalyticsView(installationId: Id<"installations">) {
  const [params, setParams] = useSearchParams();
  const today = useUtcDay();
  const asked = Number(params.get("days"));
  const days = (RANGES as readonly number[]).includes(asked) ? asked : DEFAULT_RANGE;
  const repositoryId = params.get("repo") || undefined;
  const team = params.get("team") || undefined;
  const author = params.get("author")?.trim() || undefined;
  const filters: AnalyticsFilters = {
    installationId,
    from: today - days + 1,
    to: today,
    ...(repositoryId && { repositoryId: repositoryId as Id<"repositories"> }),
    ...(team && { team }),
    ...(author && { author }),
  };
  const drillRange = /^(\d+)\.\.(\d+)$/.exec(params.get("drill") ?? "");
  const stageParam = params.get("stage");
  const stage = STAGES.find((s) => s === stageParam);
  let drill: Drill | null = null;
  if (params.get("drill") === "range") drill = { from: filters.from, to: filters.to, stage };
  else if (drillRange) {
    // A period's days, kept inside the range shown.
    const from = Math.max(filters.from, Number(drillRange[1]));
    const to = Math.min(filters.to, Number(drillRange[2]));
    if (from <= to) drill = { from, to, stage };
  }
  const deploymentsParam = params.get("deployments");
  const deployments = DEPLOYMENT_DRILLS.find((d) => d === deploymentsParam) ?? null;
  /** Change some of the view's parameters (others, like the sign-in's, stay); empty removes one. */
  const set = (changes: Record<string, string | undefined>, options?: { replace?: boolean }) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined || value === "") next.delete(key);
        else next.set(key, value);
      }
      return next;
    }, options);
  return { days, filters, drill, deployments, author: author ?? "", set };
}

export function Analytics({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const { days, filters, drill, deployments, author, set } = useAnalyticsView(installationId);
  const options = useQuery(api.dashboard.analytics.filterOptions, { installationId });
  // Narrowing the view closes a drill-down that no longer matches it.
  const narrow = (changes: Record<string, string | undefined>) =>
    set({ ...changes, drill: undefined, stage: undefined, deployments: undefined });
  const openDrill = (from: number | "range", to?: number, stage?: Stage) =>
    set({ drill: from === "range" ? "range" : `${from}..${to}`, stage });
  return (
    <div className="analytics">
      <div className="filter-bar">
        <form className="filters analytics-filters" aria-label="Analytics filters" onSubmit={(e) => e.preventDefault()}>
          <fieldset className="range-presets">
            <legend className="visually-hidden">Date range</legend>
            {RANGES.map((n) => (
              <button
                key={n}
                type="button"
                aria-pressed={n === days}
                className={n === days ? "primary" : undefined}
                onClick={() => narrow({ days: n === DEFAULT_RANGE ? undefined : String(n) })}
              >
                {n === 365 ? "1 year" : `${n} days`}
              </button>
            ))}
          </fieldset>
          <label>
            Repository{" "}
            <select value={filters.repositoryId ?? ""} onChange={(e) => narrow({ repo: e.target.value })}>
              <option value="">All repositories</option>
              {options?.repositories.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.fullName}
                </option>
              ))}
            </select>
          </label>
          <label>
            Team{" "}
            <select value={filters.team ?? ""} onChange={(e) => narrow({ team: e.target.value })}>
              <option value="">Everyone</option>
              {options?.teams.map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <PersonFilter value={author} onChange={(login) => narrow({ author: login })} />
        </form>
        <SaveReport installationId={installationId} account={account} page="analytics" />
      </div>
      <p className="muted analytics-range">
        UTC days {new Date(filters.from * 86_400_000).toISOString().slice(0, 10)} to{" "}
        {new Date(filters.to * 86_400_000).toISOString().slice(0, 10)} (today). <DailyMetricsExport filters={filters} />
      </p>
      <AnalyticsPanels
        filters={filters}
        account={account}
        onDrill={openDrill}
        onDeployments={(outcome) => set({ deployments: outcome })}
        afterCycle={
          drill && (
            <section className="panel drill" aria-labelledby="drill-heading">
              <ErrorBoundary label="pull requests behind the figure">
                <AnalyticsDrillDown
                  filters={filters}
                  drill={drill}
                  onClose={() => set({ drill: undefined, stage: undefined })}
                />
              </ErrorBoundary>
            </section>
          )
        }
        afterDora={
          deployments && (
            <section className="panel drill" aria-labelledby="deployments-heading">
              <ErrorBoundary label="deployments behind the figure">
                <AnalyticsDeployments
                  filters={filters}
                  outcome={deployments}
                  onClose={() => set({ deployments: undefined })}
                />
              </ErrorBoundary>
            </section>
          )
        }
      />
    </div>
  );
}

/** A login typed in: the URL follows once typing pauses (each change is a new query). */
function PersonFilter({ value, onChange }: { value: string; onChange: (login: string) => void }) {
  const [text, setText] = useState(value);
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => latest.current(text.trim()), 400);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <label>
      Person{" "}
      <input
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onChange(text.trim());
        }}
        placeholder="GitHub login"
        size={12}
        spellCheck={false}
        autoCapitalize="off"
      />
    </label>
  );
}
