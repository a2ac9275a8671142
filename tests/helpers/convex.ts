/** convex-test as our backend: production transaction limits enforced in every test. */
import { convexTest } from "convex-test";
import schema from "../../convex/schema";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";

export const modules = import.meta.glob("../../convex/**/*.*s");

export function makeConvex() {
  return convexTest({ schema, modules, transactionLimits: true });
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
