/** The metrics engine's buckets as tests read them: a figure's documents of a scope, summed. */
import type { Id } from "../../convex/_generated/dataModel";
import { figureId, type Figure } from "../../convex/metrics/figures";
import { byDay, total, type Sums } from "../../convex/metrics/read";
import type { TestConvex } from "./convex";

export function bucketDocs(
  t: TestConvex,
  installationId: Id<"installations">,
  figure: Figure,
  scope: string,
  options: { key?: string; from?: number; to?: number } = {},
) {
  return t.run((ctx) =>
    ctx.db
      .query("metricBuckets")
      .withIndex("by_figure_scope_key_day", (q) =>
        q
          .eq("installationId", installationId)
          .eq("figure", figureId(figure))
          .eq("scope", scope)
          .eq("key", options.key ?? "")
          .gte("day", options.from ?? -Infinity)
          .lte("day", options.to ?? Infinity),
      )
      .collect(),
  );
}

/** A figure's counters and histograms of a scope (and key), summed over days `from`..`to`. */
export async function bucketTotal(...args: Parameters<typeof bucketDocs>): Promise<Sums> {
  return total(await bucketDocs(...args));
}

/** The same, per day. */
export async function bucketDays(...args: Parameters<typeof bucketDocs>): Promise<Map<number, Sums>> {
  return byDay(await bucketDocs(...args));
}
