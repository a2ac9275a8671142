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

/**
 * Deletes rows taken from each source in turn, at most `budget` in all; returns how many. The caller
 * passes `remove` (its own `db.delete`), so each room still deletes only the tables it owns.
 */
export async function deleteUpTo<S extends (n: number) => Promise<Array<{ _id: unknown }>>>(
  sources: readonly S[],
  budget: number,
  remove: (id: Awaited<ReturnType<S>>[number]["_id"]) => Promise<void>,
): Promise<number> {
  let deleted = 0;
  for (const take of sources) {
    if (deleted >= budget) break;
    const docs = await take(budget - deleted);
    for (const doc of docs) await remove(doc._id);
    deleted += docs.length;
  }
  return deleted;
}
