/**
 * The one place outside convex/github/ that uses `fetch`: it posts a queued notification to its Slack
 * incoming webhook, or a browser's push service (encrypted by `pushCrypto.ts`; tests/rooms.test.ts
 * allows this file only). Each outcome is recorded, and a retry
 * scheduled, by `slack.ts`'s `recordOutcome`, which also hands the action its lane's next message.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import {
  checkWebhookUrl,
  classifyPushResponse,
  classifyResponse,
  errorText,
  SEND_TIMEOUT_MS,
  type SendOutcome,
} from "./webhookUrl";

/** Convex's `fetch` ignores an AbortSignal: race a timer (cleared either way). */
async function postWithTimeout(
  url: string,
  body: unknown,
  push?: { headers: Record<string, string>; bytes: ArrayBuffer },
): Promise<SendOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: "retry", error: `no answer within ${SEND_TIMEOUT_MS / 1000} s` }),
      SEND_TIMEOUT_MS,
    );
  });
  const post = (async (): Promise<SendOutcome> => {
    try {
      const response = await fetch(
        url,
        push
          ? { method: "POST", headers: push.headers, body: push.bytes }
          : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
      );
      const text = await response.text().catch(() => "");
      const retryAfter = response.headers.get("retry-after");
      return push
        ? classifyPushResponse(response.status, retryAfter)
        : classifyResponse(response.status, text, retryAfter);
    } catch (error) {
      return { kind: "retry", error: `network error: ${errorText(error)}` };
    }
  })();
  try {
    return await Promise.race([post, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The encrypted body as bytes (Convex's default runtime has `atob`, not Node's Buffer). */
function fromBase64(b64: string): ArrayBuffer {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

/** One action sends at most this many of its destination's queued messages, then hands over. */
const SENDS_PER_ACTION = 20;

/** Sends an attempt, then the messages its destination's lane hands it (slack.ts `recordOutcome`). */
export const sendDelivery = internalAction({
  args: { deliveryId: v.id("notificationDeliveries"), attempt: v.number() },
  handler: async (ctx, first) => {
    let next: Attempt | null = first;
    for (let n = 0; next !== null; n++) {
      if (n === SENDS_PER_ACTION) {
        await ctx.scheduler.runAfter(0, internal.notify.send.sendDelivery, next);
        return;
      }
      next = await sendOne(ctx, next);
    }
  },
});

type Attempt = { deliveryId: Id<"notificationDeliveries">; attempt: number };

async function sendOne(ctx: ActionCtx, { deliveryId, attempt }: Attempt): Promise<Attempt | null> {
  const claimed = await ctx.runQuery(internal.notify.slack.claim, { deliveryId, attempt });
  if (!claimed) return null;
  let outcome: SendOutcome | { kind: "skipped"; error: string };
  if (claimed.url === null) {
    outcome = { kind: "skipped", error: "The destination was removed or disabled before sending." };
  } else if ("push" in claimed && claimed.push) {
    const request = await ctx.runAction(internal.notify.pushCrypto.encrypt, {
      endpoint: claimed.url,
      ...claimed.push,
      payload: JSON.stringify(claimed.body),
    });
    outcome =
      "error" in request && request.error !== undefined
        ? { kind: "rejected", error: request.error }
        : await postWithTimeout(claimed.url, null, {
            headers: request.headers,
            bytes: fromBase64(request.body),
          });
  } else {
    // Saved URLs were checked when saved; a deployment whose allowed hosts changed since stops here.
    const checked = checkWebhookUrl(claimed.url, process.env.SYNCBOARD_SLACK_WEBHOOK_HOSTS);
    outcome =
      "error" in checked
        ? { kind: "rejected", error: checked.error }
        : await postWithTimeout(checked.url, claimed.body);
  }
  return await ctx.runMutation(internal.notify.slack.recordOutcome, { deliveryId, attempt, outcome });
}
