/**
 * POST /github/webhook. Verify, store, answer — processing is scheduled at receipt and runs in
 * seconds. Nothing is written for a request that fails the signature or is malformed.
 */
import { Webhooks } from "@octokit/webhooks";
import { internal } from "../_generated/api";
import { httpAction } from "../_generated/server";
import { webhookSecrets } from "../github/config";

/** GitHub caps payloads at 25 MB. */
export const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;
/** Larger payloads go to file storage: a document holds at most 1 MiB. */
export const INLINE_PAYLOAD_BYTES = 512 * 1024;

/** HMAC-SHA256 over the raw body with the current secret, or the previous one during a rotation. */
export async function verifySignature(body: string, signature: string | null, secrets: string[]): Promise<boolean> {
  if (!signature?.startsWith("sha256=") || body.length === 0) return false;
  for (const secret of secrets) {
    if (await new Webhooks({ secret }).verify(body, signature).catch(() => false)) return true;
  }
  return false;
}

const text = (status: number, message: string) =>
  new Response(message, { status, headers: { "content-type": "text/plain" } });

export const githubWebhook = httpAction(async (ctx, request) => {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_PAYLOAD_BYTES) return text(413, "payload too large");
  const body = await request.text();
  if (body.length > MAX_PAYLOAD_BYTES) return text(413, "payload too large");
  if (!(await verifySignature(body, request.headers.get("x-hub-signature-256"), webhookSecrets()))) {
    return text(401, "signature does not match");
  }
  const event = request.headers.get("x-github-event");
  const deliveryId = request.headers.get("x-github-delivery");
  if (!event || !deliveryId) return text(400, "missing X-GitHub-Event or X-GitHub-Delivery");
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return text(400, "body is not JSON");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return text(400, "body is not a JSON object");
  const p = payload as { action?: unknown; installation?: { id?: unknown } };

  const bytes = new TextEncoder().encode(body).length;
  const payloadStorageId =
    bytes > INLINE_PAYLOAD_BYTES ? await ctx.storage.store(new Blob([body], { type: "application/json" })) : undefined;
  const { duplicate } = await ctx.runMutation(internal.webhooks.deliveries.record, {
    deliveryId,
    event,
    ...(typeof p.action === "string" && { action: p.action }),
    ...(typeof p.installation?.id === "number" && { installationGithubId: p.installation.id }),
    bytes,
    ...(payloadStorageId ? { payloadStorageId } : { payload: body }),
  });
  if (duplicate && payloadStorageId) await ctx.storage.delete(payloadStorageId);
  return text(duplicate ? 200 : 202, duplicate ? "duplicate delivery, already recorded" : "accepted");
});
