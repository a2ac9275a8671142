/** Deliver a webhook the way GitHub does: raw JSON body, HMAC-SHA256 signature, delivery headers. */
import { Webhooks } from "@octokit/webhooks";
import { vi } from "vitest";
import schema from "../../convex/schema";
import type { TableNames } from "../../convex/_generated/dataModel";
import type { TestConvex } from "./convex";

export const WEBHOOK_SECRET = "it's a secret to everybody";
let counter = 0;

export async function deliver(
  t: TestConvex,
  event: string,
  payload: unknown,
  opts: { deliveryId?: string; secret?: string; body?: string; headers?: Record<string, string | null> } = {},
) {
  const body = opts.body ?? JSON.stringify(payload);
  const signature = await new Webhooks({ secret: opts.secret ?? WEBHOOK_SECRET }).sign(body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": opts.deliveryId ?? `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`,
    "x-hub-signature-256": signature,
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === null) delete headers[k];
    else headers[k] = v;
  }
  return t.fetch("/github/webhook", { method: "POST", headers, body });
}

/**
 * Every document in every table of the schema (auth tables included) and in file storage, for
 * "nothing was written" checks: built from the schema, so a new table is never missed.
 */
export async function countDocuments(t: TestConvex): Promise<number> {
  let n = 0;
  for (const table of Object.keys(schema.tables) as Array<TableNames>) {
    n += await t.run(async (ctx) => (await ctx.db.query(table).collect()).length);
  }
  n += await t.run(async (ctx) => (await ctx.db.system.query("_storage").collect()).length);
  return n;
}

/**
 * Run the deliveries' processing that is due now — each lane's action works through its deliveries —
 * but not the work scheduled for later (a sync's backoff, a retry), until none is waiting. Returns the
 * rounds it took.
 */
export async function processDeliveries(t: TestConvex, maxRounds = 500): Promise<number> {
  for (let round = 1; round <= maxRounds; round++) {
    vi.advanceTimersByTime(0);
    await t.finishInProgressScheduledFunctions();
    const pending = await t.run(async (ctx) =>
      (await ctx.db.query("webhookDeliveries").collect()).some(
        (d) => d.status === "received" || d.status === "processing",
      ),
    );
    if (!pending) return round;
  }
  throw new Error(`deliveries still pending after ${maxRounds} rounds`);
}
