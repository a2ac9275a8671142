/**
 * Receipt limits and the signature check over the body's bytes: Convex HTTP actions take at most
 * 20 MiB, so anything larger is a 413 whatever GitHub's own 25 MB cap says; the size is the byte
 * length, not the string length.
 */
import { Webhooks } from "@octokit/webhooks";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { verifyWebhookSignature } from "../convex/github/webhookSignature";
import { MAX_PAYLOAD_BYTES } from "../convex/webhooks/receive";
import { makeConvex } from "./helpers/convex";
import { countDocuments, deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

const MiB = 1024 * 1024;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

/** A JSON object of exactly `bytes` UTF-8 bytes, padded with `fill` (1 or 2 bytes per character). */
function jsonOfBytes(bytes: number, fill = "x") {
  const head = '{"zen":"big","hook_id":1,"pad":"';
  const tail = '"}';
  const per = new TextEncoder().encode(fill).length;
  const room = bytes - head.length - tail.length;
  return head + fill.repeat(Math.floor(room / per)) + "x".repeat(room % per) + tail;
}

describe("size cap: 20 MiB", () => {
  test("the cap is Convex's HTTP action limit", () => {
    expect(MAX_PAYLOAD_BYTES).toBe(20 * MiB);
  });

  test("a declared content-length over 20 MiB → 413 before the body is read, nothing written", async () => {
    const t = makeConvex();
    const before = await countDocuments(t);
    const body = jsonOfBytes(1000);
    const res = await deliver(t, "ping", null, { body, headers: { "content-length": String(20 * MiB + 1) } });
    expect(res.status).toBe(413);
    expect(await countDocuments(t)).toBe(before);
  });

  test("the cap is the platform's: one byte more never reaches the function (convex-test enforces it too)", async () => {
    const t = makeConvex();
    await expect(deliver(t, "ping", null, { body: jsonOfBytes(20 * MiB + 1, "é") })).rejects.toThrow(/20 MiB/);
  });

  test("a body of exactly 20 MiB (two-byte characters: fewer string characters) is accepted, kept in file storage", async () => {
    const t = makeConvex();
    const res = await deliver(t, "ping", null, { body: jsonOfBytes(20 * MiB, "é") });
    expect(res.status).toBe(202);
    const [delivery] = await t.run((ctx) => ctx.db.query("webhookDeliveries").collect());
    expect(delivery).toMatchObject({ event: "ping", bytes: 20 * MiB });
    expect(delivery!.payloadStorageId).toBeDefined();
  });
});

describe("signature over the received bytes", () => {
  const sign = (body: string, secret = WEBHOOK_SECRET) => new Webhooks({ secret }).sign(body);
  const bytes = (s: string) => new TextEncoder().encode(s);

  test("matches @octokit/webhooks' signatures, for bytes and text, with non-ASCII content", async () => {
    const body = JSON.stringify({ action: "opened", title: "Grüße, 世界 🎉" });
    const signature = await sign(body);
    expect(await verifyWebhookSignature(bytes(body), signature, [WEBHOOK_SECRET])).toBe(true);
    expect(await verifyWebhookSignature(body, signature, [WEBHOOK_SECRET])).toBe(true);
    expect(
      await verifyWebhookSignature(body, signature.toUpperCase().replace("SHA256=", "sha256="), [WEBHOOK_SECRET]),
    ).toBe(true);
  });

  test("current or previous secret; anything else is refused", async () => {
    const body = '{"zen":"ok"}';
    expect(await verifyWebhookSignature(bytes(body), await sign(body, "old"), ["new", "old"])).toBe(true);
    expect(await verifyWebhookSignature(bytes(body), await sign(body, "other"), ["new", "old"])).toBe(false);
    expect(await verifyWebhookSignature(bytes(body + " "), await sign(body, "new"), ["new", "old"])).toBe(false);
    expect(await verifyWebhookSignature(bytes(body), null, ["new"])).toBe(false);
    expect(await verifyWebhookSignature(bytes(body), "sha256=zz", ["new"])).toBe(false);
    expect(await verifyWebhookSignature(bytes(body), (await sign(body, "new")).slice(0, -2), ["new"])).toBe(false);
    expect(await verifyWebhookSignature(bytes(body), "sha1=" + "0".repeat(40), ["new"])).toBe(false);
    expect(await verifyWebhookSignature(new Uint8Array(0), await sign("{}", "new"), ["new"])).toBe(false);
    expect(await verifyWebhookSignature(bytes(body), await sign(body, "new"), [])).toBe(false);
  });

  test("a delivery with multi-byte characters is accepted and stored as sent", async () => {
    const t = makeConvex();
    const body = JSON.stringify({ zen: "Ünïcödé — 日本語 ✓", hook_id: 7 });
    const res = await deliver(t, "ping", null, { body });
    expect(res.status).toBe(202);
    const stored = await t.run((ctx) => ctx.db.query("webhookPayloads").collect());
    expect(stored.map((p) => p.body)).toEqual([body]);
    const [delivery] = await t.run((ctx) => ctx.db.query("webhookDeliveries").collect());
    expect(delivery!.bytes).toBe(new TextEncoder().encode(body).length);
  });
});
