/**
 * The Analytics page's figures as panels — cycle time, then DORA — for the page itself and for a saved
 * report (which shows the figures it chose); what follows each panel (a drill-down) is the caller's.
 */
import type { ReactNode } from "react";
import type { Stage } from "../../convex/dashboard/analytics";
import type { ReportFigure } from "../../convex/reports/definition";
import { pagePath } from "../routes";
import { AnalyticsCycleTime } from "./AnalyticsCycleTime";
import { AnalyticsDora } from "./AnalyticsDora";
import type { DeploymentDrill } from "./AnalyticsDeployments";
import type { AnalyticsFilters } from "./AnalyticsFormat";
import { ErrorBoundary } from "./ErrorBoundary";

export function AnalyticsPanels({
  filters,
  account,
  figures = ["cycle_time", "dora"],
  onDrill,
  onDeployments,
  afterCycle,
  afterDora,
}: {
  filters: AnalyticsFilters;
  account: string;
  figures?: readonly ReportFigure[];
  onDrill: (from: number | "range", to?: number, stage?: Stage) => void;
  onDeployments: (outcome: DeploymentDrill) => void;
  afterCycle?: ReactNode;
  afterDora?: ReactNode;
}) {
  return (
    <>
      {figures.includes("cycle_time") && (
        <section className="panel" aria-labelledby="cycle-heading">
          <h3 id="cycle-heading">Cycle time</h3>
          <ErrorBoundary label="cycle time">
            <AnalyticsCycleTime filters={filters} onDrill={onDrill} />
          </ErrorBoundary>
        </section>
      )}
      {afterCycle}
      {figures.includes("dora") && (
        <section className="panel" aria-labelledby="dora-heading">
          <h3 id="dora-heading">DORA metrics</h3>
          <ErrorBoundary label="DORA metrics">
            <AnalyticsDora
              filters={filters}
              settingsPath={pagePath(account, "settings")}
              onDrill={onDrill}
              onDeployments={onDeployments}
            />
          </ErrorBoundary>
        </section>
      )}
      {afterDora}
    </>
  );
}
