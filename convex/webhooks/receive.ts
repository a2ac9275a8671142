/**
 * POST /github/webhook. Verify, store, answer — processing is scheduled at receipt and runs in
 * seconds. Nothing is written for a request that fails the signature or is malformed.
 *
 * Memory: a function has a 64 MiB heap, and a body may be 20 MiB. The body is read once, as bytes;
 * the signature is checked over those bytes; the text is decoded once and parsed once, only to
 * check it is a JSON object and read `action` and `installation.id` (text and tree are dropped
 * before anything is stored); a large body is stored as a Blob of the same bytes.
 */
import { internal } from "../_generated/api";
import { httpAction } from "../_generated/server";
import { webhookSecrets } from "../github/config";
import { verifyWebhookSignature } from "../github/webhookSignature";

/** Convex HTTP actions take requests of at most 20 MiB (GitHub itself caps payloads at 25 MB). */
export const MAX_PAYLOAD_BYTES = 20 * 1024 * 1024;
/** Larger payloads go to file storage: a document holds at most 1 MiB. */
export const INLINE_PAYLOAD_BYTES = 512 * 1024;

const text = (status: number, message: string) =>
  new Response(message, { status, headers: { "content-type": "text/plain" } });

/** What receipt needs from the body; the text only when it is stored inline. */
type Summary =
  { ok: true; action?: string; installationGithubId?: number; inline?: string } | { ok: false; message: string };

/** Decode and parse once; nothing of the parsed tree outlives this call. */
function summarize(bytes: Uint8Array): Summary {
  let body: string;
  let payload: unknown;
  try {
    body = new TextDecoder().decode(bytes);
    payload = JSON.parse(body);
  } catch {
    return { ok: false, message: "body is not JSON" };
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return { ok: false, message: "body is not a JSON object" };
  const { action, installation } = payload as { action?: unknown; installation?: { id?: unknown } | null };
  const installationId = typeof installation === "object" && installation !== null ? installation.id : undefined;
  return {
    ok: true,
    ...(typeof action === "string" && { action }),
    ...(typeof installationId === "number" && { installationGithubId: installationId }),
    ...(bytes.byteLength <= INLINE_PAYLOAD_BYTES && { inline: body }),
  };
}

export const githubWebhook = httpAction(async (ctx, request) => {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_PAYLOAD_BYTES) return text(413, "payload too large");
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) return text(413, "payload too large");
  if (!(await verifyWebhookSignature(bytes, request.headers.get("x-hub-signature-256"), webhookSecrets()))) {
    return text(401, "signature does not match");
  }
  const event = request.headers.get("x-github-event");
  const deliveryId = request.headers.get("x-github-delivery");
  if (!event || !deliveryId) return text(400, "missing X-GitHub-Event or X-GitHub-Delivery");
  const summary = summarize(bytes);
  if (!summary.ok) return text(400, summary.message);

  const payloadStorageId =
    summary.inline === undefined ? await ctx.storage.store(new Blob([bytes], { type: "application/json" })) : undefined;
  const { duplicate } = await ctx.runMutation(internal.webhooks.deliveries.record, {
    deliveryId,
    event,
    ...(summary.action !== undefined && { action: summary.action }),
    ...(summary.installationGithubId !== undefined && { installationGithubId: summary.installationGithubId }),
    bytes: bytes.byteLength,
    ...(payloadStorageId ? { payloadStorageId } : { payload: summary.inline }),
  });
  if (duplicate && payloadStorageId) await ctx.storage.delete(payloadStorageId);
  return text(duplicate ? 200 : 202, duplicate ? "duplicate delivery, already recorded" : "accepted");
});
