/**
 * Issue 11's bench figure: for a first sync of seed 002's XL organisation, how many query re-runs the
 * sync's page commits would cause for one open dashboard on a deployment (a subscribed query re-runs
 * when a document or index range it read is written), now and before (every page commit also patched
 * the installation row with the rate limits, and every query reads that row).
 */
import { vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { recordMembership } from "../../convex/memberships";
import { createInstallation, signInAs } from "../helpers/convex";
import { useFakeGitHub } from "../helpers/github";
import { XL } from "./initialSync";
import { countQueryReruns, makeTrackedConvex, type WriteRecord } from "../helpers/readWriteSets";

const T = Date.UTC(2026, 10, 24, 12);

/**
 * `scale` < 1 shrinks the organisation (same per-repository shapes): recording every read and write of
 * a full XL sync in convex-test takes longer than this machine allows in one bench run.
 */
export async function hotDocumentsBench(scale = 0.1): Promise<Array<[string, Record<string, unknown>[]]>> {
  vi.useFakeTimers({ now: T });
  try {
    const org = {
      ...XL,
      repos: Math.round(XL.repos! * scale),
      bigRepos: Math.max(1, Math.round(XL.bigRepos! * scale)),
    };
    const fake = useFakeGitHub({ seed: 2, org, rateLimit: { limit: 1_000_000 } });
    const { t, tracker } = makeTrackedConvex();
    const installationId = await createInstallation(t, {
      githubInstallationId: fake.installationId,
      accountId: fake.org.id,
      accountLogin: fake.org.login,
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
    await t.run((ctx) =>
      recordMembership(ctx, { accountId: fake.org.id, githubUserId: 42, login: "mona", member: true }),
    );
    const member = t.withIdentity(await signInAs(t, 42, "mona"));

    tracker.clear();
    const decision = await t.mutation(internal.sync.service.request, { installationId, trigger: "webhook" });
    if (decision.action !== "start") throw new Error(`the bench's sync did not start: ${decision.reason}`);
    await t.finishAllScheduledFunctions(vi.runAllTimers, 100_000);
    const job = await t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").first())!);
    if (job.state !== "completed") throw new Error(`the bench's sync ended ${job.state}: ${job.error?.detail ?? ""}`);
    const pages = tracker.callsOf(internal.sync.jobs.commitPage).map((c) => c.writes);

    // The dashboard as src/ subscribes to it (its read sets taken once the data is there).
    tracker.clear();
    const today = Math.floor(Date.now() / 86_400_000);
    const page = (numItems: number) => ({ numItems, cursor: null });
    await member.query(api.sync.status.getStatus, { installationId });
    await member.query(api.dashboard.summary.summary, { installationId });
    await member.query(api.dashboard.lists.pullRequests, { installationId, paginationOpts: page(20) });
    await member.query(api.dashboard.lists.activity, { installationId, paginationOpts: page(15) });
    await member.query(api.dashboard.trends.trends, { installationId, days: 30, today });
    await member.query(api.dashboard.trends.userStats, { installationId, days: 30, today });
    await member.query(api.dashboard.inbox.inbox, { installationId, today });
    const queries = tracker.calls.map((c) => c.reads);

    const installation = (await t.run((ctx) => ctx.db.get(installationId)))!;
    const installationWrite: WriteRecord = {
      table: "installations",
      id: installation._id,
      before: installation,
      after: installation,
    };
    const now = countQueryReruns(pages, queries);
    const before = countQueryReruns(
      pages.map((writes) => [...writes, installationWrite]),
      queries,
    );
    return [
      [
        `Hot documents: query re-runs one open dashboard sees during a first sync (XL organisation × ${scale}: ${org.repos} repositories)`,
        [
          { figure: "page commits", value: pages.length },
          { figure: "dashboard queries subscribed", value: queries.length },
          { figure: "re-runs before (rate limits patched onto the installation row)", value: before },
          { figure: "re-runs now (volatile state in its own documents)", value: now },
          {
            figure: "of which getStatus (progress is what it shows)",
            value: countQueryReruns(pages, queries.slice(0, 1)),
          },
        ],
      ],
    ];
  } finally {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  }
}
