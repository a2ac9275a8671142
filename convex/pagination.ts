/**
 * Page sizes: every paginated public query is built by builders.ts `installationPaginatedQuery`, which
 * checks `paginationOpts.numItems` before the handler runs — a whole number from 1 to `MAX_PAGE_SIZE`,
 * else a clear error (0, negative, fractional, NaN and larger sizes alike).
 */
import { paginationOptsValidator, type PaginationOptions } from "convex/server";
import { fail } from "./messages";

/** The largest page any list returns (the app asks for 10–25 rows, and 200 for a CSV export). */
export const MAX_PAGE_SIZE = 200;

export type { PaginationOptions };
export const paginationArgs = { paginationOpts: paginationOptsValidator };

/** The page size checked: a whole number from 1 to `MAX_PAGE_SIZE`, else `invalid_page_size`. */
export function checkedPage(paginationOpts: PaginationOptions): PaginationOptions {
  const n = paginationOpts.numItems;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) fail("invalid_page_size", MAX_PAGE_SIZE, n);
  return paginationOpts;
}
