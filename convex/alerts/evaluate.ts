/**
 * The alert engine's evaluation (engine.ts says when it runs): for a PR, a person's open requests, or the
 * sync's health, the breaches wanted now against the open alerts, reconciled — at most one open alert
 * per subject, resolved when its breach clears — and the agreements' day buckets it keeps on the way.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { HEALTH_THRESHOLDS } from "../dashboard/syncHealth";
import { ALL_SCOPE, DAY_MS, dayOf, PUBLIC_SCOPE } from "../model/contribution";
import { changedLinesOf } from "../model/derivePullRequest";
import { installationAgreements, type Agreements } from "../model/settings";
import { HOUR_MS, hourOf, recentFinishedJobs } from "../sync/health";
import { notifyPushSubscribers } from "../notify/push";
import { notifyDestinations } from "../notify/slack";

type Kind = Doc<"alerts">["kind"];
type Wanted = {
  kind: Kind;
  message: string;
  url?: string;
  repositoryId?: Id<"repositories">;
  pullRequestId?: Id<"pullRequests">;
  scope?: PersonScope;
  pullRequest?: Doc<"alerts">["pullRequest"];
  reviewer?: string;
};

/** The visibility groups a person's open requests are counted in (schema `alerts.scope`). */
const PERSON_SCOPES = [ALL_SCOPE, PUBLIC_SCOPE] as const;
type PersonScope = (typeof PERSON_SCOPES)[number];
const REQUESTS = "requests:";
const PUBLIC_REQUESTS = "public-requests:";
/** `requests:<reviewer>` across every repository, `public-requests:<reviewer>` across the public ones. */
const requestsSubject = (scope: PersonScope, reviewer: string) =>
  `${scope === ALL_SCOPE ? REQUESTS : PUBLIC_REQUESTS}${reviewer}`;
export const reviewerOfSubject = (subject: string) =>
  subject.slice((subject.startsWith(PUBLIC_REQUESTS) ? PUBLIC_REQUESTS : REQUESTS).length);

/** PRs evaluated per drain or scan transaction. */
export const BATCH = 50;
/** Open-day buckets keep at most this many sizes (a day opening more PRs is not counted further). */
const MAX_SIZES_PER_DAY = 4_000;

export class Engine {
  private readonly repos = new Map<Id<"repositories">, Doc<"repositories"> | null>();

  private constructor(
    private readonly ctx: MutationCtx,
    readonly installationId: Id<"installations">,
    readonly agreements: Agreements,
    readonly now: number,
  ) {}

  static async open(ctx: MutationCtx, installationId: Id<"installations">) {
    return new Engine(ctx, installationId, await installationAgreements(ctx, installationId), Date.now());
  }

  private async repo(id: Id<"repositories">) {
    if (!this.repos.has(id)) this.repos.set(id, await this.ctx.db.get(id));
    return this.repos.get(id)!;
  }

  /** Opens and resolves the PR's alerts (pickup, open too long, size) and keeps its size bucket. */
  async pullRequest(id: Id<"pullRequests">) {
    const { ctx, agreements, now } = this;
    const pr = await ctx.db.get(id);
    const want = new Map<string, Wanted>();
    if (pr && pr.installationId === this.installationId) {
      const repo = await this.repo(pr.repositoryId);
      await this.recordSize(pr);
      if (repo && !repo.removed && pr.state === "open") {
        const name = `${repo.fullName}#${pr.number}`;
        const base = {
          url: pr.url,
          repositoryId: repo._id,
          pullRequestId: pr._id,
          pullRequest: { number: pr.number, title: pr.title, authorLogin: pr.authorLogin },
        };
        const requests = await ctx.db
          .query("reviewRequests")
          .withIndex("by_pull_request", (q) => q.eq("pullRequestId", pr._id))
          .collect();
        for (const r of requests) {
          if (now - r.requestedAt < agreements.pickupHours * HOUR_MS) continue;
          want.set(`pickup:${pr._id}:${r.reviewer}`, {
            ...base,
            kind: "pickup",
            reviewer: r.reviewer,
            message: `${name} “${pr.title}” has waited over ${agreements.pickupHours} h for a review from ${r.reviewer}.`,
          });
        }
        if (now - pr.createdAt >= agreements.openDays * DAY_MS) {
          want.set(`open:${pr._id}`, {
            ...base,
            kind: "open_too_long",
            message: `${name} “${pr.title}” has been open over ${agreements.openDays} days.`,
          });
        }
        const lines = changedLines(pr);
        if (lines !== null && lines >= agreements.maxChangedLines) {
          want.set(`size:${pr._id}`, {
            ...base,
            kind: "size",
            message: `${name} “${pr.title}” changes ${lines} lines (the agreement is under ${agreements.maxChangedLines}).`,
          });
        }
      }
    }
    const open = await ctx.db
      .query("alerts")
      .withIndex("by_pull_request_resolved", (q) => q.eq("pullRequestId", id).eq("resolvedAt", undefined))
      .collect();
    await this.reconcile(open, want);
  }

  /**
   * A person's (or team's) open review requests against the agreement, in each visibility group: across
   * every repository (for those who read them all) and across the public ones (for every other member),
   * so no member's bell counts a request they may not see.
   */
  async openRequests(reviewer: string) {
    for (const scope of PERSON_SCOPES) {
      const { ctx, installationId, agreements } = this;
      const row = await ctx.db
        .query("reviewerOpenRequests")
        .withIndex("by_installation_scope_reviewer", (q) =>
          q.eq("installationId", installationId).eq("scope", scope).eq("reviewer", reviewer),
        )
        .unique();
      const count = row?.open ?? 0;
      if (scope === ALL_SCOPE) await this.recordPeak(reviewer, count);
      const subject = requestsSubject(scope, reviewer);
      const want = new Map<string, Wanted>();
      if (count >= agreements.maxOpenRequests) {
        want.set(subject, {
          kind: "open_requests",
          scope,
          reviewer,
          message: `${reviewer} has ${count} open review requests (the agreement is under ${agreements.maxOpenRequests}).`,
        });
      }
      await this.reconcile(await this.openBySubject(subject), want);
    }
  }

  /** Seed 000's conditions from the sync's own data (convex/sync/health.ts and the job rows). */
  async syncHealth() {
    const { ctx, installationId, now } = this;
    const want = new Map<string, Wanted>();
    const recent = await recentFinishedJobs(ctx.db, installationId);
    const failed = recent.filter((j) => j.state === "failed").length;
    if (recent.length > 0 && failed / recent.length > HEALTH_THRESHOLDS.failureRate) {
      want.set("sync_failures", {
        kind: "sync_failures",
        message: `${failed} of the last ${recent.length} syncs failed (over ${HEALTH_THRESHOLDS.failureRate * 100}%).`,
      });
    }
    const budgets = await ctx.db
      .query("rateLimits")
      .withIndex("by_installation_resource", (q) => q.eq("installationId", installationId))
      .collect();
    for (const b of budgets) {
      if (b.limit <= 0 || b.resetAt <= now || b.remaining / b.limit >= HEALTH_THRESHOLDS.budgetLeft) continue;
      want.set(`rate_limit:${b.resource}`, {
        kind: "rate_limit",
        message: `GitHub's ${b.resource} budget is low: ${b.remaining} of ${b.limit} left until it resets.`,
      });
    }
    // Lag over the threshold this hour or the last one (the hourly maximum, convex/sync/health.ts).
    const hour = hourOf(now);
    const hours = await ctx.db
      .query("webhookHourly")
      .withIndex("by_installation_hour", (q) => q.eq("installationId", installationId).gte("hour", hour - 1))
      .collect();
    const maxLag = Math.max(0, ...hours.map((h) => h.lagMsMax));
    if (maxLag > HEALTH_THRESHOLDS.webhookLagMs) {
      want.set("webhook_lag", {
        kind: "webhook_lag",
        message: `Webhooks took up to ${Math.round(maxLag / 1000)} s to apply (over ${HEALTH_THRESHOLDS.webhookLagMs / 1000} s).`,
      });
    }
    const open = (
      await Promise.all(
        (["sync_failures", "rate_limit", "webhook_lag"] as const).map((kind) =>
          ctx.db
            .query("alerts")
            .withIndex("by_installation_kind_resolved", (q) =>
              q.eq("installationId", installationId).eq("kind", kind).eq("resolvedAt", undefined),
            )
            .collect(),
        ),
      )
    ).flat();
    await this.reconcile(open, want);
  }

  private openBySubject(subject: string) {
    return this.ctx.db
      .query("alerts")
      .withIndex("by_installation_subject_resolved", (q) =>
        q.eq("installationId", this.installationId).eq("subject", subject).eq("resolvedAt", undefined),
      )
      .collect();
  }

  /** Resolve the open alerts of `open` no longer wanted; open the wanted subjects not already open. */
  private async reconcile(open: Doc<"alerts">[], want: Map<string, Wanted>) {
    const { ctx, now } = this;
    const openSubjects = new Set<string>();
    for (const alert of open) {
      if (want.has(alert.subject) && !openSubjects.has(alert.subject)) {
        openSubjects.add(alert.subject);
        continue;
      }
      await ctx.db.patch(alert._id, { resolvedAt: now });
      await notify(ctx, { ...alert, resolvedAt: now }, "resolved");
    }
    for (const [subject, w] of want) {
      if (openSubjects.has(subject)) continue;
      const id = await ctx.db.insert("alerts", { installationId: this.installationId, subject, openedAt: now, ...w });
      await notify(ctx, (await ctx.db.get(id))!, "opened");
    }
  }

  /** `agreementDaily.sizes` of the PR's creation day holds its changed lines (when GitHub told them). */
  private async recordSize(pr: Doc<"pullRequests">) {
    const { db } = this.ctx;
    const lines = changedLines(pr);
    const stored = await db
      .query("alertPullRequests")
      .withIndex("by_pull_request", (q) => q.eq("pullRequestId", pr._id))
      .unique();
    const day = dayOf(pr.createdAt);
    if (stored && lines !== null && stored.day === day && stored.changedLines === lines) return;
    if (stored) {
      await this.editDay(stored.day, (d) => {
        const i = d.sizes.indexOf(stored.changedLines);
        return { sizes: i < 0 ? d.sizes : [...d.sizes.slice(0, i), ...d.sizes.slice(i + 1)] };
      });
      if (lines === null) await db.delete(stored._id);
    }
    if (lines === null) return;
    await this.editDay(day, (d) =>
      d.sizes.length >= MAX_SIZES_PER_DAY ? {} : { sizes: [...d.sizes, lines].sort((a, b) => a - b) },
    );
    if (stored) await db.patch(stored._id, { day, changedLines: lines });
    else
      await db.insert("alertPullRequests", {
        installationId: this.installationId,
        pullRequestId: pr._id,
        day,
        changedLines: lines,
      });
  }

  /** Today's peak of the reviewer's open requests. */
  private async recordPeak(reviewer: string, count: number) {
    if (count === 0) return;
    await this.editDay(dayOf(this.now), (d) => {
      const at = d.requestPeaks.findIndex((p) => p.reviewer === reviewer);
      if (at >= 0 && d.requestPeaks[at]!.peak >= count) return {};
      const peaks = d.requestPeaks.filter((p) => p.reviewer !== reviewer);
      return {
        requestPeaks: [...peaks, { reviewer, peak: count }].sort((a, b) => a.reviewer.localeCompare(b.reviewer)),
      };
    });
  }

  private async editDay(
    day: number,
    edit: (d: Pick<Doc<"agreementDaily">, "sizes" | "requestPeaks">) => Partial<Doc<"agreementDaily">>,
  ) {
    const { db } = this.ctx;
    const doc = await db
      .query("agreementDaily")
      .withIndex("by_installation_day", (q) => q.eq("installationId", this.installationId).eq("day", day))
      .unique();
    const change = edit(doc ?? { sizes: [], requestPeaks: [] });
    if (Object.keys(change).length === 0) return;
    if (doc) await db.patch(doc._id, change);
    else
      await db.insert("agreementDaily", {
        installationId: this.installationId,
        day,
        sizes: [],
        requestPeaks: [],
        ...change,
      });
  }
}

/** Additions + deletions, or null when the source did not say (the model's one definition). */
const changedLines = (pr: Pick<Doc<"pullRequests">, "additions" | "deletions">): number | null =>
  changedLinesOf(pr) ?? null;

/**
 * An alert opened or resolved: the in-app bell reads the `alerts` table itself; Slack destinations
 * are queued here (convex/notify/slack.ts: each delivery is a scheduled action with its own retries,
 * and a destination's failure is logged, never thrown, so it never blocks or loses the in-app alert).
 */
export async function notify(ctx: MutationCtx, alert: Doc<"alerts">, event: "opened" | "resolved") {
  // The public group's count of a person's requests is for the bell only: Slack gets the full count once.
  if (alert.scope === PUBLIC_SCOPE) return;
  // The people it concerns, on their devices (a push per alert opened, none when it resolves).
  if (event === "opened") await notifyPushSubscribers(ctx, alert);
  await notifyDestinations(
    ctx,
    {
      installationId: alert.installationId,
      kind: alert.kind,
      message: alert.message,
      alertId: alert._id,
      ...(alert.repositoryId !== undefined && { repositoryId: alert.repositoryId }),
      ...(alert.url !== undefined && { url: alert.url }),
    },
    event,
  );
}
