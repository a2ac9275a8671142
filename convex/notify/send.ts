/**
 * The one place outside convex/github/ that uses `fetch`: it posts a queued notification to its Slack
 * incoming webhook (tests/rooms.test.ts allows this file only). Each outcome is recorded, and a retry
 * scheduled, by `slack.ts`'s `recordOutcome`, which also hands the action its lane's next message.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { checkWebhookUrl, classifyResponse, errorText, SEND_TIMEOUT_MS, type SendOutcome } from "./webhookUrl";

/** Convex's `fetch` ignores an AbortSignal: race a timer (cleared either way). */
async function postWithTimeout(url: string, body: unknown): Promise<SendOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: "retry", error: `no answer within ${SEND_TIMEOUT_MS / 1000} s` }),
      SEND_TIMEOUT_MS,
    );
  });
  const post = (async (): Promise<SendOutcome> => {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await response.text().catch(() => "");
      return classifyResponse(response.status, text, response.headers.get("retry-after"));
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
