/**
 * Every paginated public query takes a page size from 1 to MAX_PAGE_SIZE (convex/pagination.ts) and
 * rejects anything else with a clear error, whoever calls, writing nothing. The list of paginated
 * queries is found from the functions' own argument validators, so a new one cannot be missed.
 */
import { anyApi, type FunctionReference } from "convex/server";
import { expect, test } from "vitest";
import { MAX_PAGE_SIZE } from "../convex/pagination";
import { orgWithPeople } from "./helpers/org";
import { countDocuments } from "./helpers/webhooks";

/** Public functions whose arguments include `paginationOpts`, as "path:name". */
async function paginatedFunctions(): Promise<string[]> {
  const modules = import.meta.glob("../convex/**/*.ts");
  const out: string[] = [];
  for (const [path, load] of Object.entries(modules)) {
    if (path.includes("_generated")) continue;
    for (const [name, value] of Object.entries((await load()) as Record<string, unknown>)) {
      const fn = value as { isPublic?: boolean; exportArgs?: () => string } | null;
      if (typeof value !== "function" || !fn?.isPublic || !fn.exportArgs) continue;
      if (fn.exportArgs().includes('"paginationOpts"')) out.push(`${path.slice("../convex/".length, -3)}:${name}`);
    }
  }
  return out.sort();
}

test("every paginated public query rejects 0, negative, fractional, NaN and over-limit page sizes", async () => {
  const { t, installationId, owner, dev } = await orgWithPeople();
  const range = { installationId, from: 20_000, to: 20_029 };
  const argsOf: Record<string, Record<string, unknown>> = {
    "alerts/bell:list": { installationId },
    "dashboard/analytics:mergedPullRequests": range,
    "dashboard/dora:deployments": range,
    "dashboard/lists:activity": { installationId },
    "dashboard/lists:pullRequests": { installationId },
    "dashboard/lists:repositories": { installationId },
    "dashboard/syncHealth:deadDeliveries": { installationId },
    "notify/destinations:deliveries": { installationId },
  };
  expect(await paginatedFunctions()).toEqual(Object.keys(argsOf));
  const documents = await countDocuments(t);
  for (const [name, args] of Object.entries(argsOf)) {
    const [path, fn] = name.split(":") as [string, string];
    const ref = path.split("/").reduce((r, part) => r[part], anyApi as any)[fn] as FunctionReference<"query">;
    for (const caller of [t, owner, dev]) {
      for (const numItems of [0, -5, 2.5, Number.NaN, MAX_PAGE_SIZE + 1, 1e9]) {
        await expect(
          caller.query(ref, { ...args, paginationOpts: { numItems, cursor: null } }),
          `${name} with ${numItems}`,
        ).rejects.toThrow(`numItems must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
      }
    }
    // The bounds themselves are pages.
    for (const numItems of [1, MAX_PAGE_SIZE]) {
      const result = await owner.query(ref, { ...args, paginationOpts: { numItems, cursor: null } });
      expect(result, `${name} with ${numItems}`).toMatchObject({ isDone: true });
    }
  }
  expect(await countDocuments(t)).toBe(documents);
});
