/**
 * The organisation's people (members, owners, teams with their members and repositories, private
 * repositories' direct collaborators) are SyncService work (issue 22): a stage of the installation's
 * job after its open work, or a job of their own, with the same lease, pacing, budget reserve,
 * resume, status and sync-health figures as the repositories' sync. Against the fake GitHub's
 * organisation and its fault schedule.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { FakeGitHub, Fault } from "./fakeGitHub";
import { generateTeams } from "./fakeGitHub/generator";
import { hashId } from "./fakeGitHub/shapes";
import { makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { installFakeOrg, useFakeGitHub } from "./helpers/github";

const T = Date.UTC(2026, 11, 1, 9);
beforeEach(() => vi.useFakeTimers({ now: T }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/** repo-001 and repo-002 private, repo-003 public; the teams and collaborators of generator.ts. */
function fakeOrg() {
  const fake = useFakeGitHub({ latencyMs: 0, org: { repos: 3, prsPerRepo: 2, issuesPerRepo: 1, commitsPerRepo: 1 } });
  fake.org.repos.forEach((r, i) => (r.private = i < 2));
  ({ teams: fake.teams, collaborators: fake.collaborators } = generateTeams(fake.org));
  return fake;
}

async function setup() {
  const fake = fakeOrg();
  const t = makeConvex();
  const installationId = await installFakeOrg(t, fake);
  // The account itself: an operator of the installation (reads every repository).
  const owner = t.withIdentity(await signInAs(t, fake.org.id, fake.org.login));
  return { fake, t, installationId, owner };
}

const request = (t: TestConvex, installationId: Id<"installations">, trigger: "members" | "webhook") =>
  t.mutation(internal.sync.service.request, { installationId, trigger });
const latestJob = (t: TestConvex) => t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").first())!);
/**
 * The last people job (repositories never synced are synced right after one: `finishJob` starts a
 * sync for repositories still waiting).
 */
const peopleJob = (t: TestConvex) =>
  t.run(async (ctx) => (await ctx.db.query("syncJobs").order("desc").collect()).find((j) => j.kind === "people")!);
/** Scheduled work to its end, the clock moving to each next timer (pacing, backoff, a reset). */
const runSimulated = (t: TestConvex) => t.finishAllScheduledFunctions(() => vi.advanceTimersToNextTimer(), 100_000);
/** One scheduled step at a time, the clock barely moving, until the job reaches `state`. */
async function runUntil(t: TestConvex, state: string) {
  for (let i = 0; i < 200 && (await latestJob(t)).state !== state; i++) {
    vi.advanceTimersByTime(1);
    await t.finishInProgressScheduledFunctions();
  }
  return latestJob(t);
}

/** Everything the people stage records, comparable across runs. */
const people = (t: TestConvex) =>
  t.run(async (ctx) => ({
    members: (await ctx.db.query("orgMemberships").collect()).map((m) => `${m.login}:${m.role}`).sort(),
    teams: (await ctx.db.query("teams").collect()).map((x) => x.slug).sort(),
    teamMembers: (await ctx.db.query("teamMembers").collect()).map((x) => `${x.teamGithubId}:${x.login}`).sort(),
    grants: (await ctx.db.query("repositoryGrants").collect())
      .map((g) => `${g.repositoryId}:${g.teamGithubId ?? ""}:${g.githubUserId ?? ""}:${g.permission}`)
      .sort(),
  }));

/** Requests GitHub answered with data, per path (without the query string). */
const answeredPaths = (fake: FakeGitHub) =>
  fake.requests.filter((r) => r.status === 200 && r.resource !== "none").map((r) => r.path);

/** The people a clean listing records (a fresh deployment, the same fake organisation). */
async function cleanListing() {
  const { t, installationId } = await setup();
  await request(t, installationId, "members");
  await runSimulated(t);
  expect(await peopleJob(t)).toMatchObject({ kind: "people", state: "completed" });
  return people(t);
}

describe("the people stage is SyncService work", () => {
  test("a people job: getStatus says so while it runs, sync health shows when it listed, nothing of it reaches other members", async () => {
    const { fake, t, installationId, owner } = await setup();
    // Pause it at the teams so its running state can be seen.
    fake.injectFault({ type: "secondary_rate_limit", retryAfterSec: 60 }, { pathIncludes: "/orgs/acme/teams" });
    expect(await request(t, installationId, "members")).toMatchObject({ action: "start" });
    const blocked = await runUntil(t, "blocked");
    expect(blocked).toMatchObject({ kind: "people", cursor: { phase: "people", people: { step: "teams" } } });
    expect(await owner.query(api.sync.status.getStatus, { installationId })).toMatchObject({
      state: "blocked",
      phase: "people",
    });

    await runSimulated(t);
    const job = await peopleJob(t);
    expect(job).toMatchObject({ kind: "people", state: "completed", people: { listedAt: expect.any(Number) } });
    expect(job.stats.requests).toBeGreaterThanOrEqual(9); // members, owners, teams, 3 × 2 per team, 2 collaborators
    const health = await owner.query(api.dashboard.syncHealth.syncHealth, {
      installationId,
      hour: Math.floor(Date.now() / 3_600_000),
    });
    expect(health).toMatchObject({ people: { listedAt: job.people!.listedAt, error: null } });
    expect(health!.recentJobs!.jobs.find((j) => j.id === job._id)).toMatchObject({ kind: "people" });

    // Mona (a member of the web team) reads the installation now, but not its installation-wide figures.
    const mona = t.withIdentity(await signInAs(t, hashId("mona"), "mona"));
    const seen = await mona.query(api.dashboard.syncHealth.syncHealth, { installationId, hour: 0 });
    expect(seen).toMatchObject({ operator: false, people: null });
  });

  // The fault schedule the repositories' sync survives, on the listing of the core team's members
  // (after the members, the owners and the teams were listed and committed).
  const faults: Array<[string, Fault, number]> = [
    ["primary rate limit (403, budget spent)", { type: "primary_rate_limit" }, 1],
    ["primary rate limit (429)", { type: "primary_rate_limit_429" }, 1],
    ["secondary rate limit (403, retry-after)", { type: "secondary_rate_limit", retryAfterSec: 120 }, 1],
    ["5xx", { type: "server_error", status: 502 }, 3],
    ["a connection reset (timeout)", { type: "timeout" }, 2],
    ["a body cut off mid-transfer", { type: "truncated" }, 1],
  ];
  test.each(faults)(
    "%s: the job waits or retries, resumes from its cursor, and records what a clean listing does",
    async (_, fault, times) => {
      const clean = await cleanListing();
      const { fake, t, installationId } = await setup();
      fake.injectFault(fault, { pathIncludes: "/orgs/acme/teams/core/members", times });
      await request(t, installationId, "members");
      const started = Date.now();
      await runSimulated(t);
      const job = await peopleJob(t);
      expect(job).toMatchObject({ kind: "people", state: "completed" });
      expect(await people(t)).toEqual(clean);
      // Resumed where it stopped: the steps before the fault were not fetched again.
      const answered = answeredPaths(fake);
      expect(answered.filter((p) => p === "/orgs/acme/members")).toHaveLength(2); // members, then owners
      expect(answered.filter((p) => p === "/orgs/acme/teams")).toHaveLength(1);
      // (A cut-off body is logged as a 200 too: it was fetched once more, at once.)
      const coreAsked = fault.type === "truncated" ? 1 + times : 1;
      expect(answered.filter((p) => p === "/orgs/acme/teams/core/members")).toHaveLength(coreAsked);
      // It waited for what GitHub asked (a reset, a retry-after) or a few seconds of backoff, never the next hourly listing.
      const waitedMs = Date.now() - started;
      if (fault.type.startsWith("primary")) expect(waitedMs).toBeLessThanOrEqual(60 * 60_000 + 60_000);
      else expect(waitedMs).toBeLessThan(5 * 60_000);
    },
  );

  test("a token revoked mid-listing is replaced and the listing completes; one GitHub keeps refusing fails the job in words, and the next listing recovers", async () => {
    const clean = await cleanListing();
    const { fake, t, installationId, owner } = await setup();
    // The installation's token is revoked as the teams are asked for (e.g. its permissions changed).
    let rejecting = false;
    let revoked = false;
    vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.includes("/access_tokens") && (rejecting || (!revoked && url.includes("/orgs/acme/teams")))) {
        revoked = true;
        fake.revokeTokens();
      }
      return fake.fetch(input, init);
    });
    await request(t, installationId, "members");
    await runSimulated(t);
    expect(await peopleJob(t)).toMatchObject({ state: "completed" });
    expect(fake.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(await people(t)).toEqual(clean);

    // GitHub rejects every token: the job fails with a normalized error and removes nothing.
    rejecting = true;
    fake.teams = [];
    vi.advanceTimersByTime(60 * 60_000);
    await t.mutation(internal.sync.maintenance.listPeople, {});
    await runSimulated(t);
    expect(await peopleJob(t)).toMatchObject({ state: "failed", error: { kind: "unauthorized" } });
    expect(await owner.query(api.sync.status.getStatus, { installationId })).toMatchObject({
      state: "error",
      lastSyncError: expect.stringContaining("rejected the app's credentials"),
    });
    expect(await people(t)).toEqual(clean);

    // GitHub accepts the App again: the next listing (still due) prunes the teams that are gone.
    rejecting = false;
    vi.advanceTimersByTime(15 * 60_000);
    await t.mutation(internal.sync.maintenance.listPeople, {});
    await runSimulated(t);
    expect(await peopleJob(t)).toMatchObject({ state: "completed" });
    expect((await people(t)).teams).toEqual([]);
  });

  test("GitHub refuses the listing (no Members permission): nothing is pruned, sync health says why, the sync goes on to history", async () => {
    const { fake, t, installationId, owner } = await setup();
    await request(t, installationId, "webhook"); // the first sync lists the people after its open work
    await runSimulated(t);
    const before = await people(t);
    expect(before.members.length).toBeGreaterThan(0);

    fake.injectFault({ type: "forbidden" }, { pathIncludes: "/orgs/acme/members", times: 1 });
    vi.advanceTimersByTime(60 * 60_000);
    await request(t, installationId, "webhook");
    await runSimulated(t);
    const job = await latestJob(t);
    expect(job).toMatchObject({ state: "completed", people: { error: "forbidden" } });
    expect(job.stats.repositoriesSynced).toBe(3); // history ran after the refused listing
    expect(await people(t)).toEqual(before);
    const health = await owner.query(api.dashboard.syncHealth.syncHealth, {
      installationId,
      hour: Math.floor(Date.now() / 3_600_000),
    });
    expect(health!.people).toMatchObject({ error: expect.stringContaining("lacks a permission") });
  });

  test("people are listed once an hour in the installation's job, and not in between", async () => {
    const { fake, t, installationId } = await setup();
    await request(t, installationId, "webhook");
    await runSimulated(t);
    const listings = () => answeredPaths(fake).filter((p) => p === "/orgs/acme/teams").length;
    expect(listings()).toBe(1);
    vi.advanceTimersByTime(30 * 60_000);
    await request(t, installationId, "webhook");
    await runSimulated(t);
    expect(listings()).toBe(1);
    vi.advanceTimersByTime(31 * 60_000);
    await request(t, installationId, "webhook");
    await runSimulated(t);
    expect(listings()).toBe(2);
  });
});
