/**
 * Cycle time: the figures (each opening its pull requests), then one chart — each period's stage
 * medians stacked on one hours axis — then every stage's p50/p75/p90 and the figures per period. The
 * query picks day/week/month periods so the bars stay countable over any range; partial periods are marked.
 */
import { useQuery } from "convex/react";
import { Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
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
      {/* Named by its visible text (the figure, then its label), so speech control finds it by what it shows. */}
      <button type="button" className="figure-button" onClick={onClick}>
        <span className="card-value">{value}</span>
        <span className="card-label">{label}</span>
        {detail && <span className="muted">{detail}</span>}
        <span className="visually-hidden"> — show the pull requests</span>
      </button>
    </li>
  );
}

/** The stages that add up to cycle time, stacked bottom to top (the LinearB convention). */
const STACKED: Stage[] = ["coding", "pickup", "review", "merge", "deploy"];
const DAY_MS = 86_400_000;

/** Whether a period covers less than its whole week or month (a range's edge, or today's period). */
function isPartial(p: Pick<CyclePeriod, "start" | "end">, granularity: CycleTime["granularity"], today: number) {
  if (p.end >= today) return true;
  if (granularity === "day") return false;
  if (granularity === "week") return p.end - p.start + 1 < 7;
  const d = new Date(p.start * DAY_MS);
  const monthDays = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  return p.end - p.start + 1 < monthDays;
}

/**
 * One question — where does the time go? — on one axis: each period's stage medians stacked (hours),
 * partial periods drawn lighter and labelled. The chart is a picture for the eye (out of the Tab order);
 * its numbers, and each period's pull requests, are in the tables below.
 */
function CycleChart({ data, onDrill }: { data: CycleTime; onDrill: DrillTo }) {
  const today = Math.floor(Date.now() / DAY_MS);
  const stages = STACKED.filter((s) => data.periods.some((p) => p.p50Hours[s] !== null));
  const rows = data.periods.map((p) => {
    const partial = isPartial(p, data.granularity, today);
    return {
      label: `${p.label.replace(/^Week of /, "")}${partial ? "*" : ""}`,
      partial,
      ...Object.fromEntries(stages.map((s) => [s, p.p50Hours[s] ?? 0])),
    };
  });
  const anyPartial = rows.some((r) => r.partial);
  return (
    <figure className="cycle-chart">
      <div
        style={{ width: "100%", height: 280 }}
        role="img"
        aria-label={`Median hours per stage, stacked, per ${data.granularity}; the figures are in the tables below.`}
      >
        <ResponsiveContainer>
          <BarChart data={rows} margin={{ top: 8, right: 4, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" minTickGap={16} tick={{ fontSize: 11 }} interval="preserveStartEnd" />
            <YAxis tickFormatter={(h: number) => formatHours(h)} tick={{ fontSize: 11 }} width={72} />
            <Tooltip formatter={(value, name) => [formatHours(value as number), name]} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {stages.map((s) => (
              <Bar
                key={s}
                dataKey={s}
                stackId="stages"
                name={STAGE_LABEL[s]}
                fill={LINE_COLOR[s]}
                isAnimationActive={false}
                cursor="pointer"
                onClick={(_, index) => {
                  const period = data.periods[index];
                  if (period) onDrill(period.start, period.end);
                }}
              >
                {rows.map((r) => (
                  <Cell key={r.label} fillOpacity={r.partial ? 0.4 : 1} />
                ))}
              </Bar>
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="muted">
        Where the time goes: each stage&apos;s median per {data.granularity}, stacked (a stage&apos;s median, not a
        share of one pull request&apos;s time).
        {anyPartial && ` * A partial ${data.granularity} (the range's edge, or still under way), drawn lighter.`} Choose
        a bar, or a {data.granularity} in “Figures per {data.granularity}”, to list its pull requests.
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
  const today = Math.floor(Date.now() / DAY_MS);
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
              <tr key={p.start} data-partial={isPartial(p, data.granularity, today) || undefined}>
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
                  {isPartial(p, data.granularity, today) && <span className="muted"> (partial)</span>}
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
