/**
 * POST /github/webhook. Verify, store, answer — processing is scheduled at receipt and runs in
 * seconds. Nothing is written for a request that fails the signature or is malformed.
 *
 * Memory: a function has a 64 MiB heap, and a body may be 20 MiB. The body is read once, as bytes;
 * the signature is checked over those bytes, which are decoded to text once and then let go (they
 * are not kept alongside the parsed tree: measured on a 19 MiB push, that was the peak, 70 MiB
 * with them against 51 MiB without; tests/webhook-memory.test.ts). The text is parsed once, only to
 * check it is a JSON object and read `action`, `installation.id` and `repository.id` (the delivery
 * log shows a repository's deliveries only to those who may read it); the tree is dropped before
 * anything is stored. A large body goes to file storage as a Blob of the text (UTF-8: the bytes
 * GitHub signed).
 */
import { internal } from "../_generated/api";
import { httpAction } from "../_generated/server";
import { webhookSecrets } from "../github/config";
import { verifyWebhookSignature } from "../github/webhookSignature";

/** Convex HTTP actions take requests of at most 20 MiB (GitHub itself caps payloads at 25 MB). */
export const MAX_PAYLOAD_BYTES = 20 * 1024 * 1024;
/** Larger payloads go to file storage: a document holds at most 1 MiB. */
const INLINE_PAYLOAD_BYTES = 512 * 1024;

const text = (status: number, message: string) =>
  new Response(message, { status, headers: { "content-type": "text/plain" } });

/**
 * The body as text, if it fits and its signature verifies. The bytes are not returned: once decoded
 * they are garbage, so they are not alive while the text is parsed.
 */
async function readVerifiedBody(
  request: Request,
): Promise<{ ok: true; text: string; byteLength: number } | { ok: false; response: Response }> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_PAYLOAD_BYTES)
    return { ok: false, response: text(413, "payload too large") };
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) return { ok: false, response: text(413, "payload too large") };
  if (!(await verifyWebhookSignature(bytes, request.headers.get("x-hub-signature-256"), webhookSecrets()))) {
    return { ok: false, response: text(401, "signature does not match") };
  }
  return { ok: true, text: new TextDecoder().decode(bytes), byteLength: bytes.byteLength };
}

/** Parse once for what receipt needs; nothing of the parsed tree outlives this call. */
function summarize(
  body: string,
):
  | { ok: true; action?: string; installationGithubId?: number; repositoryGithubId?: number }
  | { ok: false; message: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return { ok: false, message: "body is not JSON" };
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return { ok: false, message: "body is not a JSON object" };
  const { action, installation, repository } = payload as {
    action?: unknown;
    installation?: { id?: unknown } | null;
    repository?: { id?: unknown } | null;
  };
  const idOf = (o: { id?: unknown } | null | undefined) =>
    typeof o === "object" && o !== null && typeof o.id === "number" ? o.id : undefined;
  const [installationGithubId, repositoryGithubId] = [idOf(installation), idOf(repository)];
  return {
    ok: true,
    ...(typeof action === "string" && { action }),
    ...(installationGithubId !== undefined && { installationGithubId }),
    ...(repositoryGithubId !== undefined && { repositoryGithubId }),
  };
}

export const githubWebhook = httpAction(async (ctx, request) => {
  const body = await readVerifiedBody(request);
  if (!body.ok) return body.response;
  const event = request.headers.get("x-github-event");
  const deliveryId = request.headers.get("x-github-delivery");
  if (!event || !deliveryId) return text(400, "missing X-GitHub-Event or X-GitHub-Delivery");
  const summary = summarize(body.text);
  if (!summary.ok) return text(400, summary.message);

  const payloadStorageId =
    body.byteLength > INLINE_PAYLOAD_BYTES
      ? await ctx.storage.store(new Blob([body.text], { type: "application/json" }))
      : undefined;
  const { duplicate } = await ctx.runMutation(internal.webhooks.deliveries.record, {
    deliveryId,
    event,
    ...(summary.action !== undefined && { action: summary.action }),
    ...(summary.installationGithubId !== undefined && { installationGithubId: summary.installationGithubId }),
    ...(summary.repositoryGithubId !== undefined && { repositoryGithubId: summary.repositoryGithubId }),
    bytes: body.byteLength,
    ...(payloadStorageId ? { payloadStorageId } : { payload: body.text }),
  });
  if (duplicate && payloadStorageId) await ctx.storage.delete(payloadStorageId);
  return text(duplicate ? 200 : 202, duplicate ? "duplicate delivery, already recorded" : "accepted");
});
