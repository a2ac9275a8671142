/**
 * "Download daily metrics CSV": one row per UTC day of the range, for the page's filters: merged PRs,
 * those without approval, deployed, each stage's median (cycleTime by day), and the deployments,
 * successes and failures of DORA's periods that are that day.
 */
import { useConvex } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { DoraMetrics } from "../../convex/dashboard/dora";
import { downloadCsv, toCsv, type CsvValue } from "../csv";
import { STAGES, isoDay, type AnalyticsFilters } from "./AnalyticsFormat";

/** convex/dashboard/dora.ts gives daily periods for ranges up to this many days. */
const DORA_DAILY_DAYS = 31;

export function DailyMetricsExport({ filters }: { filters: AnalyticsFilters }) {
  const convex = useConvex();
  const [message, setMessage] = useState<string | null>(null);
  async function exportDaily() {
    setMessage("Preparing…");
    try {
      const { installationId, from, to, repositoryId } = filters;
      // DORA answers by day for up to a month: a longer range is asked a month at a time.
      const months: Array<[number, number]> = [];
      for (let start = from; start <= to; start += DORA_DAILY_DAYS)
        months.push([start, Math.min(to, start + DORA_DAILY_DAYS - 1)]);
      const [cycle, ...doras] = await Promise.all([
        convex.query(api.dashboard.analytics.cycleTime, { ...filters, granularity: "day" }),
        ...months.map(([start, end]) =>
          convex.query(api.dashboard.dora.metrics, {
            installationId,
            from: start,
            to: end,
            ...(repositoryId && { repositoryId }),
          }),
        ),
      ]);
      const byDay = new Map<number, CsvValue[]>();
      for (let day = from; day <= to; day++) byDay.set(day, [isoDay(day)]);
      for (const p of cycle?.periods ?? []) {
        const round = (h: number | null) => (h === null ? null : Math.round(h * 100) / 100);
        byDay.get(p.start)?.push(p.merged, p.unapproved, p.deployed, ...STAGES.map((s) => round(p.p50Hours[s])));
      }
      const doraPeriods: DoraMetrics["periods"] = doras.flatMap((d) => d?.periods ?? []);
      const doraDaily = doras.every((d) => d !== null) && doraPeriods.every((p) => p.start === p.end);
      const doraDays = new Map(doraPeriods.map((p) => [p.start, p]));
      const rows = [...byDay.entries()].map(([day, row]) => {
        const cells = row.length > 1 ? row : [...row, 0, 0, 0, ...STAGES.map(() => null)];
        const d = doraDays.get(day);
        if (!doraDaily) return [...cells, null, null, null];
        return [...cells, d?.deployments ?? 0, d?.successes ?? 0, d?.failures ?? 0];
      });
      const header = [
        "date",
        "merged",
        "merged_without_approval",
        "deployed",
        ...STAGES.map((s) => `${s}_p50_hours`),
        "deployments",
        "deployment_successes",
        "deployment_failures",
      ];
      downloadCsv(`daily-metrics-${isoDay(from)}-${isoDay(to)}.csv`, toCsv(header, rows));
      setMessage(null);
    } catch {
      setMessage("The export failed; try again.");
    }
  }
  return (
    <>
      <button type="button" onClick={exportDaily} disabled={message === "Preparing…"}>
        Download daily metrics CSV
      </button>
      {message && <span role="status"> {message}</span>}
    </>
  );
}
