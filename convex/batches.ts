/**
 * Chunked passes: a mutation handles one page of an index range, then schedules itself for the next
 * page with the same arguments, so a pass over any number of documents stays within a transaction's
 * limits. The passes over documents that continue themselves do it through `continuePass`
 * (`forEachActiveInstallation` is the fan-out over installations built on it).
 */
import type { FunctionReference, OptionalRestArgs } from "convex/server";
import type { MutationCtx } from "./_generated/server";

/** Unless the page was the last, schedule `next` with `args` and the page's cursor. */
export async function continuePass<Args extends { cursor?: string | null }>(
  ctx: MutationCtx,
  page: { isDone: boolean; continueCursor: string },
  next: FunctionReference<"mutation", "internal", Args>,
  args: Omit<Args, "cursor">,
): Promise<void> {
  if (page.isDone) return;
  const rest = [{ ...args, cursor: page.continueCursor }] as unknown as OptionalRestArgs<typeof next>;
  await ctx.scheduler.runAfter(0, next, ...rest);
}
