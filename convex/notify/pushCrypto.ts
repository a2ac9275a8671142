"use node";
/**
 * A Web Push message's request, encrypted for one subscription (RFC 8291, aes128gcm) and signed with the
 * deployment's VAPID keys (RFC 8292), by `web-push` in Convex's Node runtime (it needs Node's crypto;
 * `@pushforge/builder` would run in the default runtime, but `web-push` is the long-maintained reference).
 * Only the request is built here; `send.ts` sends it through the notification queue, so the sending, its
 * retries and the fakes in tests are the Slack queue's. Secrets (keys, endpoint) never reach a log line.
 */
import { v } from "convex/values";
import webpush from "web-push";
import { internalAction } from "../_generated/server";

/** A push waits this long at the push service for an offline device (alerts are of the day). */
const TTL_SECONDS = 24 * 3_600;

export const encrypt = internalAction({
  args: { endpoint: v.string(), p256dh: v.string(), auth: v.string(), payload: v.string() },
  handler: async (_ctx, { endpoint, p256dh, auth, payload }) => {
    const publicKey = process.env.SYNCBOARD_VAPID_PUBLIC_KEY;
    const privateKey = process.env.SYNCBOARD_VAPID_PRIVATE_KEY;
    if (!publicKey || !privateKey) return { error: "Push is not configured (no VAPID keys)." };
    try {
      const request = webpush.generateRequestDetails({ endpoint, keys: { p256dh, auth } }, payload, {
        vapidDetails: {
          subject: process.env.SYNCBOARD_VAPID_SUBJECT ?? "mailto:admin@example.com",
          publicKey,
          privateKey,
        },
        TTL: TTL_SECONDS,
        contentEncoding: "aes128gcm",
      });
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, val]) => [k, String(val)]));
      return { headers, body: Buffer.from(request.body ?? []).toString("base64") };
    } catch (error) {
      // web-push's messages name the keys' problem, never the keys themselves.
      return {
        error: `The push message could not be encrypted: ${error instanceof Error ? error.message : "unknown"}`,
      };
    }
  },
});
