/**
 * How records are cut into write transactions. Every caller that applies many records (sync pages,
 * large webhook deliveries) uses these, so the batch size lives in one place.
 *
 * Usage: `for (const chunk of chunksOf(records)) await ctx.runMutation(…, { records: chunk })`
 */

/** Records per write transaction: far below 16,000 writes / 32,000 reads even for large PR pages. */
const RECORDS_PER_MUTATION = 250;

/** `items` in order, cut into chunks of at most `size`; always at least one (possibly empty) chunk. */
export function chunksOf<T>(items: readonly T[], size = RECORDS_PER_MUTATION): T[][] {
  if (items.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
