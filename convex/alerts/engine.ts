/**
 * The alert engine: one alert per breach of a working agreement (model/settings.ts) or of seed 000's
 * sync health conditions, never repeated while the breach lasts, resolved when it clears.
 *
 * When it runs:
 * - on data: the write path tells its listener (listener.ts) every PR it changes; when something an
 *   agreement depends on moved (state, size, creation, outstanding review requests) it queues the PR in
 *   `alertQueue` and schedules one `drain` per transaction, which evaluates queued PRs in batches.
 * - on time: `tick` (cron, every 5 minutes) evaluates, per active installation, the review requests and
 *   open PRs whose boundary (request + pickup time, creation + open days) was crossed since its last run
 *   (`alertClocks`: index ranges on `reviewRequests.by_installation_requested` and
 *   `pullRequests.by_installation_state_created`, in bounded batches), and the sync health conditions.
 *
 * Subjects (at most one open alert each): `pickup:<pr>:<reviewer>`, `open:<pr>`, `size:<pr>`,
 * `requests:<reviewer>` (every repository) and `public-requests:<reviewer>` (the public ones: what a
 * member who reads only some repositories is shown), `sync_failures`, `rate_limit:<resource>`, `webhook_lag`.
 *
 * Who sees an alert (alerts/bell.ts): one about a repository, those who may read it; a person's open
 * requests, per visibility group; the sync's health, the installation's operators.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation } from "../_generated/server";
import { ALL_SCOPE, DAY_MS } from "../model/contribution";
import { forEachActiveInstallation } from "../model/installations";
import { HOUR_MS } from "../sync/health";
import { BATCH, Engine, reviewerOfSubject } from "./evaluate";

/** Evaluates queued PRs, a batch per transaction. */
export const drain = internalMutation({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const rows = await ctx.db
      .query("alertQueue")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId))
      .take(BATCH);
    if (rows.length === 0) return;
    const prs = new Map<Id<"pullRequests">, Set<string>>();
    for (const row of rows) {
      const set = prs.get(row.pullRequestId) ?? new Set<string>();
      for (const r of row.reviewers) set.add(r);
      prs.set(row.pullRequestId, set);
      await ctx.db.delete(row._id);
    }
    const engine = await Engine.open(ctx, installationId);
    const reviewers = new Set<string>();
    for (const [id, rs] of prs) {
      await engine.pullRequest(id);
      for (const r of rs) reviewers.add(r);
    }
    for (const r of reviewers) await engine.openRequests(r);
    if (rows.length === BATCH) await ctx.scheduler.runAfter(0, internal.alerts.engine.drain, { installationId });
  },
});

// ---------------------------------------------------------------- time

/** Cron: every active installation gets a `scan` (time boundaries and sync health), 25 per transaction. */
export const tick = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<void> =>
    forEachActiveInstallation(ctx, cursor, internal.alerts.engine.tick, (installation) =>
      ctx.scheduler.runAfter(0, internal.alerts.engine.scan, { installationId: installation._id }).then(() => {}),
    ),
});

/**
 * One installation's time-based breaches: the review requests and open PRs whose boundary was crossed
 * since the last scan (at most `BATCH` each per transaction; a continuation takes the rest), and the
 * sync health conditions.
 */
export const scan = internalMutation({
  args: { installationId: v.id("installations"), healthDone: v.optional(v.boolean()) },
  handler: async (ctx, { installationId, healthDone }) => {
    const engine = await Engine.open(ctx, installationId);
    const { now, agreements } = engine;
    if (!healthDone) await engine.syncHealth();
    const clock = await ctx.db
      .query("alertClocks")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId))
      .unique();
    const pickupMs = agreements.pickupHours * HOUR_MS;
    const openMs = agreements.openDays * DAY_MS;
    const from = { pickup: clock?.pickupScannedTo ?? 0, open: clock?.openScannedTo ?? 0 };

    // Requests requested in (from − pickup, now − pickup]: their boundary fell in (from, now].
    const requests = await throughTies(
      (after, upTo, n) =>
        ctx.db
          .query("reviewRequests")
          .withIndex("by_installation_requested", (q) =>
            q.eq("installationId", installationId).gt("requestedAt", after).lte("requestedAt", upTo),
          )
          .take(n),
      (r) => r.requestedAt,
      from.pickup - pickupMs,
      now - pickupMs,
    );
    const prs = await throughTies(
      (after, upTo, n) =>
        ctx.db
          .query("pullRequests")
          .withIndex("by_installation_state_created", (q) =>
            q.eq("installationId", installationId).eq("state", "open").gt("createdAt", after).lte("createdAt", upTo),
          )
          .take(n),
      (p) => p.createdAt,
      from.open - openMs,
      now - openMs,
    );
    const ids = new Set<Id<"pullRequests">>([
      ...requests.rows.map((r) => r.pullRequestId),
      ...prs.rows.map((p) => p._id),
    ]);
    for (const id of ids) await engine.pullRequest(id);

    const next = { pickupScannedTo: requests.through + pickupMs, openScannedTo: prs.through + openMs };
    if (clock) await ctx.db.patch(clock._id, next);
    else await ctx.db.insert("alertClocks", { installationId, ...next });
    if (!requests.done || !prs.done) {
      await ctx.scheduler.runAfter(0, internal.alerts.engine.scan, { installationId, healthDone: true });
    }
  },
});

/**
 * Rows of an index range (after, upTo] in key order, at most about `BATCH`: when the batch is full it
 * ends after the last key's ties (all rows with that key), so a continuation from `through` loses none.
 */
async function throughTies<R>(
  read: (after: number, upTo: number, n: number) => Promise<R[]>,
  key: (r: R) => number,
  after: number,
  upTo: number,
): Promise<{ rows: R[]; through: number; done: boolean }> {
  if (upTo <= after) return { rows: [], through: Math.max(after, upTo), done: true };
  const rows = await read(after, upTo, BATCH + 1);
  if (rows.length <= BATCH) return { rows, through: upTo, done: true };
  const last = key(rows[BATCH - 1]!);
  const ties = await read(last - 1, last, 10_000);
  const kept = [...rows.filter((r) => key(r) < last), ...ties];
  return { rows: kept, through: last, done: false };
}

/**
 * The agreements changed: every open PR and every reviewer with open requests is evaluated again (a
 * batch per transaction), so breaches the new agreements make or end open or resolve now; the scan's
 * clock restarts at the pass's start (every boundary up to it is covered by the pass).
 */
export const agreementsChanged = internalMutation({
  args: {
    installationId: v.id("installations"),
    continuation: v.optional(
      v.object({ phase: v.union(v.literal("prs"), v.literal("reviewers")), cursor: v.string() }),
    ),
  },
  handler: async (ctx, { installationId, continuation }) => {
    const engine = await Engine.open(ctx, installationId);
    if (continuation === undefined) {
      const clock = await ctx.db
        .query("alertClocks")
        .withIndex("by_installation", (q) => q.eq("installationId", installationId))
        .unique();
      const next = { pickupScannedTo: engine.now, openScannedTo: engine.now };
      if (clock) await ctx.db.patch(clock._id, next);
      else await ctx.db.insert("alertClocks", { installationId, ...next });
    }
    const phase = continuation?.phase ?? "prs";
    const cursor = continuation?.cursor || null;
    let page: { isDone: boolean; continueCursor: string };
    if (phase === "prs") {
      const prs = await ctx.db
        .query("pullRequests")
        .withIndex("by_installation_state_created", (q) => q.eq("installationId", installationId).eq("state", "open"))
        .paginate({ numItems: BATCH, cursor });
      for (const pr of prs.page) await engine.pullRequest(pr._id);
      page = prs;
    } else {
      const rows = await ctx.db
        .query("reviewerOpenRequests")
        .withIndex("by_installation_scope_reviewer", (q) =>
          q.eq("installationId", installationId).eq("scope", ALL_SCOPE),
        )
        .paginate({ numItems: BATCH, cursor });
      for (const row of rows.page) await engine.openRequests(row.reviewer);
      page = rows;
    }
    // Open per-person alerts whose reviewer has no requests left are resolved by the last batch.
    if (phase === "reviewers" && page.isDone) {
      const open = await ctx.db
        .query("alerts")
        .withIndex("by_installation_kind_resolved", (q) =>
          q.eq("installationId", installationId).eq("kind", "open_requests").eq("resolvedAt", undefined),
        )
        .take(BATCH);
      for (const alert of open) await engine.openRequests(reviewerOfSubject(alert.subject));
      return;
    }
    await ctx.scheduler.runAfter(0, internal.alerts.engine.agreementsChanged, {
      installationId,
      continuation: page.isDone ? { phase: "reviewers", cursor: "" } : { phase, cursor: page.continueCursor },
    });
  },
});
