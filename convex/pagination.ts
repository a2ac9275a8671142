/**
 * Paginated public queries. `paginatedQuery` is `query` with a `paginationOpts` argument whose page
 * size is checked before the handler runs, so no paginated query can forget it: a whole number from 1
 * to `MAX_PAGE_SIZE`, else a clear error (0, negative, fractional, NaN and larger sizes alike).
 */
import { customQuery } from "convex-helpers/server/customFunctions";
import { paginationOptsValidator, type PaginationOptions } from "convex/server";
import { ConvexError } from "convex/values";
import { query } from "./_generated/server";

/** The largest page any list returns (the app asks for 10–25 rows, and 200 for a CSV export). */
export const MAX_PAGE_SIZE = 200;

function checkedPage(paginationOpts: PaginationOptions): PaginationOptions {
  const n = paginationOpts.numItems;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE)
    throw new ConvexError(`numItems must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${String(n)}.`);
  return paginationOpts;
}

export const paginatedQuery = customQuery(query, {
  args: { paginationOpts: paginationOptsValidator },
  input: async (_ctx, { paginationOpts }) => ({ ctx: {}, args: { paginationOpts: checkedPage(paginationOpts) } }),
});
