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

  test("20 MiB is the cap: declared above → 413 before reading, nothing written; exactly 20 MiB is accepted", async () => {
    const t = makeConvex();
    const before = await countDocuments(t);
    const small = jsonOfBytes(1000);
    const res = await deliver(t, "ping", null, { body: small, headers: { "content-length": String(20 * MiB + 1) } });
    expect(res.status).toBe(413);
    expect(await countDocuments(t)).toBe(before);

    // Two-byte characters: the byte length is what counts, not the string's.
    const body = jsonOfBytes(20 * MiB, "é");
    expect(body.length).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect((await deliver(t, "ping", null, { body })).status).toBe(202);
    const [delivery] = await t.run((ctx) => ctx.db.query("webhookDeliveries").collect());
    expect(delivery).toMatchObject({ event: "ping", bytes: 20 * MiB });
    expect(delivery!.payloadStorageId).toBeDefined();
    // One byte more never reaches the function: the platform refuses it (convex-test enforces it too).
    await expect(deliver(t, "ping", null, { body: jsonOfBytes(20 * MiB + 1, "é") })).rejects.toThrow(/20 MiB/);
  });
});

describe("signature over the received bytes", () => {
  const sign = (body: string, secret = WEBHOOK_SECRET) => new Webhooks({ secret }).sign(body);
  const bytes = (s: string) => new TextEncoder().encode(s);

  test("matches @octokit/webhooks' signatures, for bytes and text, with non-ASCII content; such a delivery is stored as sent", async () => {
    const body = JSON.stringify({ zen: "Grüße, 世界 🎉", hook_id: 7 });
    const signature = await sign(body);
    expect(await verifyWebhookSignature(bytes(body), signature, [WEBHOOK_SECRET])).toBe(true);
    // Delivered: accepted, stored as sent, its size in bytes.
    const t = makeConvex();
    expect((await deliver(t, "ping", null, { body })).status).toBe(202);
    const stored = await t.run((ctx) => ctx.db.query("webhookPayloads").collect());
    expect(stored.map((p) => p.body)).toEqual([body]);
    const [delivery] = await t.run((ctx) => ctx.db.query("webhookDeliveries").collect());
    expect(delivery!.bytes).toBe(bytes(body).length);
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
});
