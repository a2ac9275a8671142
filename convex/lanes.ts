/**
 * The lane protocol of our queues: webhook deliveries (`webhooks/queue.ts`, a lane per repository's
 * hash) and Slack deliveries (`notify/slack.ts`, a lane per destination). Work is split in lanes; a lane runs one item at a time, its oldest
 * waiting one, and the transaction that ends an item's attempt claims the lane's next and schedules
 * it. So a queue runs at most one item per lane at once with no counter for every producer to write
 * (a producer writes its lane only when the lane is idle, and Convex serialises the two transactions
 * that could both see it idle). A failed attempt leaves its lane until its retry is due, then waits in
 * it again. Scheduled actions are never retried: each queue's sweep restarts a lane whose action died.
 */

/** One lane of a queue, as the queue's table sees it. */
interface Lane<Item> {
  /** An item of the lane is being worked on (claimed, its action scheduled or running). */
  busy(): Promise<boolean>;
  /** The lane's oldest waiting item, if any. */
  oldest(): Promise<Item | null>;
  /** Mark the item claimed and schedule its work, in this transaction. */
  claim(item: Item): Promise<void>;
}

/** Unless the lane is busy, claim its oldest waiting item. Returns whether one was claimed. */
export async function startNext<Item>(lane: Lane<Item>): Promise<boolean> {
  if (await lane.busy()) return false;
  const next = await lane.oldest();
  if (next === null) return false;
  await lane.claim(next);
  return true;
}

/** A backoff spread ±50 %, so items that failed together do not all come back at once. */
export const jittered = (ms: number) => Math.round(ms * (0.5 + Math.random()));
