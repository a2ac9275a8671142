/**
 * Cycle time: merged PRs per period as bars, each stage's median as a line (hours), then every stage's
 * p50/p75/p90. The query picks day/week/month periods so the bars stay countable over any range; the
 * hours axis turns logarithmic when the stages differ by orders of magnitude (minutes of pickup beside
 * weeks of deploy), so no line is flattened onto the axis.
 */
import { useQuery } from "convex/react";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../../convex/_generated/api";
import type { CyclePeriod, CycleTime, Stage } from "../../convex/dashboard/analytics";
import { STAGES, STAGE_HELP, STAGE_LABEL, dayRangeText, formatHours, type AnalyticsFilters } from "./AnalyticsFormat";
import { Empty, Skeleton } from "./Skeleton";

type DrillTo = (from: number | "range", to?: number, stage?: Stage) => void;

const LINE_COLOR: Record<Stage, string> = {
  coding: "#8250df",
  pickup: "#bc4c00",
  review: "#0969da",
  merge: "#1a7f37",
  deploy: "#cf222e",
  cycle: "#1f2328",
  lead: "#57606a",
};
const CHART_STAGES: Stage[] = ["coding", "pickup", "review", "merge", "deploy", "cycle"];
const SIZE_LABELS = [
  ["xs", "XS"],
  ["s", "S"],
  ["m", "M"],
  ["l", "L"],
  ["xl", "XL"],
] as const;

/** The size of the merged PRs in the range (`analytics.sizes`), in one line. */
function PullRequestSizes({ filters }: { filters: AnalyticsFilters }) {
  const sizes = useQuery(api.dashboard.analytics.sizes, filters);
  if (!sizes) return null;
  return (
    <p className="muted" aria-label="Size of merged pull requests">
      Size of merged pull requests:{" "}
      {SIZE_LABELS.map(([size, label]) => `${sizes[size].toLocaleString()} ${label}`).join(" · ")} (changed lines under
      10, 100, 500, 1,000, and more).
    </p>
  );
}

/** Hours a reader knows, for the logarithmic axis's ticks: a minute, ten minutes, an hour, … a year. */
const LOG_TICKS = [1 / 60, 1 / 6, 1, 6, 24, 168, 720, 8760];

export function AnalyticsCycleTime({ filters, onDrill }: { filters: AnalyticsFilters; onDrill: DrillTo }) {
  const data = useQuery(api.dashboard.analytics.cycleTime, filters);
  if (data === undefined) return <Skeleton lines={8} label="Loading cycle time" />;
  if (data === null || data.totals.merged === 0)
    return (
      <Empty>
        No pull request was merged in this range
        {filters.repositoryId || filters.team || filters.author ? " with these filters" : ""}. Cycle time appears here
        as pull requests merge.
      </Empty>
    );
  const { totals } = data;
  const unapprovedShare = totals.merged > 0 ? totals.unapproved / totals.merged : 0;
  return (
    <>
      <ul className="cards analytics-figures" aria-label="Cycle time figures">
        <Figure label="Merged pull requests" value={totals.merged.toLocaleString()} onClick={() => onDrill("range")} />
        <Figure
          label="Median cycle time"
          value={formatHours(totals.stages.cycle.p50Hours)}
          onClick={() => onDrill("range", undefined, "cycle")}
        />
        <Figure
          label="Median lead time"
          value={formatHours(totals.stages.lead.p50Hours)}
          onClick={() => onDrill("range", undefined, "lead")}
        />
        <Figure
          label="Merged without approval"
          value={`${Math.round(unapprovedShare * 100)}%`}
          detail={`${totals.unapproved.toLocaleString()} of ${totals.merged.toLocaleString()}`}
          onClick={() => onDrill("range")}
        />
      </ul>
      <PullRequestSizes filters={filters} />
      <CycleChart data={data} onDrill={onDrill} />
      <StageTable data={data} onDrill={onDrill} />
      <PeriodTable data={data} onDrill={onDrill} />
    </>
  );
}

function Figure({
  label,
  value,
  detail,
  onClick,
}: {
  label: string;
  value: string;
  detail?: string;
  onClick: () => void;
}) {
  return (
    <li className="card figure">
      <button
        type="button"
        className="figure-button"
        onClick={onClick}
        aria-label={`${label}: ${value}. Show the pull requests`}
      >
        <span className="card-value">{value}</span>
        <span className="card-label">{label}</span>
        {detail && <span className="muted">{detail}</span>}
      </button>
    </li>
  );
}

/** A zero has no place on a log axis: that point is left out of its line (the tables have it). */
const plotted = (p: CyclePeriod, s: Stage, log: boolean) => (log && p.p50Hours[s] === 0 ? null : p.p50Hours[s]);

function CycleChart({ data, onDrill }: { data: CycleTime; onDrill: DrillTo }) {
  const stages = CHART_STAGES.filter((s) => data.periods.some((p) => p.p50Hours[s] !== null));
  const positive = data.periods
    .flatMap((p) => stages.map((s) => p.p50Hours[s]))
    .filter((h): h is number => !!h && h > 0);
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  const log = positive.length > 0 && max / min >= 50;
  const low = log ? ([...LOG_TICKS].reverse().find((t) => t <= min) ?? LOG_TICKS[0]!) : 0;
  const high = log ? (LOG_TICKS.find((t) => t >= max) ?? max) : undefined;
  const rows = data.periods.map((p) => ({
    label: p.label,
    merged: p.merged,
    ...Object.fromEntries(stages.map((s) => [s, plotted(p, s, log)])),
  }));
  return (
    <figure className="cycle-chart">
      <div style={{ width: "100%", height: 300 }}>
        <ResponsiveContainer>
          <ComposedChart data={rows} margin={{ top: 8, right: 4, bottom: 0, left: -12 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" minTickGap={12} tick={{ fontSize: 12 }} />
            <YAxis yAxisId="count" allowDecimals={false} tick={{ fontSize: 12 }} width={44} />
            <YAxis
              yAxisId="hours"
              orientation="right"
              scale={log ? "log" : "auto"}
              domain={log ? [low, high!] : [0, "auto"]}
              ticks={log ? LOG_TICKS.filter((t) => t >= low && t <= high!) : undefined}
              allowDataOverflow={log}
              tickFormatter={(h: number) => formatHours(h)}
              tick={{ fontSize: 12 }}
              width={60}
            />
            <Tooltip
              formatter={(value, name) =>
                name === "Merged" ? [String(value), name] : [formatHours(value as number | null), name]
              }
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar
              yAxisId="count"
              dataKey="merged"
              name="Merged"
              fill="#b6d4fe"
              isAnimationActive={false}
              cursor="pointer"
              onClick={(_, index) => {
                const period = data.periods[index];
                if (period) onDrill(period.start, period.end);
              }}
            />
            {stages.map((s) => (
              <Line
                key={s}
                yAxisId="hours"
                dataKey={s}
                name={`${STAGE_LABEL[s]} (median)`}
                stroke={LINE_COLOR[s]}
                strokeWidth={s === "cycle" ? 3 : 2}
                strokeDasharray={s === "cycle" ? "6 3" : undefined}
                dot={data.periods.length <= 31 ? { r: 2 } : false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="muted">
        Merged pull requests per {data.granularity} (bars, left axis) and each stage&apos;s median in hours (lines,
        right axis{log ? ", logarithmic: the stages differ by orders of magnitude" : ""}). Choose a {data.granularity}{" "}
        to list its pull requests.
      </figcaption>
    </figure>
  );
}

function StageTable({ data, onDrill }: { data: CycleTime; onDrill: DrillTo }) {
  return (
    <div className="table-scroll">
      <table className="stages cards-when-narrow" aria-label="Stages">
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">PRs</th>
            <th scope="col">p50</th>
            <th scope="col">p75</th>
            <th scope="col">p90</th>
          </tr>
        </thead>
        <tbody>
          {STAGES.map((s) => {
            const p = data.totals.stages[s];
            return (
              <tr key={s} className={s === "cycle" || s === "lead" ? "total" : undefined} data-stage={s}>
                <th scope="row">
                  <button type="button" className="link" onClick={() => onDrill("range", undefined, s)}>
                    {STAGE_LABEL[s]}
                  </button>
                  <div className="muted">{STAGE_HELP[s]}</div>
                </th>
                <td data-label="PRs">{p.count.toLocaleString()}</td>
                <td data-label="p50">{formatHours(p.p50Hours)}</td>
                <td data-label="p75">{formatHours(p.p75Hours)}</td>
                <td data-label="p90">{formatHours(p.p90Hours)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The chart's figures as a table: readable without the chart, and each period's pull requests a click away. */
function PeriodTable({ data, onDrill }: { data: CycleTime; onDrill: DrillTo }) {
  return (
    <details className="periods">
      <summary>Figures per {data.granularity}</summary>
      <div className="table-scroll">
        <table className="periods cards-when-narrow">
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Merged</th>
              <th scope="col">Without approval</th>
              <th scope="col">Deployed</th>
              <th scope="col">Median cycle</th>
            </tr>
          </thead>
          <tbody>
            {data.periods.map((p) => (
              <tr key={p.start}>
                <th scope="row">
                  <button
                    type="button"
                    className="link"
                    onClick={() => onDrill(p.start, p.end)}
                    aria-label={`${p.label}: ${p.merged} merged. Show the pull requests`}
                    title={dayRangeText(p.start, p.end)}
                  >
                    {p.label}
                  </button>
                </th>
                <td data-label="Merged">{p.merged.toLocaleString()}</td>
                <td data-label="Without approval">{p.unapproved.toLocaleString()}</td>
                <td data-label="Deployed">{p.deployed.toLocaleString()}</td>
                <td data-label="Median cycle">{formatHours(p.p50Hours.cycle)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
