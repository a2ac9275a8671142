/**
 * convex-test as our backend: production transaction limits enforced in every test, and Convex's
 * value limits (documents, function arguments and return values, HTTP bodies: ./limits.ts).
 */
import { convexTest } from "convex-test";
import schema from "../../convex/schema";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { mirrorMemberships } from "../../convex/memberships";
import { installWriteHook, withFunctionLimits, withHttpLimits } from "./limits";

export const modules = import.meta.glob("../../convex/**/*.*s");

installWriteHook();

export function makeConvex() {
  return withHttpLimits(convexTest({ schema, modules: withFunctionLimits(modules), transactionLimits: true }));
}
export type TestConvex = ReturnType<typeof makeConvex>;

export async function createInstallation(
  t: TestConvex,
  overrides: Partial<{ githubInstallationId: number; accountLogin: string; accountId: number }> = {},
): Promise<Id<"installations">> {
  return t.mutation(internal.model.ingest.upsertInstallation, {
    githubInstallationId: 1001,
    accountLogin: "acme",
    accountId: 9001,
    accountType: "Organization",
    ...overrides,
  });
}

export async function expectNoAggregateDifferences(t: TestConvex, installationId: Id<"installations">) {
  const differences = await t.action(internal.model.verify.verifyAggregates, { installationId });
  if (differences.length > 0) throw new Error(`aggregate differences:\n${differences.slice(0, 20).join("\n")}`);
}

/** A signed-in GitHub user, as @convex-dev/auth would create one; returns what `withIdentity` takes. */
export async function signInAs(t: TestConvex, githubId: number, login: string) {
  const userId = await t.run(async (ctx) => {
    const id = await ctx.db.insert("users", { name: login, githubId, githubLogin: login });
    await mirrorMemberships(ctx, id, githubId); // what the sign-in callback does
    return id;
  });
  return { subject: `${userId}|session-${githubId}`, name: login };
}

/** Documents read and index ranges used by one query call, as production would meter them. */
export async function measureQuery<Args extends Record<string, unknown>, Result>(
  t: TestConvex,
  identity: { subject: string },
  fn: import("convex/server").FunctionReference<"query", "public", Args, Result>,
  args: Args,
): Promise<{ result: Result; documentsRead: number; indexRanges: number }> {
  return t.withIdentity(identity).run(async (ctx) => {
    const before = await ctx.meta.getTransactionMetrics();
    const result = (await ctx.runQuery(
      fn as import("convex/server").FunctionReference<"query", "public">,
      args,
    )) as Result;
    const after = await ctx.meta.getTransactionMetrics();
    return {
      result,
      documentsRead: after.documentsRead.used - before.documentsRead.used,
      indexRanges: after.databaseQueries.used - before.databaseQueries.used,
    };
  });
}
