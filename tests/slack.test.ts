/**
 * Slack notifications (issue 15, deliverables 3 and 5) against a fake Slack endpoint in-process (the
 * global `fetch` stubbed, fake timers stepping the backoff): 5xx and timeouts retried with increasing
 * delays, a 429's Retry-After respected, a revoked URL (404, 403 invalid_token) disables its destination
 * and the settings say so, nothing lost in the app. The URL is write-only: no public function returns it.
 * Only administrators change destinations, and every change is logged with who and when.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { makeFunctionReference } from "convex/server";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { notifyDestinations, slackBody } from "../convex/notify/slack";
import { checkWebhookUrl, classifyResponse, urlHint } from "../convex/notify/webhookUrl";
import { orgWithPeople, ORG } from "./helpers/org";
import type { TestConvex } from "./helpers/convex";
import { seedInstallation } from "./helpers/seed";

const SECRET_URL = "https://hooks.slack.com/services/T0001/B0002/s3cr3tT0kenXyZw";
const OTHER_URL = "https://hooks.slack.com/services/T0001/B0003/an0therT0kenQrSt";

type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang" | "network";
type Call = { at: number; url: string; body: { text: string; blocks?: unknown[] } };

/** A fake Slack: answers from a script (then 200 "ok"), records each call with the (fake) time. */
function fakeSlack(script: Answer[] = []) {
  const calls: Call[] = [];
  const answers = [...script];
  vi.stubGlobal("fetch", async (input: string | URL, init?: RequestInit) => {
    calls.push({ at: Date.now(), url: String(input), body: JSON.parse(String(init?.body)) });
    const answer = answers.shift() ?? { status: 200, body: "ok" };
    if (answer === "hang") return new Promise<Response>(() => {});
    if (answer === "network") throw new TypeError("fetch failed");
    return new Response(answer.body ?? "", { status: answer.status, headers: answer.headers });
  });
  return calls;
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2031, 2, 3, 9) });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

/** Start what is due now (or within `ms`), and wait for it. */
async function step(t: TestConvex, ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
  await t.finishInProgressScheduledFunctions();
}

const setup = () => orgWithPeople();

const deliveriesOf = (t: TestConvex) => t.run((ctx) => ctx.db.query("notificationDeliveries").order("asc").collect());

/** What the alert engine does: in one transaction, its own in-app write and the Slack notification. */
async function raiseAlert(t: TestConvex, installationId: Id<"installations">, message = "acme/app#7 waits 24 h") {
  return t.run(async (ctx) => {
    // Stand-in for the in-app notification the alert engine writes in the same transaction.
    const inApp = await ctx.db.insert("users", { name: `in-app: ${message}` });
    const queued = await notifyDestinations(
      ctx,
      { installationId, message, url: "https://syncboard.example/acme", kind: "pickup_time" },
      "opened",
    );
    return { inApp, queued };
  });
}

describe("sending", () => {
  test("500, 500, 200: sent on the third attempt, after 30 s then 2 min; the app's own write is kept", async () => {
    const { t, installationId, owner } = await setup();
    await owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#eng-alerts" });
    const calls = fakeSlack([
      { status: 500, body: "internal_error" },
      { status: 503, body: "service_unavailable" },
    ]);
    const { inApp, queued } = await raiseAlert(t, installationId);
    expect(queued).toBe(1);

    await step(t);
    let [delivery] = await deliveriesOf(t);
    expect(delivery).toMatchObject({ status: "retrying", attempts: 1, lastError: "500 internal_error" });
    expect(delivery!.nextAttemptAt! - calls[0]!.at).toBe(30_000);
    await step(t, 30_000);
    [delivery] = await deliveriesOf(t);
    expect(delivery).toMatchObject({ status: "retrying", attempts: 2 });
    expect(delivery!.nextAttemptAt! - calls[1]!.at).toBe(120_000);
    await step(t, 120_000);
    [delivery] = await deliveriesOf(t);
    expect(delivery).toMatchObject({ status: "sent", attempts: 3 });

    expect(calls.map((c) => c.at - calls[0]!.at)).toEqual([0, 30_000, 150_000]);
    expect(calls.every((c) => c.url === SECRET_URL)).toBe(true);
    expect(calls[0]!.body.text).toBe("Alert: acme/app#7 waits 24 h");
    expect(JSON.stringify(calls[0]!.body.blocks)).toContain("<https://syncboard.example/acme|Open>");
    // The in-app write committed with the queueing, whatever Slack answered.
    expect(await t.run((ctx) => ctx.db.get(inApp))).not.toBeNull();
    // The delivery log, for administrators.
    const log = await owner.query(api.notify.destinations.deliveries, {
      installationId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(log.page).toMatchObject([{ destinationLabel: "#eng-alerts", status: "sent", attempts: 3, event: "opened" }]);
  });

  test("a 404 (revoked URL) disables the destination, says so in the settings, and nothing more is sent to it", async () => {
    const { t, installationId, owner, dev } = await setup();
    const revoked = await owner.mutation(api.notify.destinations.add, {
      installationId,
      url: SECRET_URL,
      label: "#eng-alerts",
    });
    await owner.mutation(api.notify.destinations.add, { installationId, url: OTHER_URL, label: "#backup" });
    const calls = fakeSlack([{ status: 404, body: "no_service" }]);
    const first = await raiseAlert(t, installationId);
    expect(first.queued).toBe(2);
    await step(t);
    await step(t, 3_600_000);

    const settings = (await dev.query(api.notify.destinations.list, { installationId }))!;
    const disabled = settings.destinations.find((d) => d.id === revoked)!;
    expect(disabled).toMatchObject({ enabled: false, label: "#eng-alerts" });
    expect(disabled.disabledReason).toMatch(/no longer exists/);
    expect(settings.changes[0]).toMatchObject({ action: "disabled", by: "Syncboard", label: "#eng-alerts" });
    expect(settings.destinations.find((d) => d.id !== revoked)).toMatchObject({ enabled: true });
    const byDestination = Object.fromEntries((await deliveriesOf(t)).map((d) => [d.destinationLabel, d]));
    expect(byDestination["#eng-alerts"]).toMatchObject({ status: "dead", attempts: 1 });
    expect(byDestination["#backup"]).toMatchObject({ status: "sent", attempts: 1 });
    expect(calls).toHaveLength(2);

    // The next alert reaches the app and the working destination only.
    const second = await raiseAlert(t, installationId, "acme/app#8 open 14 days");
    expect(second.queued).toBe(1);
    await step(t);
    expect(calls.slice(2).map((c) => c.url)).toEqual([OTHER_URL]);
    expect(await t.run((ctx) => ctx.db.get(second.inApp))).not.toBeNull();

    // An administrator re-enables it (logged); a new URL would too.
    await expect(dev.mutation(api.notify.destinations.enable, { destinationId: revoked })).rejects.toThrow(
      /owners and the person who installed/,
    );
    await owner.mutation(api.notify.destinations.enable, { destinationId: revoked });
    const after = (await dev.query(api.notify.destinations.list, { installationId }))!;
    expect(after.destinations.find((d) => d.id === revoked)).toMatchObject({ enabled: true, disabledReason: null });
    expect(after.changes[0]).toMatchObject({ action: "enabled", by: "owner" });
  });

  test("403 invalid_token disables too; 429 waits its Retry-After; a hung request times out and is retried", async () => {
    const { t, installationId, owner } = await setup();
    const id = await owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#a" });
    const calls = fakeSlack([{ status: 429, headers: { "retry-after": "300" } }, "hang", "network"]);
    await raiseAlert(t, installationId);
    await step(t);
    let [d] = await deliveriesOf(t);
    expect(d).toMatchObject({ status: "retrying", attempts: 1, lastError: "429 rate limited" });
    expect(d!.nextAttemptAt! - calls[0]!.at).toBe(300_000);
    // Second attempt: no answer. The action's own timer (10 s) ends it.
    await vi.advanceTimersByTimeAsync(300_000);
    await step(t, 10_000);
    [d] = await deliveriesOf(t);
    expect(d).toMatchObject({ status: "retrying", attempts: 2, lastError: "no answer within 10 s" });
    expect(d!.nextAttemptAt! - (calls[1]!.at + 10_000)).toBe(120_000);
    await step(t, 120_000);
    [d] = await deliveriesOf(t);
    expect(d).toMatchObject({ status: "retrying", attempts: 3, lastError: "network error: fetch failed" });
    expect(d!.nextAttemptAt! - calls[2]!.at).toBe(600_000);
    await step(t, 600_000);
    [d] = await deliveriesOf(t);
    expect(d).toMatchObject({ status: "sent", attempts: 4 });

    fakeSlack([{ status: 403, body: "invalid_token" }]);
    await owner.mutation(api.notify.destinations.sendTest, { destinationId: id });
    await step(t);
    const settings = (await owner.query(api.notify.destinations.list, { installationId }))!;
    expect(settings.destinations[0]).toMatchObject({ enabled: false });
    expect(settings.destinations[0]!.disabledReason).toMatch(/token is invalid/);
    await expect(owner.mutation(api.notify.destinations.sendTest, { destinationId: id })).rejects.toThrow(/disabled/);
  });

  test("one message at a time per destination, oldest first; a 429 holds the rest back, a 5xx does not; a revoked URL ends the rest unsent", async () => {
    const { t, installationId, owner } = await setup();
    await owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#a" });
    await owner.mutation(api.notify.destinations.add, { installationId, url: OTHER_URL, label: "#b" });
    const calls: Array<{ at: number; url: string; text: string }> = [];
    let inFlight = 0;
    let mostInFlight = 0;
    let answer = (_url: string, _n: number) => new Response("ok", { status: 200 });
    vi.stubGlobal("fetch", async (input: string | URL, init?: RequestInit) => {
      const url = String(input);
      calls.push({ at: Date.now(), url, text: JSON.parse(String(init?.body)).text });
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await Promise.resolve();
      inFlight--;
      return answer(url, calls.filter((c) => c.url === url).length);
    });
    const sent = (url: string, from: number) =>
      calls.filter((c) => c.url === url).map((c) => `${c.text} @${(c.at - from) / 1000}s`);

    // #a answers 429 (Retry-After 60 s) to its first message: the rest wait behind it, in order.
    answer = (url, n) =>
      url === SECRET_URL && n === 1
        ? new Response("", { status: 429, headers: { "retry-after": "60" } })
        : new Response("ok", { status: 200 });
    let from = Date.now();
    for (const n of [1, 2, 3]) await raiseAlert(t, installationId, `alert ${n}`);
    await step(t);
    expect(sent(SECRET_URL, from)).toEqual(["Alert: alert 1 @0s"]);
    // #b: its own lane, in order, not held back by #a's; one message at a time per destination.
    expect(sent(OTHER_URL, from)).toEqual(["Alert: alert 1 @0s", "Alert: alert 2 @0s", "Alert: alert 3 @0s"]);
    expect(mostInFlight).toBeLessThanOrEqual(2);
    await step(t, 60_000);
    expect(sent(SECRET_URL, from)).toEqual([
      "Alert: alert 1 @0s",
      "Alert: alert 1 @60s",
      "Alert: alert 2 @60s",
      "Alert: alert 3 @60s",
    ]);

    // A 5xx fails that attempt only: the next message goes on, the failed one is retried 30 s later.
    calls.length = 0;
    answer = (url, n) =>
      url === SECRET_URL && n === 1 ? new Response("", { status: 503 }) : new Response("ok", { status: 200 });
    from = Date.now();
    for (const n of [4, 5]) await raiseAlert(t, installationId, `alert ${n}`);
    await step(t);
    await step(t, 30_000);
    expect(sent(SECRET_URL, from)).toEqual(["Alert: alert 4 @0s", "Alert: alert 5 @0s", "Alert: alert 4 @30s"]);
    expect((await deliveriesOf(t)).every((d) => d.status === "sent")).toBe(true);

    // #a is revoked while three more wait: the first answer disables it and the rest end unsent.
    calls.length = 0;
    answer = (url) =>
      new Response(url === SECRET_URL ? "no_service" : "ok", { status: url === SECRET_URL ? 404 : 200 });
    for (const n of [6, 7, 8]) await raiseAlert(t, installationId, `alert ${n}`);
    await step(t);
    expect(calls.filter((c) => c.url === SECRET_URL).map((c) => c.text)).toEqual(["Alert: alert 6"]);
    const later = (await deliveriesOf(t)).filter((d) => d.destinationLabel === "#a").slice(5);
    expect(later.map((d) => d.status)).toEqual(["dead", "failed", "failed"]);
  });

  test("five transient failures: the delivery fails for good; a removed destination's pending delivery is not sent", async () => {
    const { t, installationId, owner } = await setup();
    const id = await owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#a" });
    const calls = fakeSlack(Array.from({ length: 5 }, () => ({ status: 502 })));
    await raiseAlert(t, installationId);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(calls.map((c) => c.at - calls[0]!.at)).toEqual([0, 30_000, 150_000, 750_000, 4_350_000]);
    const [d] = await deliveriesOf(t);
    expect(d).toMatchObject({ status: "failed", attempts: 5 });
    expect(d!.lastError).toMatch(/gave up after 5 attempts/);
    // Failing (not revoked) leaves the destination on.
    expect((await owner.query(api.notify.destinations.list, { installationId }))!.destinations[0]!.enabled).toBe(true);

    await raiseAlert(t, installationId);
    await owner.mutation(api.notify.destinations.remove, { destinationId: id });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(calls).toHaveLength(5);
    expect((await deliveriesOf(t))[1]).toMatchObject({ status: "failed", lastError: /removed or disabled/ });
  });

  test("a team's destination gets its repositories' alerts only; alerts without a repository go installation-wide", async () => {
    const { t, installationId, owner } = await setup();
    await seedInstallation(t, installationId, 2, 2);
    const [granted, other] = await t.run((ctx) => ctx.db.query("repositories").collect());
    await t.run(async (ctx) => {
      await ctx.db.insert("teams", { accountId: ORG, githubId: 50, slug: "web", name: "Web", seenAt: 0 });
      await ctx.db.insert("repositoryGrants", {
        installationId,
        repositoryId: granted!._id,
        teamGithubId: 50,
        permission: "push",
        seenAt: 0,
      });
    });
    await expect(
      owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#x", teamSlug: "nope" }),
    ).rejects.toMatchObject({ data: { code: "unknown_team", message: 'There is no team "nope" in acme.' } });
    await owner.mutation(api.notify.destinations.add, {
      installationId,
      url: SECRET_URL,
      label: "#web",
      teamSlug: "web",
    });
    fakeSlack();
    const notify = (repositoryId?: Id<"repositories">) =>
      t.run((ctx) =>
        notifyDestinations(ctx, { installationId, repositoryId, message: "m", kind: "pr_age" }, "resolved"),
      );
    expect(await notify(granted!._id)).toBe(1);
    expect(await notify(other!._id)).toBe(0);
    expect(await notify()).toBe(0);
    expect((await deliveriesOf(t))[0]!.text).toBe("Resolved: m");
  });
});

describe("destinations in the settings", () => {
  test("only administrators change destinations; every change is logged with who and when; members read them", async () => {
    const { t, installationId, installer, owner, dev } = await setup();
    await expect(
      dev.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#eng" }),
    ).rejects.toThrow(/owners and the person who installed/);
    const id = await owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: " #eng " });
    await vi.advanceTimersByTimeAsync(60_000);
    for (const call of [
      () => dev.mutation(api.notify.destinations.replaceUrl, { destinationId: id, url: OTHER_URL }),
      () => dev.mutation(api.notify.destinations.remove, { destinationId: id }),
      () => dev.mutation(api.notify.destinations.sendTest, { destinationId: id }),
    ])
      await expect(call()).rejects.toThrow(/owners and the person who installed/);
    await installer.mutation(api.notify.destinations.replaceUrl, { destinationId: id, url: OTHER_URL });
    const now = Date.now();

    const seen = (await dev.query(api.notify.destinations.list, { installationId }))!;
    expect(seen.canEdit).toBe(false);
    expect(seen.destinations).toEqual([
      expect.objectContaining({
        id,
        label: "#eng",
        hint: "hooks.slack.com/…/QrSt",
        enabled: true,
        createdBy: "owner",
        updatedBy: "installer",
        updatedAt: now,
      }),
    ]);
    expect(seen.changes.map((c) => [c.action, c.by, c.at, c.hint])).toEqual([
      ["replaced", "installer", now, "hooks.slack.com/…/QrSt"],
      ["added", "owner", now - 60_000, "hooks.slack.com/…/XyZw"],
    ]);
    // Members do not read the delivery log (messages name private repositories).
    await owner.mutation(api.notify.destinations.sendTest, { destinationId: id });
    const page = { numItems: 10, cursor: null };
    expect(
      (await dev.query(api.notify.destinations.deliveries, { installationId, paginationOpts: page })).page,
    ).toEqual([]);
    expect(
      (await owner.query(api.notify.destinations.deliveries, { installationId, paginationOpts: page })).page,
    ).toHaveLength(1);
    // The delivery log keeps 30 days: a month later the daily retention empties it; the audit log stays.
    await step(t);
    await vi.advanceTimersByTimeAsync(31 * 86_400_000);
    await t.mutation(internal.notify.purge.pruneDeliveries, {});
    expect(
      (await owner.query(api.notify.destinations.deliveries, { installationId, paginationOpts: page })).page,
    ).toEqual([]);
    expect((await owner.query(api.notify.destinations.list, { installationId }))!.changes).toHaveLength(2);

    await owner.mutation(api.notify.destinations.remove, { destinationId: id });
    const after = (await owner.query(api.notify.destinations.list, { installationId }))!;
    expect(after.canEdit).toBe(true);
    expect(after.destinations).toEqual([]);
    expect(after.changes.map((c) => [c.action, c.by])).toEqual([
      ["removed", "owner"],
      ["replaced", "installer"],
      ["added", "owner"],
    ]);
    await expect(owner.mutation(api.notify.destinations.remove, { destinationId: id })).rejects.toThrow(/not found/);
  });

  test("only Slack incoming-webhook URLs are saved (or the origins SYNCBOARD_SLACK_WEBHOOK_HOSTS lists)", async () => {
    const { installationId, owner } = await setup();
    for (const [url, error] of [
      ["not a url", /not a URL/],
      ["http://hooks.slack.com/services/T1/B2/x", /Only Slack/],
      ["https://hooks.slack.com/workflows/T1/A2/x", /looks like/],
      ["https://hooks.slack.com.evil.example/services/T1/B2/x", /Only Slack/],
      ["https://user:pw@hooks.slack.com/services/T1/B2/x", /user name/],
      ["http://localhost:8788/services/T1/B2/x", /Only Slack/],
    ] as const) {
      await expect(
        owner.mutation(api.notify.destinations.add, { installationId, url, label: "#x" }),
        url,
      ).rejects.toThrow(error);
    }
    await owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#x" });
    await expect(
      owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#y" }),
    ).rejects.toThrow(/already/);
    vi.stubEnv("SYNCBOARD_SLACK_WEBHOOK_HOSTS", "http://localhost:8788, https://slack.internal.example");
    await owner.mutation(api.notify.destinations.add, {
      installationId,
      url: "http://localhost:8788/services/T1/B2/x",
      label: "#dev",
    });
  });

  test("the pure parts: hint, classification", () => {
    expect(urlHint(SECRET_URL)).toBe("hooks.slack.com/…/XyZw");
    const body = slackBody({ text: "<!channel> & <https://evil.example|x>", link: "javascript:alert(1)" });
    expect(body.text).toBe("&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;");
    expect(JSON.stringify(body.blocks)).not.toMatch(/<!channel>|javascript:|<https/);
    expect(urlHint("http://localhost:8788/x")).toBe("localhost:8788/…");
    expect(checkWebhookUrl(` ${SECRET_URL} `, undefined)).toEqual({ url: SECRET_URL });
    expect(classifyResponse(200, "ok", null)).toEqual({ kind: "sent" });
    expect(classifyResponse(410, "channel_is_archived", null)).toMatchObject({ kind: "revoked" });
    expect(classifyResponse(400, "invalid_payload", null)).toMatchObject({ kind: "rejected" });
    expect(classifyResponse(429, "", "7")).toMatchObject({ kind: "retry", afterMs: 7_000 });
    expect(classifyResponse(504, "", null)).toMatchObject({ kind: "retry" });
  });
});

describe("the URL never leaves the server", () => {
  test("no public function's answer contains the saved URL, for an administrator or a member", async () => {
    const { t, installationId, owner, dev } = await setup();
    await seedInstallation(t, installationId, 2, 6);
    const repositoryId = (await t.run((ctx) => ctx.db.query("repositories").first()))!._id;
    const deadDeliveryId = await t.run((ctx) =>
      ctx.db.insert("webhookDeliveries", {
        deliveryId: "dead-1",
        event: "pull_request",
        installationGithubId: 77,
        receivedAt: 0,
        bytes: 2,
        status: "dead",
        attempts: 5,
      }),
    );
    fakeSlack([{ status: 404, body: "no_service" }]);
    const destinationId = await owner.mutation(api.notify.destinations.add, {
      installationId,
      url: SECRET_URL,
      label: "#eng",
    });
    const spare = await owner.mutation(api.notify.destinations.add, { installationId, url: OTHER_URL, label: "#b" });
    await raiseAlert(t, installationId);
    await step(t);
    const page = { numItems: 50, cursor: null };
    const secretParts = [SECRET_URL, "s3cr3tT0kenXyZw", "T0001/B0002", OTHER_URL, "an0therT0ken"];
    type Caller = typeof owner;
    const calls: Record<string, (c: Caller) => Promise<unknown>> = {
      "dashboard/summary:summary": (c) => c.query(api.dashboard.summary.summary, { installationId }),
      "dashboard/summary:myInstallations": (c) => c.query(api.dashboard.summary.myInstallations, {}),
      "dashboard/lists:repositories": (c) =>
        c.query(api.dashboard.lists.repositories, { installationId, paginationOpts: page }),
      "dashboard/lists:pullRequests": (c) =>
        c.query(api.dashboard.lists.pullRequests, { installationId, paginationOpts: page, repositoryId }),
      "dashboard/lists:activity": (c) =>
        c.query(api.dashboard.lists.activity, { installationId, paginationOpts: page }),
      "dashboard/trends:trends": (c) => c.query(api.dashboard.trends.trends, { installationId, days: 30 }),
      "dashboard/trends:userStats": (c) => c.query(api.dashboard.trends.userStats, { installationId, days: 30 }),
      "dashboard/inbox:inbox": (c) => c.query(api.dashboard.inbox.inbox, { installationId }),
      "dashboard/reviewerLoad:reviewerLoad": (c) =>
        c.query(api.dashboard.reviewerLoad.reviewerLoad, { installationId }),
      "sync/status:getStatus": (c) => c.query(api.sync.status.getStatus, { installationId }),
      "sync/status:syncNow": (c) => c.mutation(api.sync.status.syncNow, { installationId }),
      "dashboard/syncHealth:syncHealth": (c) =>
        c.query(api.dashboard.syncHealth.syncHealth, { installationId, hour: 0 }),
      "dashboard/syncHealth:deadDeliveries": (c) =>
        c.query(api.dashboard.syncHealth.deadDeliveries, { installationId, paginationOpts: page }),
      "dashboard/syncHealth:replayDelivery": (c) =>
        c.mutation(api.dashboard.syncHealth.replayDelivery, { id: deadDeliveryId }),
      "settings:get": (c) => c.query(api.settings.get, { installationId }),
      "settings:update": (c) => c.mutation(api.settings.update, { installationId, staleAfterDays: 3 }),
      "settings:preview": (c) =>
        c.query(api.settings.preview, {
          installationId,
          today: 20_000,
          agreements: { pickupHours: 24, openDays: 14, maxChangedLines: 500, maxOpenRequests: 5 },
        }),
      "alerts/bell:list": (c) => c.query(api.alerts.bell.list, { installationId, paginationOpts: page }),
      "alerts/bell:unreadCount": (c) => c.query(api.alerts.bell.unreadCount, { installationId }),
      "alerts/bell:markRead": (c) => c.mutation(api.alerts.bell.markRead, { installationId }),
      "notify/destinations:list": (c) => c.query(api.notify.destinations.list, { installationId }),
      "notify/destinations:deliveries": (c) =>
        c.query(api.notify.destinations.deliveries, { installationId, paginationOpts: page }),
      "notify/destinations:add": (c) =>
        c.mutation(api.notify.destinations.add, {
          installationId,
          url: "https://hooks.slack.com/services/T0001/B0009/an0therT0kenAbCd",
          label: "#c",
        }),
      "notify/destinations:replaceUrl": (c) =>
        c.mutation(api.notify.destinations.replaceUrl, { destinationId, url: SECRET_URL }),
      "notify/destinations:enable": (c) => c.mutation(api.notify.destinations.enable, { destinationId }),
      "notify/destinations:sendTest": (c) => c.mutation(api.notify.destinations.sendTest, { destinationId }),
      "notify/destinations:remove": (c) => c.mutation(api.notify.destinations.remove, { destinationId: spare }),
    };
    // A public function without a case above (another room's new one) is still called, with
    // `{ installationId }`: its answer, or its argument error, is checked all the same.
    const generic = (await listPublicFunctions()).filter((f) => {
      const name = f.split("#")[1]!;
      return !(name in calls) && !name.startsWith("auth:");
    });
    for (const name of generic) {
      const [kind, ref] = name.split("#") as [string, string];
      calls[ref] = (c) =>
        kind === "query"
          ? c.query(makeFunctionReference<"query">(ref), { installationId })
          : kind === "mutation"
            ? c.mutation(makeFunctionReference<"mutation">(ref), { installationId })
            : c.action(makeFunctionReference<"action">(ref), { installationId });
    }
    let answers = 0;
    for (const [who, caller] of [
      ["member", dev],
      ["administrator", owner],
    ] as const) {
      for (const [name, call] of Object.entries(calls)) {
        const result = await call(caller).catch((e: Error) => ({ error: e.message }));
        const json = JSON.stringify(result ?? null);
        for (const part of secretParts) expect(json, `${name} as ${who}`).not.toContain(part);
        answers++;
      }
    }
    expect(answers).toBe(2 * Object.keys(calls).length);
    // The destination's page did show it exists (the test would pass vacuously otherwise).
    expect(JSON.stringify(await owner.query(api.notify.destinations.list, { installationId }))).toContain("…/XyZw");
  });
});

describe("no secret in stored, logged or returned text", () => {
  test("after 200, 429, 410 and network-error deliveries, no delivery row, log line or answer holds the URL", async () => {
    const { t, installationId, owner } = await setup();
    const lines: string[] = [];
    for (const level of ["log", "warn", "error", "info", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    await owner.mutation(api.notify.destinations.add, { installationId, url: SECRET_URL, label: "#eng" });
    // Convex's fetch names the URL in its network errors; the 410's body echoes it too.
    const answers: Array<() => Response> = [
      () => {
        throw new TypeError(`error sending request for url (${SECRET_URL}): connection refused`);
      },
      () => new Response("", { status: 429, headers: { "retry-after": "1" } }),
      () => new Response("ok", { status: 200 }),
      () => {
        throw new Error(`network error at ${SECRET_URL}`);
      },
      () => new Response(`no_service ${SECRET_URL}`, { status: 410 }),
    ];
    vi.stubGlobal("fetch", async () => (answers.shift() ?? (() => new Response("ok")))());
    await raiseAlert(t, installationId, "first");
    await step(t);
    const [failing] = await deliveriesOf(t);
    expect(failing!.lastError).toMatch(/^network error: error sending request for url \(\(URL removed\)\)/);
    for (let i = 0; i < 4; i++) await step(t, 60_000);
    const [first] = await deliveriesOf(t);
    expect(first).toMatchObject({ status: "sent", attempts: 3 });
    // A later success leaves no earlier error on the row.
    expect(first!.lastError).toBeUndefined();
    await raiseAlert(t, installationId, "second");
    for (let i = 0; i < 4; i++) await step(t, 60_000);
    const rows = await deliveriesOf(t);
    expect(rows[1]).toMatchObject({ status: "dead", attempts: 2 });
    expect(rows[1]!.lastError).toBeDefined();

    const answersShown = await owner.query(api.notify.destinations.deliveries, {
      installationId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    const everything = [
      JSON.stringify(rows),
      JSON.stringify(await t.run((ctx) => ctx.db.query("destinationChanges").collect())),
      JSON.stringify(
        await t
          .run((ctx) => ctx.db.query("notificationDestinations").collect())
          .then((d) => d.map(({ url: _url, ...rest }) => rest)),
      ),
      JSON.stringify(answersShown),
      JSON.stringify(await owner.query(api.notify.destinations.list, { installationId })),
      ...lines,
    ].join("\n");
    expect(lines.join("\n")).toMatch(/notify.destination_disabled/);
    for (const part of [SECRET_URL, "s3cr3tT0kenXyZw", "T0001/B0002"]) expect(everything).not.toContain(part);
  });

  test("a title that says @here, @channel or @everyone is sent verbatim: Slack parses no mention in it", () => {
    const body = slackBody({ text: "Alert: acme/app#7 “Ping @here and @channel, @everyone” waits", link: undefined });
    const blocks = body.blocks as Array<{ text: { type: string; text: string; verbatim?: boolean } }>;
    expect(blocks.every((b) => b.text.type !== "mrkdwn" || b.text.verbatim === true)).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/<!here>|<!channel>|<!everyone>/);
  });
});

/** Every exported public query/mutation/action under convex/, as "kind#path:name". */
async function listPublicFunctions(): Promise<string[]> {
  const modules = import.meta.glob("../convex/**/*.ts");
  const out: string[] = [];
  for (const [path, load] of Object.entries(modules)) {
    if (path.includes("_generated")) continue;
    type Registered = { isPublic?: boolean; isQuery?: boolean; isMutation?: boolean; isAction?: boolean };
    const mod = (await load()) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      const fn = value as Registered | null;
      if (fn && typeof value === "function" && fn.isPublic && (fn.isQuery || fn.isMutation || fn.isAction)) {
        const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
        out.push(`${kind}#${path.replace("../convex/", "").replace(/\.ts$/, "")}:${name}`);
      }
    }
  }
  return out.sort();
}
