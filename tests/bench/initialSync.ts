/**
 * Issue 12's benchmark: a first sync of seed 002's XL organisation against the fake GitHub under
 * load (300 ms per request, GitHub's secondary limits enforced), in simulated time (fake timers: the
 * clock jumps to the next timer whenever nothing else can run), once with today's worker (one
 * request at a time, no open-work stage, fixed PR pages: `SYNCBOARD_SYNC_MODE=sequential`) and once
 * with issue 12's, side by side.
 */
import { vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { OrgSize } from "../fakeGitHub/generator";
import { createInstallation, makeConvex } from "../helpers/convex";
import { useFakeGitHub } from "../helpers/github";

const T = Date.UTC(2026, 10, 24, 12);
const DAY = 86_400_000;
/** Seed 002's XL organisation: 200 repositories, 6,000 PRs (~15% open), a year of history. */
export const XL: OrgSize = {
  repos: 200,
  prsPerRepo: 30,
  openShare: 0.15,
  issuesPerRepo: 10,
  commentsPerIssue: 2,
  reviewsPerPr: 2,
  checksPerPr: 2,
  historyDays: 365,
  shape: "realistic",
  commitsPerRepo: 40,
  bigRepos: 5,
  bigRepoCommits: 1_500,
};
const REST_PER_MINUTE = 900;
const GRAPHQL_POINTS_PER_MINUTE = 2_000;
const s = (ms: number) => Math.round(ms / 100) / 10;
/** Wall clock that fake timers do not freeze. */
const realNow = performance.now.bind(performance);

type Run = Awaited<ReturnType<typeof measure>>;

async function measure(mode: "sequential" | "concurrent", org: OrgSize) {
  vi.useFakeTimers({ now: T });
  vi.stubEnv("SYNCBOARD_SYNC_MODE", mode === "sequential" ? "sequential" : "");
  const fake = useFakeGitHub({ seed: 2, org, latencyMs: 300 });
  const t = makeConvex();
  const installationId = await createInstallation(t, {
    githubInstallationId: fake.installationId,
    accountId: fake.org.id,
  });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: fake.org.repos.map((r) => ({
      githubId: r.id,
      name: r.name,
      fullName: `${r.owner}/${r.name}`,
      private: r.private,
    })),
  });
  const realStart = realNow();
  const start = Date.now();
  await t.mutation(internal.sync.service.request, { installationId, trigger: "webhook" });
  await t.finishAllScheduledFunctions(() => vi.advanceTimersToNextTimer(), 1_000_000);
  const realMs = realNow() - realStart;
  const openIds = new Set(
    fake.org.repos.flatMap((r) => r.pullRequests.filter((p) => p.state === "open").map((p) => p.id)),
  );
  const db = await t.run(async (ctx) => {
    const job = (await ctx.db.query("syncJobs").order("desc").first())!;
    const open = (await ctx.db.query("pullRequests").collect()).filter((p) => openIds.has(p.githubId));
    return {
      job,
      openStored: open.length,
      openWithHealth: open.filter((p) => p.health !== undefined).length,
      openVisibleAt: Math.max(...open.map((p) => p._creationTime)),
    };
  });
  const data = fake.requests.filter((r) => r.resource !== "none");
  const rest = data.filter((r) => r.resource === "core").length;
  const graphql = data.filter((r) => r.resource === "graphql");
  const points = graphql.reduce((n, r) => n + (r.cost ?? 1), 0);
  const floorMs = Math.max(rest / REST_PER_MINUTE, points / GRAPHQL_POINTS_PER_MINUTE) * 60_000;
  const backfillMs = (db.job.finishedAt ?? Date.now()) - start;
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  return {
    state: db.job.state,
    openPrs: openIds.size,
    openStored: db.openStored,
    openWithHealth: db.openWithHealth,
    openVisibleMs: db.openVisibleAt - start,
    backfillMs,
    rest,
    graphql: graphql.length,
    points,
    peak: fake.peakConcurrency,
    secondary: fake.secondaryLimitAnswers,
    floorMs,
    items: db.job.stats.itemsWritten,
    realMs,
    org: fake.org,
  };
}

/**
 * Both runs, and the tables. `scale` shrinks the organisation (repositories and big repositories;
 * per-repository shapes unchanged) when the full XL run is too slow for the machine.
 */
export async function initialSyncBench(scale = 1): Promise<Array<[string, Record<string, unknown>[]]>> {
  const org = { ...XL, repos: Math.round(XL.repos! * scale), bigRepos: Math.max(1, Math.round(XL.bigRepos! * scale)) };
  const today = await measure("sequential", org);
  const now = await measure("concurrent", org);
  const generated = now.org;
  const prs = generated.repos.reduce((n, r) => n + r.pullRequests.length, 0);
  const commits = generated.repos.map((r) => r.commits.filter((c) => c.date >= T - 365 * DAY).length);
  const row = (figure: string, f: (r: Run) => unknown) => ({
    figure,
    "today (sequential)": f(today),
    "issue 12": f(now),
  });
  const speedup = today.backfillMs / now.backfillMs;
  const ratio = now.backfillMs / now.floorMs;
  return [
    [
      "Initial sync: the XL organisation (fake GitHub at 300 ms per request, GitHub's secondary limits)",
      [
        { figure: "repositories", value: generated.repos.length },
        { figure: "pull requests (open)", value: `${prs} (${today.openPrs})` },
        {
          figure: "commits in the last year (repositories past the 1,000 cap)",
          value: `${commits.reduce((a, b) => a + b, 0)} (${commits.filter((n) => n > 1_000).length})`,
        },
        {
          figure: "issues, comments",
          value: `${generated.repos.reduce((n, r) => n + r.issues.length, 0)}, ${generated.repos.reduce((n, r) => n + r.issueComments.length + r.reviewComments.length, 0)}`,
        },
      ],
    ],
    [
      "Initial sync: today's worker vs issue 12's (simulated time, one run each)",
      [
        row("job state", (r) => r.state),
        row("simulated s until every open PR is visible with its health", (r) =>
          r.openWithHealth === r.openPrs ? s(r.openVisibleMs) : `only ${r.openWithHealth}/${r.openPrs}`,
        ),
        row("simulated s to a complete backfill", (r) => s(r.backfillMs)),
        row("REST requests", (r) => r.rest),
        row("GraphQL requests", (r) => r.graphql),
        row("GraphQL points", (r) => r.points),
        row("peak concurrent requests", (r) => r.peak),
        row("secondary-limit answers", (r) => r.secondary),
        row("floor set by GitHub's limits, s (max of REST ÷ 900/min, points ÷ 2,000/min)", (r) => s(r.floorMs)),
        row("complete backfill ÷ floor", (r) => Math.round((r.backfillMs / r.floorMs) * 100) / 100),
        row("items written", (r) => r.items),
        row("real s to run (in-process, convex-test)", (r) => s(r.realMs)),
      ],
    ],
    [
      "Initial sync: issue 12's targets",
      [
        {
          figure: "every open PR visible within 60 s simulated",
          value: s(now.openVisibleMs),
          met: now.openWithHealth === now.openPrs && now.openVisibleMs <= 60_000 ? "yes" : "no",
        },
        {
          figure: "complete backfill within 1.5× the floor",
          value: Math.round(ratio * 100) / 100,
          met: ratio <= 1.5 ? "yes" : "no",
        },
        { figure: "zero secondary-limit answers", value: now.secondary, met: now.secondary === 0 ? "yes" : "no" },
        {
          figure: "complete backfill ≥ 5× faster than today's",
          value: Math.round(speedup * 10) / 10,
          met: speedup >= 5 ? "yes" : "no",
        },
      ],
    ],
  ];
}
