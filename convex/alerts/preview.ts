/**
 * How often each working agreement would have been broken over the last 90 days, from buckets only
 * (90 documents per table read, whatever the number of pull requests):
 *
 * - pickup time: the reviewers' response times (the `reviewers` figure, scope "all": request → that
 *   reviewer's first review, by the review's day);
 * - PRs open too long: opened → merged (the `activity` figure's `toMerge`, by the merge's day) — merged
 *   PRs only;
 * - PR size: `agreementDaily.sizes` (changed lines of the PRs opened that day, kept by the alert engine);
 * - open requests per person: `agreementDaily.requestPeaks` (each reviewer's peak that day, kept by the
 *   alert engine as requests change), counted in person-days.
 *
 * A histogram cannot tell a threshold inside a bin apart: those figures are a range, `atLeast`
 * (samples in bins wholly at or over the threshold) to `atMost` (plus the bin it falls in); equal when
 * the threshold is a bin boundary (convex/metrics/histogram.ts).
 */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { ACTIVITY, REVIEWERS } from "../metrics/figures";
import { binBounds, DURATIONS, type Hist } from "../metrics/histogram";
import { readBuckets, total } from "../metrics/read";
import { ALL_SCOPE } from "../model/contribution";
import type { Agreements } from "../model/settings";

const PREVIEW_DAYS = 90;

type Range = { atLeast: number; atMost: number; samples: number };

/** Samples of a duration histogram at or over `hours`, as a range. */
function histogramBreaches(hist: Hist, hours: number): Range {
  const out = { atLeast: 0, atMost: 0, samples: 0 };
  const threshold = hours * 3_600_000;
  for (const [bin, n] of Object.entries(hist)) {
    const [low, high] = binBounds(DURATIONS, Number(bin));
    out.samples += n;
    if (low >= threshold) out.atLeast += n;
    if (high > threshold) out.atMost += n;
  }
  return out;
}

export async function previewBreaches(
  ctx: Pick<QueryCtx, "db">,
  installationId: Id<"installations">,
  agreements: Agreements,
  today: number,
) {
  const from = today - PREVIEW_DAYS + 1;
  const range = { from, to: today };
  const [reviewers, daily, agreed] = await Promise.all([
    readBuckets(ctx.db, installationId, REVIEWERS, [ALL_SCOPE], range),
    readBuckets(ctx.db, installationId, ACTIVITY, [ALL_SCOPE], range),
    ctx.db
      .query("agreementDaily")
      .withIndex("by_installation_day", (q) =>
        q.eq("installationId", installationId).gte("day", from).lte("day", today),
      )
      .collect(),
  ]);
  const pickup = histogramBreaches(total(reviewers).h.response ?? {}, agreements.pickupHours);
  const openTooLong = histogramBreaches(total(daily).h.toMerge ?? {}, agreements.openDays * 24);
  const size = { breaches: 0, samples: 0 };
  const openRequests = { breaches: 0, samples: 0 };
  for (const d of agreed) {
    size.samples += d.sizes.length;
    size.breaches += d.sizes.filter((n) => n >= agreements.maxChangedLines).length;
    openRequests.samples += d.requestPeaks.length;
    openRequests.breaches += d.requestPeaks.filter((p) => p.peak >= agreements.maxOpenRequests).length;
  }
  return { from, to: today, pickup, openTooLong, size, openRequests };
}
