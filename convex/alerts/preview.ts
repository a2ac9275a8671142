/**
 * How often each working agreement would have been broken over the last 90 days, from buckets only
 * (90 documents per table read, whatever the number of pull requests):
 *
 * - pickup time: the reviewer-load pickup histograms (`reviewerDaily`, scope "all": request → first
 *   review, log2 hours, by the review's day);
 * - PRs open too long: the merge histograms (`dailyActivity.mergeHist`: creation → merge, log2 hours,
 *   by the merge's day) — merged PRs only;
 * - PR size: `agreementDaily.sizes` (changed lines of the PRs opened that day, kept by the alert engine);
 * - open requests per person: `agreementDaily.requestPeaks` (each reviewer's peak that day, kept by the
 *   alert engine as requests change), counted in person-days.
 *
 * A log2 histogram cannot tell a threshold inside a bin apart: those figures are a range, `atLeast`
 * (samples in bins wholly at or over the threshold) to `atMost` (plus the bin it falls in); equal when
 * the threshold is a bin boundary (1, 2, 4, … 512 hours).
 */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { ALL_SCOPE, HIST_BINS } from "../model/contribution";
import type { Agreements } from "../model/settings";

const PREVIEW_DAYS = 90;

type Range = { atLeast: number; atMost: number; samples: number };

/** Samples of a log2-hours histogram (HIST_BINS) at or over `hours`, as a range. */
function histogramBreaches(hist: readonly number[], hours: number): Range {
  const out = { atLeast: 0, atMost: 0, samples: 0 };
  hist.forEach((n, i) => {
    const low = i === 0 ? 0 : 2 ** (i - 1);
    const high = i === 0 ? 1 : i === HIST_BINS - 1 ? Infinity : 2 ** i;
    out.samples += n;
    if (low >= hours) out.atLeast += n;
    if (high > hours) out.atMost += n;
  });
  return out;
}

const addRange = (a: Range, b: Range): Range => ({
  atLeast: a.atLeast + b.atLeast,
  atMost: a.atMost + b.atMost,
  samples: a.samples + b.samples,
});
const ZERO: Range = { atLeast: 0, atMost: 0, samples: 0 };

export async function previewBreaches(
  ctx: Pick<QueryCtx, "db">,
  installationId: Id<"installations">,
  agreements: Agreements,
  today: number,
) {
  const from = today - PREVIEW_DAYS + 1;
  const [reviewers, daily, agreed] = await Promise.all([
    ctx.db
      .query("reviewerDaily")
      .withIndex("by_installation_scope_day", (q) =>
        q.eq("installationId", installationId).eq("scope", ALL_SCOPE).gte("day", from).lte("day", today),
      )
      .collect(),
    ctx.db
      .query("dailyActivity")
      .withIndex("by_installation_day", (q) =>
        q.eq("installationId", installationId).gte("day", from).lte("day", today),
      )
      .collect(),
    ctx.db
      .query("agreementDaily")
      .withIndex("by_installation_day", (q) =>
        q.eq("installationId", installationId).gte("day", from).lte("day", today),
      )
      .collect(),
  ]);
  let pickup = ZERO;
  for (const d of reviewers)
    for (const r of d.reviewers) pickup = addRange(pickup, histogramBreaches(r.pickupHist, agreements.pickupHours));
  let openTooLong = ZERO;
  for (const d of daily) openTooLong = addRange(openTooLong, histogramBreaches(d.mergeHist, agreements.openDays * 24));
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
