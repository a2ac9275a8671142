import examples from "@octokit/webhooks-examples";
import { Webhooks } from "@octokit/webhooks";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { HANDLED_EVENTS } from "../convex/github/mapWebhook";
import { MAX_DELIVERY_ATTEMPTS } from "../convex/webhooks/queue";
import { createInstallation, expectNoAggregateDifferences, makeConvex, type TestConvex } from "./helpers/convex";
import { useFakeGitHub } from "./helpers/github";
import { countDocuments, deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const all = examples as unknown as Example[];
const of = (name: string) => all.find((e) => e.name === name)!.examples;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});
const settle = (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers);
/** Run the deliveries' processing that is due now, but not the sync work it schedules. */
const processDue = async (t: TestConvex) => {
  vi.runOnlyPendingTimers();
  await t.finishInProgressScheduledFunctions();
};
const deliveries = (t: TestConvex) => t.run((ctx) => ctx.db.query("webhookDeliveries").collect());

describe("POST /github/webhook: verification", () => {
  const payload = of("issues")[0]!;
  const body = JSON.stringify(payload);
  const headers = async (signature: string | null, extra: Record<string, string> = {}) => ({
    "x-github-event": "issues",
    "x-github-delivery": "d-1",
    ...(signature !== null && { "x-hub-signature-256": signature }),
    ...extra,
  });
  test.each<[string, () => Promise<{ body: string; headers: Record<string, string> }>]>([
    ["a wrong secret", async () => ({ body, headers: await headers(await signOf(body, "guess")) })],
    // The signature of the original body on a modified one.
    [
      "a tampered body",
      async () => ({ body: body.replace(/}$/, ',"sneaky":true}'), headers: await headers(await signOf(body)) }),
    ],
    ["no signature header", async () => ({ body, headers: await headers(null) })],
    [
      "a sha1= signature only",
      async () => ({
        body,
        headers: await headers(null, { "x-hub-signature": "sha1=0123456789abcdef0123456789abcdef01234567" }),
      }),
    ],
    ["a malformed signature", async () => ({ body, headers: await headers("sha256=zz") })],
    ["an empty body", async () => ({ body: "", headers: await headers(await signOf("{}")) })],
  ])("%s → 401, nothing written", async (_name, request) => {
    const t = makeConvex();
    const before = await countDocuments(t);
    const res = await t.fetch("/github/webhook", { method: "POST", ...(await request()) });
    expect(res.status).toBe(401);
    expect(await countDocuments(t)).toBe(before);
  });

  test("signed but not JSON, or without event/delivery headers → 400, nothing written", async () => {
    const t = makeConvex();
    const before = await countDocuments(t);
    expect((await deliver(t, "issues", null, { body: "not json {" })).status).toBe(400);
    expect((await deliver(t, "issues", payload, { headers: { "x-github-event": null } })).status).toBe(400);
    expect((await deliver(t, "issues", payload, { headers: { "x-github-delivery": null } })).status).toBe(400);
    expect((await deliver(t, "issues", null, { body: "[1,2]" })).status).toBe(400);
    expect(await countDocuments(t)).toBe(before);
  });

  test("a huge body is refused before anything is stored", async () => {
    const t = makeConvex();
    const before = await countDocuments(t);
    const res = await t.fetch("/github/webhook", {
      method: "POST",
      headers: { "content-length": String(26 * 1024 * 1024), "x-hub-signature-256": "sha256=00" },
      body: "{}",
    });
    expect(res.status).toBe(413);
    expect(await countDocuments(t)).toBe(before);
  });

  test("the previous secret is accepted during a rotation; neither → 401", async () => {
    const t = makeConvex();
    vi.stubEnv("GITHUB_WEBHOOK_SECRET", "new-secret");
    vi.stubEnv("GITHUB_WEBHOOK_SECRET_PREVIOUS", WEBHOOK_SECRET);
    expect((await deliver(t, "issues", payload)).status).toBe(202);
    expect((await deliver(t, "issues", payload, { secret: "new-secret" })).status).toBe(202);
    expect((await deliver(t, "issues", payload, { secret: "other" })).status).toBe(401);
  });

  test("a large payload is stored in file storage and still applied; retention removes old deliveries with their bodies", async () => {
    const t = makeConvex();
    await createInstallation(t, { githubInstallationId: of("push")[0]!.installation?.id ?? 1 });
    const push = structuredClone(of("push").find((p) => p.commits.length > 0)!);
    push.installation = { id: push.installation?.id ?? 1 };
    push.ref = `refs/heads/${push.repository.default_branch}`;
    push.commits = Array.from({ length: 2048 }, (_, i) => ({
      ...push.commits[0],
      id: i.toString(16).padStart(40, "0"),
      message: "x".repeat(300),
    }));
    expect((await deliver(t, "push", push)).status).toBe(202);
    const [d] = await deliveries(t);
    expect(d!.payloadStorageId).toBeDefined();
    expect(await t.run((ctx) => ctx.db.query("webhookPayloads").collect())).toEqual([]);
    await settle(t);
    expect((await deliveries(t))[0]!.status).toBe("processed");
    expect((await t.run((ctx) => ctx.db.query("commits").collect())).length).toBe(2048);

    // A week later the daily retention removes it with its blob; the read model stays.
    await deliver(t, "ping", { zen: "Keep it logically awesome.", hook_id: 1 });
    await settle(t);
    const week = 8 * 24 * 3_600_000;
    await t.run(async (ctx) => {
      for (const d of await ctx.db.query("webhookDeliveries").collect())
        await ctx.db.patch(d._id, { receivedAt: d.receivedAt - week });
    });
    const kept = await deliver(t, "ping", { zen: "Recent.", hook_id: 1 });
    expect(kept.status).toBe(202);
    await settle(t);
    await t.mutation(internal.webhooks.deliveries.pruneDeliveries, {});
    await settle(t);
    const left = await deliveries(t);
    expect(left.map((d) => [d.event, d.status])).toEqual([["ping", "ignored"]]);
    expect(await t.run((ctx) => ctx.db.query("webhookPayloads").collect())).toHaveLength(1);
    expect(await t.run((ctx) => ctx.db.system.query("_storage").collect())).toEqual([]);
    expect((await t.run((ctx) => ctx.db.query("commits").collect())).length).toBe(2048);
  });
});

function signOf(body: string, secret = WEBHOOK_SECRET) {
  return new Webhooks({ secret }).sign(body);
}

describe("every real payload in @octokit/webhooks-examples", () => {
  test("329 deliveries: all 2xx, handled applied, the rest recorded as ignored, aggregates exact", async () => {
    const t = makeConvex();
    const payloads = all.flatMap((e) => e.examples.map((p) => ({ event: e.name, payload: p })));
    // The installations the payloads belong to (as their installation.created would have recorded).
    const ids = [
      ...new Set(payloads.map((p) => p.payload.installation?.id).filter((id): id is number => typeof id === "number")),
    ];
    for (const [i, id] of ids.entries())
      await createInstallation(t, { githubInstallationId: id, accountId: 70_000 + i, accountLogin: `acct-${i}` });

    for (const { event, payload } of payloads) {
      const res = await deliver(t, event, payload);
      expect(res.status, `${event}.${payload.action}`).toBe(202);
    }
    await settle(t);
    const stored = await deliveries(t);
    expect(stored).toHaveLength(329);
    const unexpected = stored.filter(
      (d) => !(HANDLED_EVENTS.includes(d.event) ? ["processed", "ignored"] : ["ignored"]).includes(d.status),
    );
    expect(unexpected.map((d) => `${d.event}.${d.action}: ${d.status} ${d.reason}`)).toEqual([]);
    expect(stored.filter((d) => !HANDLED_EVENTS.includes(d.event)).every((d) => d.status === "ignored")).toBe(true);

    // Handled events moved the read model as the payload says.
    const deletedInstallations = new Set(
      of("installation")
        .filter((p) => p.action === "deleted")
        .map((p) => p.installation.id),
    );
    const prs = await t.run((ctx) => ctx.db.query("pullRequests").collect());
    for (const p of of("pull_request")) {
      if (!p.installation || deletedInstallations.has(p.installation.id)) continue;
      expect(
        prs.some((pr) => pr.githubId === p.pull_request.id),
        `PR ${p.pull_request.id}`,
      ).toBe(true);
    }
    const commits = await t.run((ctx) => ctx.db.query("commits").collect());
    for (const p of of("push")) {
      if (
        !p.installation ||
        deletedInstallations.has(p.installation.id) ||
        p.ref !== `refs/heads/${p.repository.default_branch}`
      )
        continue;
      for (const c of p.commits) expect(commits.some((x) => x.sha === c.id)).toBe(true);
    }
    const installations = await t.run((ctx) => ctx.db.query("installations").collect());
    for (const i of installations) if (i.status !== "deleted") await expectNoAggregateDifferences(t, i._id);
  });
});

describe("idempotence and ordering", () => {
  const prPayload = (action: string, updatedAt: string, extra: Record<string, unknown> = {}) => {
    const base = structuredClone(of("pull_request").find((p) => p.action === "opened")!);
    base.action = action;
    base.installation = { id: 1001 };
    Object.assign(base.pull_request, { updated_at: updatedAt, ...extra });
    return base;
  };

  test("the same delivery twice is applied once and acknowledged twice", async () => {
    const t = makeConvex();
    const installationId = await createInstallation(t);
    const p = prPayload("opened", "2026-11-01T10:00:00Z");
    expect((await deliver(t, "pull_request", p, { deliveryId: "same" })).status).toBe(202);
    expect((await deliver(t, "pull_request", p, { deliveryId: "same" })).status).toBe(200);
    await settle(t);
    expect(await deliveries(t)).toHaveLength(1);
    expect(await t.run((ctx) => ctx.db.query("activityEvents").collect())).toHaveLength(1);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a PR's events in reverse order end in the same state as in order", async () => {
    const newHead = { ...of("pull_request")[0]!.pull_request.head, sha: "f".repeat(40) };
    const events = [
      prPayload("opened", "2026-11-01T10:00:00Z", { draft: true }),
      prPayload("ready_for_review", "2026-11-01T11:00:00Z", { draft: false }),
      prPayload("synchronize", "2026-11-01T12:00:00Z", { head: newHead }),
      prPayload("closed", "2026-11-01T13:00:00Z", {
        head: newHead,
        state: "closed",
        merged: true,
        merged_at: "2026-11-01T13:00:00Z",
        closed_at: "2026-11-01T13:00:00Z",
      }),
    ];
    const finalState = async (order: typeof events) => {
      const t = makeConvex();
      const installationId = await createInstallation(t);
      for (const e of order) await deliver(t, "pull_request", e);
      await settle(t);
      await expectNoAggregateDifferences(t, installationId);
      const [pr] = await t.run((ctx) => ctx.db.query("pullRequests").collect());
      const { _id, _creationTime, repositoryId, installationId: _i, ...rest } = pr!;
      return rest;
    };
    const inOrder = await finalState(events);
    expect(inOrder).toMatchObject({ state: "merged", draft: false, headSha: "f".repeat(40) });
    expect(await finalState([...events].reverse())).toEqual(inOrder);
  });

  test("installation.deleted, then a late pull_request for it: nothing becomes visible; data purged", async () => {
    const t = makeConvex();
    const created = structuredClone(of("installation").find((p) => p.action === "created")!);
    await deliver(t, "installation", created);
    await settle(t);
    const deleted = structuredClone(of("installation").find((p) => p.action === "deleted")!);
    deleted.installation.id = created.installation.id;
    await deliver(t, "installation", deleted);
    await settle(t);
    const late = prPayload("opened", "2026-11-02T10:00:00Z");
    late.installation = { id: created.installation.id };
    await deliver(t, "pull_request", late);
    await settle(t);
    expect(await t.run((ctx) => ctx.db.query("pullRequests").collect())).toHaveLength(0);
    expect(await t.run((ctx) => ctx.db.query("repositories").collect())).toHaveLength(0); // purged
    const [installation] = await t.run((ctx) => ctx.db.query("installations").collect());
    expect(installation!.status).toBe("deleted");
  });
});

describe("lifecycle and backfills", () => {
  test("installation.created records the installation, the installing user and its repositories, and requests one backfill", async () => {
    const t = makeConvex();
    const created = structuredClone(of("installation").find((p) => p.action === "created")!);
    await deliver(t, "installation", created);
    await processDue(t);
    const [installation] = await t.run((ctx) => ctx.db.query("installations").collect());
    expect(installation).toMatchObject({
      githubInstallationId: created.installation.id,
      installedByGithubUserId: created.sender.id,
      status: "active",
    });
    const repos = await t.run((ctx) => ctx.db.query("repositories").collect());
    expect(repos.map((r) => r.githubId).sort()).toEqual(created.repositories.map((r: { id: number }) => r.id).sort());
    const jobs = await t.run((ctx) => ctx.db.query("syncJobs").collect());
    expect(jobs).toMatchObject([{ trigger: "webhook" }]);
  });

  test("a burst of installation_repositories.added coalesces into one job", async () => {
    const t = makeConvex();
    await createInstallation(t);
    const added = structuredClone(of("installation_repositories").find((p) => p.action === "added")!);
    for (let i = 0; i < 10; i++) {
      added.installation.id = 1001;
      added.repositories_added = [
        { id: 900 + i, node_id: "x", name: `r${i}`, full_name: `acme/r${i}`, private: false },
      ];
      await deliver(t, "installation_repositories", added);
    }
    await processDue(t);
    const decisions = (await deliveries(t)).map((d) => d.reason);
    expect(decisions.filter((r) => r?.includes("budget_unknown") || r?.includes("webhook_backfill"))).toHaveLength(1);
    expect(decisions.filter((r) => r?.includes("already_syncing"))).toHaveLength(9);
    expect(await t.run((ctx) => ctx.db.query("syncJobs").collect())).toHaveLength(1);
    expect(await t.run((ctx) => ctx.db.query("repositories").collect())).toHaveLength(10);
  });

  test("installation_repositories.removed hides the repositories and corrects the counters", async () => {
    const t = makeConvex();
    const installationId = await createInstallation(t);
    const pr = structuredClone(of("pull_request").find((p) => p.action === "opened")!);
    pr.installation = { id: 1001 };
    await deliver(t, "pull_request", pr);
    await settle(t);
    const removed = structuredClone(
      of("installation_repositories").find((p) => p.action === "removed") ?? of("installation_repositories")[0]!,
    );
    removed.action = "removed";
    removed.installation.id = 1001;
    removed.repositories_added = [];
    removed.repositories_removed = [
      {
        id: pr.repository.id,
        name: pr.repository.name,
        full_name: pr.repository.full_name,
        private: false,
        node_id: "x",
      },
    ];
    await deliver(t, "installation_repositories", removed);
    await settle(t);
    const shards = await t.run((ctx) => ctx.db.query("installationCounters").collect());
    expect(shards.reduce((n, s) => n + s.repos + s.openPrs, 0)).toBe(0);
    await expectNoAggregateDifferences(t, installationId);
  });
});

describe("failures: retried, dead-lettered, replayable", () => {
  test("an activity event for an unknown installation is retried, dead-lettered, then replayed once it exists", async () => {
    const t = makeConvex();
    const p = structuredClone(of("issues").find((x) => x.action === "opened")!);
    p.installation = { id: 5555 };
    await deliver(t, "issues", p, { deliveryId: "early-bird" });
    await settle(t);
    const [dead] = await deliveries(t);
    expect(dead).toMatchObject({
      status: "dead",
      attempts: MAX_DELIVERY_ATTEMPTS,
      reason: expect.stringContaining("not known"),
    });

    const installationId = await createInstallation(t, { githubInstallationId: 5555 });
    expect(await t.mutation(internal.webhooks.deliveries.replayDelivery, { deliveryId: "early-bird" })).toEqual({
      replayed: true,
    });
    await settle(t);
    expect((await deliveries(t))[0]).toMatchObject({ status: "processed" });
    expect(await t.run((ctx) => ctx.db.query("issues").collect())).toHaveLength(1);
    await expectNoAggregateDifferences(t, installationId);
  });

  test("a payload that fails validation is recorded with the failing path, not dropped", async () => {
    const t = makeConvex();
    await createInstallation(t);
    const p = structuredClone(of("pull_request")[0]!);
    p.installation = { id: 1001 };
    delete p.pull_request.head;
    expect((await deliver(t, "pull_request", p)).status).toBe(202);
    await settle(t);
    const [invalid] = await deliveries(t);
    expect(invalid).toMatchObject({ status: "invalid", invalidPath: "pull_request.head" });
    // The body is kept with it, for an operator to inspect and replay.
    const kept = await t.run((ctx) =>
      ctx.db
        .query("webhookPayloads")
        .withIndex("by_delivery", (q) => q.eq("deliveryId", invalid!._id))
        .unique(),
    );
    expect(JSON.parse(kept!.body)).toEqual(p);
  });

  test("replayFailed requeues every dead letter", async () => {
    const t = makeConvex();
    for (const id of ["a", "b", "c"]) {
      const p = structuredClone(of("issues")[0]!);
      p.installation = { id: 777 };
      await deliver(t, "issues", p, { deliveryId: id });
    }
    await settle(t);
    expect((await deliveries(t)).every((d) => d.status === "dead")).toBe(true);
    await createInstallation(t, { githubInstallationId: 777 });
    expect(await t.mutation(internal.webhooks.deliveries.replayFailed, {})).toEqual({ replayed: 3, more: false });
    await settle(t);
    expect((await deliveries(t)).every((d) => d.status === "processed")).toBe(true);
  });
});

describe("missed deliveries are recovered", () => {
  test("failed deliveries we never stored are redelivered once each, then applied", async () => {
    const t = makeConvex();
    const fake = useFakeGitHub({ seed: 21, org: { repos: 1 } });
    const installationId = await createInstallation(t, { githubInstallationId: fake.installationId });
    const issue = (n: number) => {
      const p = structuredClone(of("issues").find((x) => x.action === "opened")!);
      p.installation = { id: fake.installationId };
      p.issue = { ...p.issue, id: 50_000 + n, number: n, title: `Missed ${n}` };
      return p;
    };
    // What GitHub's delivery log shows: two failed deliveries we never got, one we got, one that succeeded.
    const payloads = new Map([
      ["lost-1", issue(1)],
      ["lost-2", issue(2)],
      ["received", issue(3)],
      ["fine", issue(4)],
    ]);
    fake.addDelivery({
      guid: "lost-1",
      event: "issues",
      action: "opened",
      status: "Invalid HTTP Response: 503",
      statusCode: 503,
    });
    fake.addDelivery({ guid: "lost-2", event: "issues", action: "opened", status: "timed out", statusCode: 0 });
    fake.addDelivery({
      guid: "received",
      event: "issues",
      action: "opened",
      status: "Invalid HTTP Response: 500",
      statusCode: 500,
    });
    fake.addDelivery({ guid: "fine", event: "issues", action: "opened", status: "OK", statusCode: 200 });
    await deliver(t, "issues", payloads.get("received"), { deliveryId: "received" });
    // A redelivery arrives like any delivery: same GUID, signed.
    fake.onRedeliver = async (d) => void (await deliver(t, d.event, payloads.get(d.guid), { deliveryId: d.guid }));

    expect(await t.action(internal.webhooks.recovery.recoverMissedDeliveries, {})).toBe(2);
    expect(await t.action(internal.webhooks.recovery.recoverMissedDeliveries, {})).toBe(0); // remembered: asked once each
    expect(fake.redeliveryRequests).toHaveLength(2);
    await settle(t);
    const titles = (await t.run((ctx) => ctx.db.query("issues").collect())).map((i) => i.title).sort();
    expect(titles).toEqual(["Missed 1", "Missed 2", "Missed 3"]);
    await expectNoAggregateDifferences(t, installationId);
  });
});
