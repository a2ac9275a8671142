/** Set an installation's sync fields and GitHub budgets the way the sync would have left them. */
import type { Id } from "../../convex/_generated/dataModel";
import type { RateLimitSnapshot } from "../../convex/github/rateLimit";
import type { TestConvex } from "./convex";

export function patchSyncState(
  t: TestConvex,
  installationId: Id<"installations">,
  patch: { rateLimits?: Record<string, RateLimitSnapshot>; sync?: Record<string, unknown> } & Record<string, unknown>,
) {
  return t.run(async (ctx) => {
    const { rateLimits, sync, ...rest } = patch;
    const doc = (await ctx.db.get(installationId))!;
    await ctx.db.patch(installationId, { ...rest, sync: { ...doc.sync, ...sync } });
    for (const snapshot of Object.values(rateLimits ?? {})) {
      const stored = await ctx.db
        .query("rateLimits")
        .withIndex("by_installation_resource", (q) =>
          q.eq("installationId", installationId).eq("resource", snapshot.resource),
        )
        .unique();
      if (stored) await ctx.db.patch(stored._id, snapshot);
      else await ctx.db.insert("rateLimits", { installationId, ...snapshot });
    }
  });
}

/** The installation's stored budgets by resource. */
export function storedRateLimits(t: TestConvex, installationId: Id<"installations">) {
  return t.run(async (ctx) => {
    const rows = await ctx.db
      .query("rateLimits")
      .withIndex("by_installation_resource", (q) => q.eq("installationId", installationId))
      .collect();
    return Object.fromEntries(rows.map((r) => [r.resource, r]));
  });
}
