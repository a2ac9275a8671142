/**
 * A saved report's figures in a few lines of text (its weekly Slack summary), read as its author may
 * read them through the dashboard's own functions (the Analytics page's cycle time and DORA, the pull
 * request list), so the summary and the page never disagree. Null when there is nothing to say: no pull
 * request merged and no deployment in the range, or no pull request in the list.
 */
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { InstallationScope } from "../builders";
import { cycleTimeOf } from "../dashboard/analytics";
import { doraOf } from "../dashboard/dora";
import { pullRequestsPage } from "../dashboard/lists";
import { MAX_PAGE_SIZE } from "../pagination";
import { formatHours, plural } from "../messages";
import { coverage } from "./definition";
import { DAY_MS } from "../model/contribution";

type Report = Doc<"savedReports">;

export async function summaryText(
  ctx: QueryCtx & InstallationScope,
  report: Report,
  now: number,
): Promise<string | null> {
  const today = Math.floor(now / DAY_MS);
  const repository = report.filters.repositoryId ? await ctx.db.get(report.filters.repositoryId) : null;
  const title = `Weekly report “${report.name}” for ${ctx.installation.accountLogin} (${coverage(report, repository?.fullName)})`;
  const lines =
    report.page === "analytics" ? await analyticsLines(ctx, report, today) : await pullLines(ctx, report, now);
  return lines === null ? null : [title, ...lines.map((l) => `• ${l}`)].join("\n");
}

async function analyticsLines(ctx: QueryCtx & InstallationScope, report: Report, today: number) {
  const { days = 30, repositoryId, team, author } = report.filters;
  const range = { installationId: ctx.installation._id, from: today - days + 1, to: today };
  const wants = (figure: Report["figures"][number]) => report.figures.includes(figure);
  const [cycle, dora] = await Promise.all([
    wants("cycle_time")
      ? cycleTimeOf(ctx, {
          ...range,
          ...(repositoryId && { repositoryId }),
          ...(team && { team }),
          ...(author && { author }),
        })
      : null,
    wants("dora") ? doraOf(ctx, { ...range, ...(repositoryId && { repositoryId }) }) : null,
  ]);
  const lines: string[] = [];
  if (cycle && cycle.totals.merged > 0) {
    const p50 = (s: keyof typeof cycle.totals.stages) => formatHours(cycle.totals.stages[s].p50Hours);
    lines.push(
      `${plural(cycle.totals.merged, "pull request")} merged; cycle time p50 ${p50("cycle")} ` +
        `(coding ${p50("coding")} · pickup ${p50("pickup")} · review ${p50("review")} · merge ${p50("merge")})`,
    );
  }
  if (dora && dora.changeFailureRate.deployments > 0) {
    const band = (b: string | null) => (b ? ` (${b})` : "");
    const rate = dora.changeFailureRate.rate;
    lines.push(
      `${plural(dora.deploymentFrequency.deployments, "successful deployment")}, ${dora.deploymentFrequency.perWeek} a week` +
        `${band(dora.deploymentFrequency.band)}; lead time p50 ${formatHours(dora.leadTime.p50Hours)}; ` +
        `change failure rate ${rate === null ? "—" : `${Math.round(rate * 100)} %`}; ` +
        `time to restore p50 ${formatHours(dora.timeToRestore.p50Hours)}`,
    );
  }
  return lines.length > 0 ? lines : null;
}

async function pullLines(ctx: QueryCtx & InstallationScope, report: Report, now: number) {
  const { days: _days, repositoryId: _id, ...filters } = report.filters;
  const page = await pullRequestsPage(ctx, {
    ...filters,
    installationId: ctx.installation._id,
    paginationOpts: { numItems: MAX_PAGE_SIZE, cursor: null },
    today: Math.floor(now / DAY_MS),
  });
  const rows = page.page;
  if (rows.length === 0) return null;
  const count = `${plural(rows.length, "pull request")}${page.isDone ? "" : " or more"}`;
  const health = (["red", "yellow"] as const)
    .map((h) => [h, rows.filter((r) => r.state === "open" && r.health === h).length] as const)
    .filter(([, n]) => n > 0)
    .map(([h, n]) => `${n} ${h}`);
  const stale = rows.filter((r) => r.stale === true).length;
  const oldest = Math.min(...rows.map((r) => r.waitingSince ?? Infinity));
  return [
    `${count}${health.length ? ` (${health.join(", ")})` : ""}`,
    ...(stale > 0 ? [`${plural(stale, "pull request")} waiting longer than the stale threshold`] : []),
    ...(Number.isFinite(oldest) ? [`waiting longest: ${formatHours((now - oldest) / 3_600_000)}`] : []),
  ];
}
