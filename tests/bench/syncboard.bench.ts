/**
 * `npm run bench`: the figures the issues ask for, printed as tables, measured side by side in one
 * run (ratios, not absolute times, are what to compare on a noisy machine). Only the tables are
 * printed (tests/bench/tablesReporter.ts; the Convex functions' log lines are silenced), and the same
 * figures are written to tests/output/bench.json, one object keyed by "<table> / <figure>".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, bench, describe, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { mapWebhookEvent } from "../../convex/github/mapWebhook";
import { computeHealth, summarizeChecks, summarizeReviews } from "../../convex/model/health";
import { createInstallation, makeConvex, measureQuery, signInAs, type TestConvex } from "../helpers/convex";
import { useFakeGitHub } from "../helpers/github";
import { seedInstallation } from "../helpers/seed";
import { deliver, WEBHOOK_SECRET } from "../helpers/webhooks";
import examples from "@octokit/webhooks-examples";
import { TABLE_MARK } from "./tablesReporter";
import { hotDocumentsBench } from "./hotDocuments";
import { initialSyncBench } from "./initialSync";
import { reviewerLoadBench } from "./reviewerLoad";
import { analyticsBench } from "./analytics";
import { writeCostBench } from "./writeCost";
import { webhookBurstBench } from "./webhookBurst";

// Only the tables: the functions' structured log lines (one per page, delivery…) are not output.
const print = console.log.bind(console);
for (const level of ["log", "info", "warn", "error", "debug"] as const) console[level] = () => {};

const tables: Array<[string, Record<string, unknown>[]]> = [];
const table = (title: string, rows: Record<string, unknown>[]) => tables.push([title, rows]);
afterAll(() => {
  const figures: Record<string, unknown> = {};
  let out = "";
  for (const [title, rows] of tables) {
    out += `\n## ${title}\n${renderTable(rows)}`;
    for (const row of rows) {
      const { figure, ...values } = row as { figure?: unknown };
      const name = figure ?? Object.values(values)[0];
      for (const [column, value] of Object.entries(figure === undefined ? row : values)) {
        const key =
          figure === undefined
            ? `${title} / ${String(name)} / ${column}`
            : `${title} / ${String(name).trim()}${column === "value" ? "" : ` / ${column}`}`;
        figures[key] = value;
      }
    }
  }
  mkdirSync("tests/output", { recursive: true });
  writeFileSync("tests/output/bench.json", JSON.stringify(figures, null, 2) + "\n");
  print(TABLE_MARK + out);
});

/** A plain text table: a header, a rule, one line per row. */
function renderTable(rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === undefined ? "" : typeof v === "number" ? v.toLocaleString("en-US") : String(v));
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    "| " +
    values
      .map((v, i) => (typeof rows[0]?.[columns[i]!] === "number" ? v.padStart(width[i]!) : v.padEnd(width[i]!)))
      .join(" | ") +
    " |";
  return (
    [
      line(columns),
      "|" + width.map((w) => "-".repeat(w + 2)).join("|") + "|",
      ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    ].join("\n") + "\n"
  );
}
const ms = (n: number) => Math.round(n * 10) / 10;
/** Wall clock that fake timers do not freeze. */
const realNow = performance.now.bind(performance);
/** Each measurement runs once, however often the bench runner calls it. */
const once = (fn: () => Promise<void>) => {
  let run: Promise<void> | null = null;
  return () => (run ??= fn());
};

describe("sync (issue 3)", () => {
  bench(
    "backfill, no-change resync, getStatus",
    once(async () => {
      vi.useFakeTimers({ now: Date.UTC(2026, 10, 24, 12) });
      const fake = useFakeGitHub({
        latencyMs: 0, // request counts here; simulated waiting is measured in the issue-12 table
        seed: 7,
        org: {
          repos: 20,
          prsPerRepo: 100,
          issuesPerRepo: 20,
          commitsPerRepo: 30,
          reviewsPerPr: 2,
          checksPerPr: 2,
          commentsPerIssue: 2,
        },
      });
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
      const started = realNow();
      await t.mutation(internal.sync.service.request, { installationId, trigger: "webhook" });
      await t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
      const elapsed = realNow() - started;
      const job = await t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").first())!);
      const repos = fake.org.repos;
      const prs = repos.reduce((n, r) => n + r.pullRequests.length, 0);
      const floorRest = repos.reduce(
        (n, r) =>
          n +
          Math.ceil((r.pullRequests.length + r.issues.length) / 100) +
          Math.ceil(r.issueComments.length / 100) +
          Math.ceil(r.reviewComments.length / 100) +
          Math.ceil(r.commits.length / 100),
        0,
      );
      const floorGraphql = repos.reduce((n, r) => n + Math.ceil(r.pullRequests.length / 25), 0);
      table("Full backfill of a generated org (20 repos, 2,000 PRs with reviews and checks)", [
        { figure: "GitHub requests made by the job", value: job.stats.requests },
        ...Object.entries(byKind(fake.requests)).map(([kind, n]) => ({ figure: `  ${kind}`, value: n })),
        {
          figure: "pagination floor Σ⌈items/100⌉ (issues list incl. PRs, comments ×2, commits; per repo)",
          value: floorRest,
        },
        { figure: "PR pages at 25 per GraphQL request (Σ⌈PRs/25⌉)", value: floorGraphql },
        {
          figure: "requests per 100 PRs fetched with reviews and checks (GraphQL)",
          value: ms((floorGraphql / prs) * 100),
        },
        {
          figure: "same over REST (list + reviews + check runs per PR)",
          value: ms(((Math.ceil(prs / 100) + 2 * prs) / prs) * 100),
        },
        { figure: "items written", value: job.stats.itemsWritten },
        {
          figure: "items ingested per second (in-process, convex-test)",
          value: Math.round(job.stats.itemsWritten / (elapsed / 1000)),
        },
        { figure: "mutations per 1,000 items", value: ms((job.stats.mutations / job.stats.itemsWritten) * 1000) },
      ]);

      vi.advanceTimersByTime(60_000);
      const before = fake.stats();
      await t.mutation(internal.sync.service.request, { installationId, trigger: "maintenance" });
      await t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
      const after = fake.stats();
      table("Immediate resync with no changes", [
        { figure: "GitHub requests", value: after.total - before.total },
        { figure: "…answered 304 Not Modified", value: after.notModified - before.notModified },
        { figure: "primary budget spent", value: after.budgetSpent - before.budgetSpent },
        { figure: "repositories", value: repos.length },
      ]);

      const me = await signInAs(t, fake.org.id, fake.org.login);
      const status = await measureQuery(t, me, api.sync.status.getStatus, { installationId });
      table("getStatus cost", [{ documentsRead: status.documentsRead, indexRanges: status.indexRanges }]);
      vi.useRealTimers();
      vi.unstubAllEnvs();
      vi.unstubAllGlobals();
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

describe("initial sync (issue 12)", () => {
  bench(
    "open work first and concurrency vs today's sequential worker, seed 002's XL organisation",
    once(async () => {
      // SYNCBOARD_BENCH_SCALE < 1 shrinks the organisation (same per-repository shapes) on a slow machine.
      for (const [title, rows] of await initialSyncBench(Number(process.env.SYNCBOARD_BENCH_SCALE ?? 1))) {
        table(title, rows);
      }
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

describe("hot documents (issue 11)", () => {
  bench(
    "query re-runs during a first sync of the XL organisation",
    once(async () => {
      const scale = Number(process.env.SYNCBOARD_HOT_DOCUMENTS_SCALE ?? 0.1);
      for (const [title, rows] of await hotDocumentsBench(scale)) table(title, rows);
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

describe("webhook queue (issue 22)", () => {
  bench(
    "a burst of 200 deliveries for one installation, before and with the queue's lanes",
    once(async () => {
      for (const [title, rows] of await webhookBurstBench()) table(title, rows);
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

describe("inbox and reviewer load (issue 13)", () => {
  bench(
    "documents read by inbox and reviewerLoad at seed 002's XL scale",
    once(async () => {
      // SYNCBOARD_REVIEWER_LOAD_SCALE < 1 shrinks the organisation (repositories; same per-repository shapes).
      for (const [title, rows] of await reviewerLoadBench(Number(process.env.SYNCBOARD_REVIEWER_LOAD_SCALE ?? 1))) {
        table(title, rows);
      }
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

describe("analytics (issue 14)", () => {
  bench(
    "documents read by the analytics queries at 10/50 and 2,000/60,000",
    once(async () => {
      for (const [title, rows] of await analyticsBench()) table(title, rows);
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

describe("write cost (issue 21)", () => {
  bench(
    "functions, documents read and written per webhook kind and per sync page, before and after the metrics engine",
    once(async () => {
      table(
        "Write cost at 10 repositories / 500 PRs (issue 21): before = the code before the metrics engine (writeCost.baseline.json)",
        await writeCostBench(),
      );
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

describe("webhooks (issue 4)", () => {
  bench(
    "acknowledgement, throughput, writes per pull_request event",
    once(async () => {
      vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
      const t = makeConvex();
      const prExample = (examples as unknown as Array<{ name: string; examples: any[] }>)
        .find((e) => e.name === "pull_request")!
        .examples.find((p) => p.action === "opened")!;
      const installationId = await createInstallation(t, { githubInstallationId: 1001 });
      const N = 300;
      const ack: number[] = [];
      for (let i = 0; i < N; i++) {
        const p = structuredClone(prExample);
        p.installation = { id: 1001 };
        p.pull_request = {
          ...p.pull_request,
          id: 10_000 + i,
          number: 10_000 + i,
          updated_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        };
        const s = realNow();
        await deliver(t, "pull_request", p);
        ack.push(realNow() - s);
      }
      vi.useFakeTimers();
      const s = realNow();
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      const processing = realNow() - s;
      vi.useRealTimers();
      ack.sort((a, b) => a - b);

      // Documents written by one pull_request event through the write path, new and update.
      const mapped = mapWebhookEvent("pull_request", {
        ...structuredClone(prExample),
        installation: { id: 1001 },
        pull_request: { ...prExample.pull_request, id: 99_999, number: 99_999 },
      });
      const records = mapped.outcome === "apply" ? mapped.records : [];
      const repository = mapped.outcome === "apply" ? mapped.repository : undefined;
      const written = async (recs: typeof records) =>
        t.run(async (ctx) => {
          const b = await ctx.meta.getTransactionMetrics();
          await ctx.runMutation(internal.model.ingest.applyRecords, {
            installationId,
            ...(repository && { repository }),
            records: recs,
          });
          const a = await ctx.meta.getTransactionMetrics();
          return a.documentsWritten.used - b.documentsWritten.used;
        });
      const firstWrite = await written(records);
      const edited = records.map((r) =>
        r.kind === "pullRequest"
          ? { ...r, record: { ...r.record, title: "edited", updatedAt: r.record.updatedAt + 1000 } }
          : r,
      );
      const updateWrite = await written(edited);
      table("Webhooks", [
        {
          figure: "acknowledgement p50 (ms, in-process, signature check included)",
          value: ms(ack[Math.floor(N * 0.5)]!),
        },
        { figure: "acknowledgement p95 (ms)", value: ms(ack[Math.floor(N * 0.95)]!) },
        { figure: "deliveries processed per second", value: Math.round(N / (processing / 1000)) },
        { figure: "documents written: a new pull request (PR, counters, activity, buckets)", value: firstWrite },
        { figure: "documents written: an edit of it", value: updateWrite },
      ]);
      vi.unstubAllEnvs();
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

function byKind(requests: Array<{ path: string; status: number }>) {
  const kind = (path: string) =>
    path === "/graphql"
      ? "GraphQL pull request pages"
      : path.endsWith("/access_tokens")
        ? "installation token"
        : path === "/rate_limit"
          ? "rate_limit (free)"
          : path === "/installation/repositories"
            ? "repository listing"
            : path.endsWith("/issues")
              ? "issues (probe + pages)"
              : path.endsWith("/comments")
                ? "comments"
                : path.endsWith("/commits")
                  ? "commits"
                  : path;
  const out: Record<string, number> = {};
  for (const r of requests) out[kind(r.path)] = (out[kind(r.path)] ?? 0) + 1;
  return out;
}

/** The seed's N+1 dashboard, written only here as the baseline: per repository, per open PR. */
async function naiveSummary(t: TestConvex, installationId: Id<"installations">) {
  return t.run(async (ctx) => {
    const before = await ctx.meta.getTransactionMetrics();
    const started = realNow();
    const counts = { repos: 0, open: 0, green: 0, yellow: 0, red: 0 };
    const repos = await ctx.db
      .query("repositories")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", false))
      .collect();
    for (const repo of repos) {
      counts.repos += 1;
      const prs = await ctx.db
        .query("pullRequests")
        .withIndex("by_repo_state_updated", (q) => q.eq("repositoryId", repo._id).eq("state", "open"))
        .collect();
      for (const pr of prs) {
        const reviews = await ctx.db
          .query("reviews")
          .withIndex("by_repo_pr", (q) => q.eq("repositoryId", repo._id).eq("prNumber", pr.number))
          .collect();
        const ci = await ctx.db
          .query("ciResults")
          .withIndex("by_repo_sha_name", (q) => q.eq("repositoryId", repo._id).eq("sha", pr.headSha))
          .collect();
        const { checks } = summarizeChecks(ci);
        const { review } = summarizeReviews(reviews, pr.requestedReviewers, pr.authorLogin);
        counts.open += 1;
        counts[computeHealth({ checks, review, mergeable: pr.mergeable, draft: pr.draft }).health] += 1;
      }
    }
    const after = await ctx.meta.getTransactionMetrics();
    return {
      counts,
      ms: realNow() - started,
      documentsRead: after.documentsRead.used - before.documentsRead.used,
      indexRanges: after.databaseQueries.used - before.databaseQueries.used,
    };
  });
}

describe("dashboard (issue 5)", () => {
  bench(
    "summary, lists and trends vs the N+1 baseline",
    once(async () => {
      const rows: Record<string, unknown>[] = [];
      for (const [repos, prs] of [
        [10, 50],
        [50, 500],
        [100, 2_000],
        [200, 6_000],
        [2_000, 60_000],
      ] as const) {
        const t = makeConvex();
        const installationId = await createInstallation(t);
        const seedStart = realNow();
        await seedInstallation(t, installationId, repos, prs);
        const seedMs = realNow() - seedStart;
        const me = await signInAs(t, 9001, "acme");
        const s0 = realNow();
        const summary = await measureQuery(t, me, api.dashboard.summary.summary, { installationId });
        const summaryMs = realNow() - s0;
        const page = await measureQuery(t, me, api.dashboard.lists.pullRequests, {
          installationId,
          paginationOpts: { numItems: 50, cursor: null },
        });
        const trends = await measureQuery(t, me, api.dashboard.trends.trends, { installationId, days: 90 });
        // The baseline reads more than one transaction allows at the largest scales: measure it
        // with the limits of this instance (it would fail in production, which is the point).
        let naive: Awaited<ReturnType<typeof naiveSummary>> | null = null;
        try {
          naive = await naiveSummary(t, installationId);
        } catch {
          naive = null;
        }
        rows.push({
          "repos/PRs": `${repos}/${prs}`,
          "summary docs": summary.documentsRead,
          "summary ranges": summary.indexRanges,
          "summary ms": ms(summaryMs),
          "N+1 docs": naive?.documentsRead ?? "over 32,000 limit",
          "N+1 ranges": naive?.indexRanges ?? "over 4,096 limit",
          "N+1 ms": naive ? ms(naive.ms) : "—",
          "docs ratio": naive ? `${Math.round(naive.documentsRead / summary.documentsRead)}×` : "—",
          "PR page(50) docs": page.documentsRead,
          "trends(90d) docs": trends.documentsRead,
          "seed s": Math.round(seedMs / 1000),
        });
        void summary.result;
      }
      table("Dashboard cost by scale (documents read per query; N+1 = seed 002's shape)", rows);
    }),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});
