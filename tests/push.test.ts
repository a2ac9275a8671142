/**
 * Web Push (issue 25, item 3): a person's device subscribes; each alert that concerns them and that
 * they may read is queued through the notification queue (the Slack lanes and retries), encrypted with
 * `web-push` (aes128gcm, VAPID) and POSTed to the push service — a fake one in-process here. Others'
 * alerts and alerts about private repositories the owner cannot read send nothing; a 410 removes the
 * subscription; no function returns an endpoint or a key.
 */
import { createECDH, randomBytes } from "node:crypto";
import webpush from "web-push";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { recordMembership } from "../convex/memberships";
import { createInstallation, makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { pr, T0 } from "./helpers/records";

type Sent = { url: string; headers: Record<string, string>; bytes: number };

beforeEach(() => {
  vi.useFakeTimers({ now: T0 + 3_600_000 });
  const vapid = webpush.generateVAPIDKeys();
  vi.stubEnv("SYNCBOARD_VAPID_PUBLIC_KEY", vapid.publicKey);
  vi.stubEnv("SYNCBOARD_VAPID_PRIVATE_KEY", vapid.privateKey);
  vi.stubEnv("SYNCBOARD_VAPID_SUBJECT", "mailto:ops@example.com");
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/** A push service in-process: records each POST, answers 201 (or what `answer` says for an endpoint). */
function fakePushService() {
  const sent: Sent[] = [];
  const answer = new Map<string, number>();
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = init?.body as ArrayBuffer | undefined;
    sent.push({ url, headers: Object.fromEntries(new Headers(init?.headers).entries()), bytes: body?.byteLength ?? 0 });
    return new Response(null, { status: answer.get(url) ?? 201 });
  });
  return { sent, answer };
}

/** A browser's subscription: a P-256 key pair and an auth secret, as PushManager makes them. */
function browserKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") };
}

async function organisation() {
  const t = makeConvex();
  const installationId = await createInstallation(t);
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [
      { githubId: 500, name: "widgets", fullName: "acme/widgets", private: false },
      { githubId: 501, name: "vault", fullName: "acme/vault", private: true },
    ],
  });
  for (const [id, login] of [
    [11, "mona"],
    [12, "hubot"],
  ] as const)
    await t.run((ctx) => recordMembership(ctx, { accountId: 9001, githubUserId: id, login, member: true }));
  const mona = t.withIdentity(await signInAs(t, 11, "mona"));
  const hubot = t.withIdentity(await signInAs(t, 12, "hubot"));
  return { t, installationId, mona, hubot };
}

const settle = (t: TestConvex) => t.finishAllScheduledFunctions(() => vi.advanceTimersToNextTimer(), 1_000);

/** An open pull request over the size agreement (500 lines): a `size` alert about its author. */
const bigPullRequest = (
  t: TestConvex,
  installationId: Id<"installations">,
  o: { number: number; author: string; repo?: number },
) =>
  t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: [
      {
        kind: "pullRequest",
        record: pr({
          number: o.number,
          repoGithubId: o.repo ?? 500,
          authorLogin: o.author,
          additions: 2_000,
          deletions: 10,
          title: `Big change ${o.number}`,
          url: `https://github.com/acme/widgets/pull/${o.number}`,
        }),
      },
    ],
  });

describe("Web Push", () => {
  test("one push per new alert that concerns the subscriber; none for others' alerts or private repositories they cannot read", async () => {
    const { t, installationId, mona } = await organisation();
    const push = fakePushService();
    const endpoint = "https://push.example.test/send/mona-device";
    await mona.mutation(api.notify.push.subscribe, {
      installationId,
      endpoint,
      ...browserKeys(),
      label: "Chrome on Linux",
    });

    await bigPullRequest(t, installationId, { number: 1, author: "mona" });
    await bigPullRequest(t, installationId, { number: 2, author: "hubot" });
    await bigPullRequest(t, installationId, { number: 3, author: "mona", repo: 501 });
    await settle(t);

    expect(push.sent.map((s) => s.url)).toEqual([endpoint]);
    const [sent] = push.sent;
    expect(sent!.headers["content-encoding"]).toBe("aes128gcm");
    expect(sent!.headers["authorization"]).toMatch(/^vapid t=.+, k=.+/);
    expect(Number(sent!.headers["ttl"])).toBeGreaterThan(0);
    expect(sent!.bytes).toBeGreaterThan(100);
    // The alert is not pushed again when it is evaluated again (one push per alert opened).
    await t.mutation(internal.alerts.engine.scan, { installationId });
    await settle(t);
    expect(push.sent).toHaveLength(1);

    // The delivery is in the log like a Slack message; the endpoint and keys are never answered.
    const settings = await mona.query(api.notify.push.settings, { installationId });
    expect(settings).toMatchObject({ devices: [{ label: "Chrome on Linux" }] });
    expect(JSON.stringify(settings)).not.toContain("mona-device");
    const list = await mona.query(api.notify.destinations.list, { installationId });
    expect(JSON.stringify(list)).not.toContain("push.example.test");
  });

  test("a 410 from the push service removes the subscription; a 5xx is retried on the queue's ladder", async () => {
    const { t, installationId, mona } = await organisation();
    const push = fakePushService();
    const endpoint = "https://push.example.test/send/expired";
    await mona.mutation(api.notify.push.subscribe, { installationId, endpoint, ...browserKeys(), label: "Firefox" });

    push.answer.set(endpoint, 503);
    await bigPullRequest(t, installationId, { number: 1, author: "mona" });
    await t.finishInProgressScheduledFunctions();
    await settle(t);
    expect(push.sent.length).toBeGreaterThanOrEqual(2);

    push.answer.set(endpoint, 410);
    await bigPullRequest(t, installationId, { number: 4, author: "mona" });
    await settle(t);
    expect((await mona.query(api.notify.push.settings, { installationId }))!.devices).toEqual([]);
    const removed = push.sent.length;
    await bigPullRequest(t, installationId, { number: 5, author: "mona" });
    await settle(t);
    expect(push.sent).toHaveLength(removed);
  });

  test("subscribing needs the deployment's VAPID keys and a push service's https endpoint; unsubscribing removes only the caller's", async () => {
    const { installationId, mona, hubot } = await organisation();
    fakePushService();
    await expect(
      mona.mutation(api.notify.push.subscribe, {
        installationId,
        endpoint: "http://evil.test/x",
        ...browserKeys(),
        label: "x",
      }),
    ).rejects.toThrow("push subscription could not be read");
    const endpoint = "https://push.example.test/send/a";
    await mona.mutation(api.notify.push.subscribe, { installationId, endpoint, ...browserKeys(), label: "Edge" });
    expect(await hubot.mutation(api.notify.push.unsubscribe, { installationId, endpoint })).toEqual({ removed: 0 });
    expect(await mona.mutation(api.notify.push.unsubscribe, { installationId, endpoint })).toEqual({ removed: 1 });
    vi.stubEnv("SYNCBOARD_VAPID_PRIVATE_KEY", "");
    expect((await mona.query(api.notify.push.settings, { installationId }))!.publicKey).toBeNull();
    await expect(
      mona.mutation(api.notify.push.subscribe, { installationId, endpoint, ...browserKeys(), label: "Edge" }),
    ).rejects.toThrow("not configured");
  });
});
