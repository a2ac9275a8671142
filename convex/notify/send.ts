/**
 * The one place outside convex/github/ that uses `fetch`: it posts a queued notification to its Slack
 * incoming webhook (tests/rooms.test.ts allows this file only). One attempt per run; the outcome is
 * recorded, and the next attempt scheduled, by `slack.ts`'s `recordOutcome`.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction } from "../_generated/server";
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

export const sendDelivery = internalAction({
  args: { deliveryId: v.id("notificationDeliveries"), attempt: v.number() },
  handler: async (ctx, { deliveryId, attempt }) => {
    const claimed = await ctx.runQuery(internal.notify.slack.claim, { deliveryId, attempt });
    if (!claimed) return;
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
    await ctx.runMutation(internal.notify.slack.recordOutcome, { deliveryId, attempt, outcome });
  },
});
