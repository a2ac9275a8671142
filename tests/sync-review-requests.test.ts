/**
 * Review requests, readiness and size from the sync (GraphQL `reviewRequests` and the timeline's
 * ReviewRequestedEvents and ReadyForReviewEvents) against the fake GitHub, alone and together with
 * GitHub's own review_requested payload through the signed webhook route.
 */
import examples from "@octokit/webhooks-examples";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Doc, Id } from "../convex/_generated/dataModel";
import { expectNoAggregateDifferences, makeConvex, type TestConvex } from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";
import type { FakeGitHub } from "./fakeGitHub";
import type { PullRequest } from "./fakeGitHub/generator";
import { iso } from "./fakeGitHub/shapes";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

const T = Date.UTC(2026, 10, 24, 12);
const HOUR = 3_600_000;
beforeEach(() => {
  vi.useFakeTimers({ now: T });
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

async function setup(fake: FakeGitHub) {
  const t = makeConvex();
  const installationId = await installFakeOrg(t, fake);
  return { t, installationId };
}
const runAll = (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
async function sync(t: TestConvex, installationId: Id<"installations">) {
  await t.mutation(internal.sync.service.request, { installationId, trigger: "webhook" });
  await runAll(t);
  const job = await t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").first())!);
  expect(job.state).toBe("completed");
}
const storedPr = (t: TestConvex, githubId: number) =>
  t.run(async (ctx) => (await ctx.db.query("pullRequests").collect()).find((p) => p.githubId === githubId)!);
/** GitHub's times are whole seconds. */
const sec = (ms: number) => Date.parse(iso(ms));
const byTime = (a: { reviewer: string; requestedAt: number }, b: { reviewer: string; requestedAt: number }) =>
  a.requestedAt - b.requestedAt || (a.reviewer < b.reviewer ? -1 : a.reviewer > b.reviewer ? 1 : 0);

/** What the sync must store of a fake pull request's requests, readiness and size. */
function expected(p: PullRequest) {
  const history = p.reviewRequestEvents.map((e) => ({ reviewer: e.reviewer, requestedAt: sec(e.createdAt) }));
  const latest = (reviewer: string) =>
    Math.max(...history.filter((h) => h.reviewer === reviewer).map((h) => h.requestedAt));
  return {
    reviewRequests: [...p.requestedReviewers, ...p.requestedTeams.map((slug) => `team:${slug}`)].map((reviewer) => ({
      reviewer,
      requestedAt: latest(reviewer),
    })),
    requestHistory: history.length ? [...history].sort(byTime) : undefined,
    readyForReviewAt: p.readyForReviewEvents.length ? sec(p.readyForReviewEvents.at(-1)!) : undefined,
    additions: p.additions,
    deletions: p.deletions,
    changedFiles: p.changedFiles,
  };
}

describe("review requests from the sync", () => {
  test("every PR's outstanding requests with their times, the request history, readyForReviewAt and size; whose turn follows", async () => {
    const fake = useFakeGitHub({ seed: 41, org: { repos: 3, prsPerRepo: 40, reviewsPerPr: 2 } });
    const { t, installationId } = await setup(fake);
    await sync(t, installationId);
    const seen = { teams: 0, reRequests: 0, ready: 0, bots: 0, reviewersTurn: 0 };
    for (const repo of fake.org.repos) {
      for (const p of repo.pullRequests) {
        const mine = await storedPr(t, p.id);
        const want = expected(p);
        expect(
          {
            reviewRequests: mine.reviewRequests,
            requestHistory: mine.requestHistory,
            readyForReviewAt: mine.readyForReviewAt,
            additions: mine.additions,
            deletions: mine.deletions,
            changedFiles: mine.changedFiles,
          },
          `${repo.name}#${p.number}`,
        ).toEqual(want);
        expect(mine.requestedReviewers).toBe(want.reviewRequests.length);
        seen.teams += p.requestedTeams.length;
        seen.reRequests += p.reviewRequestEvents.length - new Set(p.reviewRequestEvents.map((e) => e.reviewer)).size;
        seen.ready += p.readyForReviewEvents.length;
        seen.bots += (mine.requestHistory ?? []).filter((h) => h.reviewer.endsWith("[bot]")).length;
        // Whose turn: the requested reviewers who have not reviewed since, waiting since the oldest request.
        if (mine.turn === "reviewers") {
          seen.reviewersTurn++;
          const at = new Map(want.reviewRequests.map((r) => [r.reviewer, r.requestedAt]));
          const unanswered = want.reviewRequests
            .filter((r) => !p.reviews.some((v) => v.author === r.reviewer && sec(v.submittedAt) >= r.requestedAt))
            .map((r) => r.reviewer);
          expect(mine.waitingOn).toEqual(unanswered);
          expect(mine.waitingSince).toBe(Math.min(...unanswered.map((r) => at.get(r)!)));
        }
      }
    }
    expect(
      Object.values(seen).every((n) => n > 0),
      JSON.stringify(seen),
    ).toBe(true);
    // The inbox's rows follow the PRs' whose-turn fields.
    const [prs, rows] = await t.run(async (ctx) => [
      await ctx.db.query("pullRequests").collect(),
      await ctx.db.query("reviewRequests").collect(),
    ]);
    const waiting = (prs as Doc<"pullRequests">[]).flatMap((p) =>
      p.turn === "reviewers" ? (p.waitingOn ?? []).map((r) => `${p._id} ${r}`) : [],
    );
    expect((rows as Doc<"reviewRequests">[]).map((r) => `${r.pullRequestId} ${r.reviewer}`).sort()).toEqual(
      waiting.sort(),
    );
    await expectNoAggregateDifferences(t, installationId);
  });

  test("requests, a review, a re-request and a withdrawal, synced: whose turn and since when follow them", async () => {
    const fake = useFakeGitHub({ seed: 42, org: { repos: 1, prsPerRepo: 0, issuesPerRepo: 0 } });
    const { t, installationId } = await setup(fake);
    const pr = fake.openPullRequest("repo-001", { author: "octocat", draft: true });
    vi.advanceTimersByTime(HOUR);
    const readyAt = fake.markReadyForReview("repo-001", pr.number);
    vi.advanceTimersByTime(HOUR);
    const monaAt = fake.requestReview("repo-001", pr.number, "mona");
    vi.advanceTimersByTime(HOUR);
    const coreAt = fake.requestReview("repo-001", pr.number, "team:core");
    await sync(t, installationId);
    expect(await storedPr(t, pr.id)).toMatchObject({
      draft: false,
      readyForReviewAt: sec(readyAt),
      reviewRequests: [
        { reviewer: "mona", requestedAt: sec(monaAt) },
        { reviewer: "team:core", requestedAt: sec(coreAt) },
      ],
      requestHistory: [
        { reviewer: "mona", requestedAt: sec(monaAt) },
        { reviewer: "team:core", requestedAt: sec(coreAt) },
      ],
      turn: "reviewers",
      waitingOn: ["mona", "team:core"],
      waitingSince: sec(monaAt),
    });

    // Mona comments (her request is fulfilled), then is asked again: the re-request moves her time.
    vi.advanceTimersByTime(HOUR);
    fake.addReview("repo-001", pr.number, { state: "COMMENTED", author: "mona" });
    vi.advanceTimersByTime(HOUR);
    const monaAgain = fake.requestReview("repo-001", pr.number, "mona");
    await sync(t, installationId);
    expect(await storedPr(t, pr.id)).toMatchObject({
      reviewRequests: [
        { reviewer: "mona", requestedAt: sec(monaAgain) },
        { reviewer: "team:core", requestedAt: sec(coreAt) },
      ],
      requestHistory: [
        { reviewer: "mona", requestedAt: sec(monaAt) },
        { reviewer: "team:core", requestedAt: sec(coreAt) },
        { reviewer: "mona", requestedAt: sec(monaAgain) },
      ],
      turn: "reviewers",
      waitingOn: ["mona", "team:core"],
      waitingSince: sec(coreAt),
    });

    // The team's request is withdrawn and Mona approves: the author's merge, history intact.
    vi.advanceTimersByTime(HOUR);
    fake.removeReviewRequest("repo-001", pr.number, "team:core");
    vi.advanceTimersByTime(HOUR);
    fake.addReview("repo-001", pr.number, { state: "APPROVED", author: "mona" });
    const approvedAt = fake.repo("repo-001").pullRequests[0]!.updatedAt;
    await sync(t, installationId);
    const done = await storedPr(t, pr.id);
    expect(done).toMatchObject({
      reviewRequests: [],
      turn: "merge",
      waitingOn: ["octocat"],
      waitingSince: sec(approvedAt),
    });
    expect(done.requestHistory).toHaveLength(3);
    expect(await t.run((ctx) => ctx.db.query("reviewRequests").collect())).toEqual([]);
  });
});

describe("review requests from webhooks and the sync together", () => {
  test("a review_requested webhook's request stays in the history after a sync page that no longer lists it; a late one adds to it without un-staling", async () => {
    const fake = useFakeGitHub({ seed: 43, org: { repos: 1, prsPerRepo: 0, issuesPerRepo: 0 } });
    const { t, installationId } = await setup(fake);
    const repo = fake.repo("repo-001");
    const pr = fake.openPullRequest("repo-001", { author: "octocat" });

    // GitHub's own review_requested payload, about the fake's pull request: hubot is asked an hour later.
    vi.advanceTimersByTime(HOUR);
    const requestedAt = sec(Date.now());
    const event = structuredClone(of("pull_request").find((p) => p.action === "review_requested")!);
    const reviewer = { ...event.requested_reviewer, login: "hubot" };
    event.installation = { ...event.installation, id: fake.installationId };
    Object.assign(event.repository, {
      id: repo.id,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: repo.private,
      default_branch: repo.defaultBranch,
      owner: { ...event.repository.owner, login: fake.org.login, id: fake.org.id },
    });
    Object.assign(event.pull_request, {
      id: pr.id,
      number: pr.number,
      title: pr.title,
      state: "open",
      draft: false,
      merged: false,
      merged_at: null,
      closed_at: null,
      user: { ...event.pull_request.user, login: "octocat" },
      head: { ...event.pull_request.head, sha: pr.headSha },
      created_at: iso(pr.createdAt),
      updated_at: iso(requestedAt),
      requested_reviewers: [reviewer],
      requested_teams: [],
    });
    event.requested_reviewer = reviewer;
    expect((await deliver(t, "pull_request", event)).status).toBe(202);
    await runAll(t);
    expect(await storedPr(t, pr.id)).toMatchObject({
      reviewRequests: [{ reviewer: "hubot", requestedAt }],
      requestHistory: [{ reviewer: "hubot", requestedAt }],
      turn: "reviewers",
      waitingOn: ["hubot"],
      waitingSince: requestedAt,
    });

    // On GitHub hubot approves (the request is fulfilled); the fake's timeline never saw the request.
    vi.advanceTimersByTime(HOUR);
    fake.addReview("repo-001", pr.number, { state: "APPROVED", author: "hubot" });
    const approvedAt = sec(pr.updatedAt);
    await sync(t, installationId);
    const synced = await storedPr(t, pr.id);
    expect(synced).toMatchObject({
      reviewRequests: [],
      requestHistory: [{ reviewer: "hubot", requestedAt }],
      additions: pr.additions,
      deletions: pr.deletions,
      changedFiles: pr.changedFiles,
      turn: "merge",
      waitingSince: approvedAt,
    });

    // A late delivery, older than what is stored, asking mona: its request joins the history, the rest stays.
    const late = structuredClone(event);
    const lateAt = requestedAt - 30 * 60_000;
    late.requested_reviewer = { ...reviewer, login: "mona" };
    late.pull_request.requested_reviewers = [late.requested_reviewer];
    late.pull_request.updated_at = iso(lateAt);
    expect((await deliver(t, "pull_request", late)).status).toBe(202);
    await runAll(t);
    const after = await storedPr(t, pr.id);
    expect(after.requestHistory).toEqual([
      { reviewer: "mona", requestedAt: lateAt },
      { reviewer: "hubot", requestedAt },
    ]);
    const { _creationTime: _a, requestHistory: _h, ...rest } = after;
    const { _creationTime: _b, requestHistory: _s, ...before } = synced;
    expect(rest).toEqual(before);
    await expectNoAggregateDifferences(t, installationId);
  });
});
