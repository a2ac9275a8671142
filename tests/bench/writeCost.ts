/**
 * Issue 21's write-cost rows: at 10 repositories / 500 PRs, what a webhook delivery of each kind and a
 * sync page of 50 new PRs (2 reviews and 2 checks each) cost in functions run (queries and mutations;
 * the delivery's processing action is not tracked), documents read and documents written — and how
 * many of those writes are day buckets — plus the reads of the hourly repository-health refresh per
 * repository. Measured with the read/write tracker (tests/helpers/readWriteSets.ts).
 *
 * "before" is the same scenario measured on the code before the metrics engine (commit 86125a9, this module
 * run there), kept in writeCost.baseline.json, so the rows compare side
 * by side in one run.
 */
import examples from "@octokit/webhooks-examples";
import { makeFunctionReference, type FunctionReference } from "convex/server";
import { vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { AnyRecord } from "../../convex/model/records";
import { createInstallation } from "../helpers/convex";
import { ci, HOUR, pr, review, T0 } from "../helpers/records";
import { makeTrackedConvex, type CallRecord } from "../helpers/readWriteSets";
import { seedInstallation } from "../helpers/seed";
import { deliver, WEBHOOK_SECRET } from "../helpers/webhooks";
import baseline from "./writeCost.baseline.json";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

/** Day-bucket tables, before the engine and after (everything else a write touches is not counted here). */
const BUCKET_TABLES = new Set([
  "metricBuckets",
  "dailyActivity",
  "userDailyActivity",
  "scopedDailyActivity",
  "reviewerDaily",
  "cycleDaily",
  "deploymentDaily",
  "ciDaily",
]);
const REPO = { id: 100_000, name: "repo-0", full_name: "acme/repo-0" };
const INSTALLATION = 1001;

type Cost = { functions: number; read: number; written: number; bucketWrites: number };

function costOf(calls: CallRecord[]): Cost {
  const written = new Set<string>();
  const buckets = new Set<string>();
  let read = 0;
  for (const c of calls) {
    read += c.reads.ids.size;
    for (const w of c.writes) {
      written.add(w.id);
      if (BUCKET_TABLES.has(w.table)) buckets.add(w.id);
    }
  }
  return { functions: calls.length, read, written: written.size, bucketWrites: buckets.size };
}

/** An example payload of the event, aimed at the seeded installation and repository. */
function payloadOf(event: string, action?: string): Record<string, any> {
  const example = structuredClone(
    of(event).find((p) => (action === undefined || p.action === action) && p.repository)!,
  );
  example.installation = { id: INSTALLATION, node_id: "x" };
  example.repository = {
    ...example.repository,
    id: REPO.id,
    name: REPO.name,
    full_name: REPO.full_name,
    private: false,
  };
  return example;
}

function pushOf20(): Record<string, any> {
  const push = payloadOf("push");
  const commit = push.commits?.[0] ?? push.head_commit;
  push.commits = Array.from({ length: 20 }, (_, i) => ({
    ...commit,
    id: (i.toString(16) + "b".repeat(40)).slice(0, 40),
    message: `Commit ${i}`,
    timestamp: new Date(T0 + i * HOUR).toISOString(),
  }));
  push.head_commit = push.commits.at(-1);
  return push;
}

/** A sync page's records: 50 new PRs, each with 2 reviews and 2 checks. */
function syncPage(): AnyRecord[] {
  return Array.from({ length: 50 }, (_, i) => {
    const number = 9_000 + i;
    const head = (number.toString(16) + "c".repeat(40)).slice(0, 40);
    const at = T0 + i * HOUR;
    return [
      {
        kind: "pullRequest" as const,
        record: pr({
          repoGithubId: REPO.id,
          githubId: REPO.id * 10_000 + number,
          number,
          headSha: head,
          authorLogin: `dev${i % 7}`,
          url: `https://github.com/acme/repo-0/pull/${number}`,
          createdAt: at,
          updatedAt: at + 2 * HOUR,
          ...(i % 2 === 0 && { state: "merged" as const, mergedAt: at + 2 * HOUR, closedAt: at + 2 * HOUR }),
        }),
      },
      ...[0, 1].map((r) => ({
        kind: "review" as const,
        record: review({
          repoGithubId: REPO.id,
          githubId: REPO.id * 10_000 + number * 2 + r,
          prNumber: number,
          authorLogin: `dev${(i + r + 1) % 7}`,
          submittedAt: at + HOUR + r,
          url: `https://github.com/acme/repo-0/pull/${number}#r${r}`,
        }),
      })),
      ...["build", "test"].map((name) => ({
        kind: "ci" as const,
        record: ci({ repoGithubId: REPO.id, sha: head, name, updatedAt: at + HOUR }),
      })),
    ];
  }).flat();
}

/**
 * The rows. `refresh` is the repository-health refresh's function (it moved with the engine).
 */
export async function writeCosts(refresh: string): Promise<Record<string, Cost>> {
  vi.useFakeTimers({ now: T0 + 70 * 24 * HOUR });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
  vi.stubGlobal("fetch", () => Promise.reject(new Error("offline")));
  try {
    const { t, tracker } = makeTrackedConvex();
    const installationId = await createInstallation(t);
    await seedInstallation(t, installationId, 10, 500);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const out: Record<string, Cost> = {};
    const deliveries: Array<[string, string, Record<string, any>]> = [
      ["pull_request.opened", "pull_request", payloadOf("pull_request", "opened")],
      ["pull_request_review.submitted", "pull_request_review", payloadOf("pull_request_review", "submitted")],
      ["check_run.completed", "check_run", payloadOf("check_run", "completed")],
      ["issues.opened", "issues", payloadOf("issues", "opened")],
      ["issue_comment.created", "issue_comment", payloadOf("issue_comment", "created")],
      ["push (20 commits)", "push", pushOf20()],
      ["deployment_status.created", "deployment_status", payloadOf("deployment_status", "created")],
    ];
    for (const [name, event, payload] of deliveries) {
      tracker.clear();
      await deliver(t, event, payload);
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      out[`webhook ${name}`] = costOf(tracker.calls);
    }
    tracker.clear();
    await t.mutation(internal.model.ingest.applyRecords, { installationId, records: syncPage() });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    out["sync page: 50 new PRs, 2 reviews and 2 checks each"] = costOf(tracker.calls);
    tracker.clear();
    await t.mutation(
      makeFunctionReference<"mutation">(refresh) as unknown as FunctionReference<"mutation", "internal">,
      {
        installationId,
      },
    );
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const health = costOf(tracker.calls);
    out["repository-health refresh, per repository"] = {
      ...health,
      read: Math.round(health.read / 10),
      written: Math.round(health.written / 10),
    };
    return out;
  } finally {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  }
}

/** The bench's table: each row before (the baseline) and now. */
export async function writeCostBench(): Promise<Record<string, unknown>[]> {
  const now = await writeCosts("metrics/repositoryHealth:refreshInstallation");
  const before = baseline as Record<string, Cost>;
  return Object.entries(now).map(([figure, c]) => {
    const b = before[figure];
    return {
      figure,
      "functions before": b?.functions,
      functions: c.functions,
      "read before": b?.read,
      read: c.read,
      "written before": b?.written,
      written: c.written,
      "bucket writes before": b?.bucketWrites,
      "bucket writes": c.bucketWrites,
    };
  });
}
