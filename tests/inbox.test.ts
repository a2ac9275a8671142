/**
 * Whose turn and the inbox, from real payloads through the signed webhook route: a review request
 * reaches the requested reviewer's inbox; a submitted review moves the PR to the author's side.
 */
import examples from "@octokit/webhooks-examples";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { whoseTurn, type TurnInput } from "../convex/model/turn";
import { makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});
const processDue = async (t: TestConvex) => {
  vi.runOnlyPendingTimers();
  await t.finishInProgressScheduledFunctions();
};

describe("the inbox from GitHub's own payloads", () => {
  test("review_requested reaches the reviewer's inbox; a review moves it to the author", async () => {
    const t = makeConvex();
    const requestedEvent = structuredClone(of("pull_request").find((p) => p.action === "review_requested")!);
    const pr = requestedEvent.pull_request;
    const reviewer = requestedEvent.requested_reviewer as { login: string; id: number };
    const author = pr.user as { login: string; id: number };
    // The reviewer's own account holds the installation; the author installed it.
    const installationId = await t.mutation(internal.model.ingest.upsertInstallation, {
      githubInstallationId: requestedEvent.installation.id,
      accountLogin: reviewer.login,
      accountId: reviewer.id,
      accountType: "User",
      installedByGithubUserId: author.id,
      installedByLogin: author.login,
    });
    const r = requestedEvent.repository;
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: [{ githubId: r.id, name: r.name, fullName: r.full_name, private: r.private }],
    });
    const asReviewer = t.withIdentity(await signInAs(t, reviewer.id, reviewer.login));
    const asAuthor = t.withIdentity(await signInAs(t, author.id, author.login));

    expect((await deliver(t, "pull_request", requestedEvent)).status).toBe(202);
    await processDue(t);
    const requestedAt = Date.parse(pr.updated_at);
    const forReviewer = await asReviewer.query(api.dashboard.inbox.inbox, { installationId });
    expect(forReviewer!.requested).toMatchObject([
      { number: pr.number, waitingOn: [reviewer.login], waitingSince: requestedAt, reason: "review_requested" },
    ]);
    expect((await asAuthor.query(api.dashboard.inbox.inbox, { installationId }))!.waitingOnOthers).toMatchObject([
      { number: pr.number, waitingOn: [reviewer.login] },
    ]);

    // The reviewer asks for changes: it is the author's turn, and it leaves the reviewer's inbox.
    const reviewEvent = structuredClone(of("pull_request_review").find((p) => p.action === "submitted")!);
    reviewEvent.installation = requestedEvent.installation;
    reviewEvent.repository = requestedEvent.repository;
    reviewEvent.pull_request.number = pr.number;
    reviewEvent.review.user = requestedEvent.requested_reviewer;
    reviewEvent.review.state = "changes_requested";
    reviewEvent.review.submitted_at = new Date(requestedAt + 3_600_000).toISOString();
    await deliver(t, "pull_request_review", reviewEvent);
    await processDue(t);
    expect((await asReviewer.query(api.dashboard.inbox.inbox, { installationId }))!.requested).toEqual([]);
    expect((await asAuthor.query(api.dashboard.inbox.inbox, { installationId }))!.needsYou).toMatchObject([
      { number: pr.number, reason: "changes_requested", waitingSince: requestedAt + 3_600_000 },
    ]);
    // A stranger reads nothing, and nobody reads another user's inbox: it is always the caller's own.
    const stranger = t.withIdentity(await signInAs(t, 999_999, "stranger"));
    expect(await stranger.query(api.dashboard.inbox.inbox, { installationId })).toBeNull();
  });

  test("stale once waiting longer than 7 days as of the caller's day", async () => {
    const t = makeConvex();
    const requestedEvent = structuredClone(of("pull_request").find((p) => p.action === "review_requested")!);
    const reviewer = requestedEvent.requested_reviewer as { login: string; id: number };
    const installationId = await t.mutation(internal.model.ingest.upsertInstallation, {
      githubInstallationId: requestedEvent.installation.id,
      accountLogin: reviewer.login,
      accountId: reviewer.id,
      accountType: "User",
    });
    const r = requestedEvent.repository;
    await t.mutation(internal.model.ingest.addRepositories, {
      installationId,
      repositories: [{ githubId: r.id, name: r.name, fullName: r.full_name, private: r.private }],
    });
    const me = t.withIdentity(await signInAs(t, reviewer.id, reviewer.login));
    await deliver(t, "pull_request", requestedEvent);
    await processDue(t);
    const day = Math.floor(Date.parse(requestedEvent.pull_request.updated_at) / 86_400_000);
    const fresh = await me.query(api.dashboard.inbox.inbox, { installationId, today: day + 3 });
    expect(fresh!.requested[0]!.stale).toBe(false);
    const stale = await me.query(api.dashboard.inbox.inbox, { installationId, today: day + 8 });
    expect(stale!.requested[0]!.stale).toBe(true);
  });
});

describe("whoseTurn", () => {
  const base: TurnInput = {
    state: "open",
    draft: false,
    authorLogin: "ann",
    createdAt: 1_000,
    updatedAt: 5_000,
    health: "yellow",
    healthReasons: ["review_required"],
    checks: "passing",
    reviewRequests: [{ reviewer: "bob", requestedAt: 2_000 }],
    reviews: [],
  };
  test("requested reviewers who have not reviewed since the request", () => {
    expect(whoseTurn(base)).toEqual({
      turn: "reviewers",
      turnReason: "review_requested",
      waitingOn: ["bob"],
      waitingSince: 2_000,
    });
    // A review before a re-request does not answer it.
    const rerequested = { ...base, reviews: [{ authorLogin: "bob", state: "commented", submittedAt: 1_500 }] };
    expect(whoseTurn(rerequested).turn).toBe("reviewers");
  });
  test("the author when checks fail, changes are requested or it conflicts", () => {
    expect(whoseTurn({ ...base, healthReasons: ["checks_failing"], failingSince: 4_000 })).toMatchObject({
      turn: "author",
      turnReason: "checks_failing",
      waitingOn: ["ann"],
      waitingSince: 4_000,
    });
    const changes = {
      ...base,
      health: "red" as const,
      healthReasons: ["changes_requested"],
      reviews: [{ authorLogin: "bob", state: "changes_requested", submittedAt: 3_000 }],
    };
    expect(whoseTurn(changes)).toMatchObject({ turn: "author", turnReason: "changes_requested", waitingSince: 3_000 });
    expect(whoseTurn({ ...base, healthReasons: ["merge_conflict"] })).toMatchObject({ turnReason: "merge_conflict" });
  });
  test("nobody but a merge when approved and green; nobody for closed PRs", () => {
    const approved = {
      ...base,
      health: "green" as const,
      healthReasons: [],
      reviews: [{ authorLogin: "bob", state: "approved", submittedAt: 3_000 }],
    };
    expect(whoseTurn(approved)).toMatchObject({ turn: "merge", waitingSince: 3_000 });
    expect(whoseTurn({ ...base, state: "merged" })).toEqual({ turn: "none", waitingOn: [] });
  });
});
