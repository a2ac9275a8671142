/**
 * An organisation's existing members see its dashboard: the members are listed from GitHub when the
 * App is installed and every hour, not only learned from later membership webhooks.
 */
import examples from "@octokit/webhooks-examples";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { hashId } from "./fakeGitHub/shapes";
import { makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { useFakeGitHub } from "./helpers/github";
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
  vi.unstubAllGlobals();
});

/**
 * Run everything scheduled (webhook processing, the sync with its people stage) to the end; the
 * clock moves with it, as the sync's pacing waits on timers.
 */
const processDue = async (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers, 1_000);

test("members who joined before the App was installed see the installation; those who leave lose it", async () => {
  const fake = useFakeGitHub({ latencyMs: 0, org: { repos: 1, prsPerRepo: 0, issuesPerRepo: 0, commitsPerRepo: 0 } });
  const t = makeConvex();
  const mona = t.withIdentity(await signInAs(t, hashId("mona"), "mona"));
  const stranger = t.withIdentity(await signInAs(t, 424242, "stranger"));

  const created = structuredClone(of("installation").find((p) => p.action === "created")!);
  created.installation.id = fake.installationId;
  created.installation.account = {
    ...created.installation.account,
    login: "acme",
    id: fake.org.id,
    type: "Organization",
  };
  created.sender = { ...created.sender, login: "octocat", id: hashId("octocat") };
  expect((await deliver(t, "installation", created)).status).toBe(202);
  await processDue(t);

  expect((await mona.query(api.dashboard.summary.myInstallations, {})).map((i) => i.account.login)).toEqual(["acme"]);
  expect(await stranger.query(api.dashboard.summary.myInstallations, {})).toEqual([]);
  const owner = await t.run((ctx) =>
    ctx.db
      .query("orgMemberships")
      .withIndex("by_user_account", (q) =>
        q.eq("githubUserId", hashId(fake.orgMembers[0]!)).eq("accountId", fake.org.id),
      )
      .unique(),
  );
  expect(owner).toMatchObject({ role: "admin" });

  // Mona leaves the organisation and no webhook says so: the hourly listing ends her access.
  fake.orgMembers = fake.orgMembers.filter((login) => login !== "mona");
  vi.advanceTimersByTime(60 * 60_000); // the listing is due hourly
  await t.mutation(internal.sync.maintenance.listPeople, {});
  await processDue(t);
  expect(await mona.query(api.dashboard.summary.myInstallations, {})).toEqual([]);
});

test("without the Members permission (403), memberships stay as they are", async () => {
  const fake = useFakeGitHub({ latencyMs: 0, org: { repos: 1, prsPerRepo: 0, issuesPerRepo: 0, commitsPerRepo: 0 } });
  const t = makeConvex();
  const created = structuredClone(of("installation").find((p) => p.action === "created")!);
  created.installation.id = fake.installationId;
  created.installation.account = {
    ...created.installation.account,
    login: "someone-else",
    id: 777,
    type: "Organization",
  };
  await deliver(t, "installation", created);
  await processDue(t); // GET /orgs/someone-else/members answers 404 here: nothing recorded, nothing thrown
  expect(await t.run((ctx) => ctx.db.query("orgMemberships").collect())).toEqual([]);
  expect((await t.run((ctx) => ctx.db.query("webhookDeliveries").collect()))[0]).toMatchObject({ status: "processed" });
});
