/**
 * Installation lifecycle in the read model: recorded when GitHub says the App was installed, its
 * status moved by suspend/unsuspend/delete, its account renamed. The installation's `sync` field is
 * the SyncService's (convex/sync/); everything else on the row is written here only.
 *
 * Usage: `const id = await recordInstallation(ctx, fields)`; `await setInstallationStatus(ctx, doc, "suspended")`.
 */
import type { FunctionReference } from "convex/server";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { continuePass } from "../batches";

type InstallationFields = Pick<
  Doc<"installations">,
  "githubInstallationId" | "accountLogin" | "accountId" | "accountType"
> &
  Partial<Pick<Doc<"installations">, "installedByGithubUserId" | "installedByLogin">>;

export function installationByGithubId(ctx: Pick<MutationCtx, "db">, githubInstallationId: number) {
  return ctx.db
    .query("installations")
    .withIndex("by_github_id", (q) => q.eq("githubInstallationId", githubInstallationId))
    .unique();
}

/** Record (or refresh) an installation; a new one starts active and idle. */
export async function recordInstallation(ctx: MutationCtx, fields: InstallationFields): Promise<Id<"installations">> {
  const existing = await installationByGithubId(ctx, fields.githubInstallationId);
  if (existing) {
    await ctx.db.patch(existing._id, fields);
    return existing._id;
  }
  return ctx.db.insert("installations", {
    ...fields,
    status: "active",
    statusChangedAt: Date.now(),
    sync: { state: "idle" },
  });
}

/**
 * Move an installation's status. Deleting it also schedules the purge of everything stored for it
 * (the row stays as a tombstone, so a late event still finds it deleted and writes nothing).
 */
export async function setInstallationStatus(
  ctx: MutationCtx,
  installation: Doc<"installations">,
  status: Doc<"installations">["status"],
): Promise<void> {
  if (installation.status === status) return;
  await ctx.db.patch(installation._id, { status, statusChangedAt: Date.now() });
  if (status === "deleted") {
    await ctx.scheduler.runAfter(0, internal.model.purge.purgeInstallation, { installationId: installation._id });
  }
}

/** Installations a cron's fan-out handles per transaction (each gets its own work scheduled). */
const FAN_OUT_BATCH = 25;

/**
 * One transaction of a cron's fan-out over the active installations: `each` for every installation of
 * the batch, then the next batch scheduled (`next`, called again with the cursor) until all are done.
 * Never one transaction over all installations, whatever their number.
 */
export async function forEachActiveInstallation(
  ctx: MutationCtx,
  cursor: string | null | undefined,
  next: FunctionReference<"mutation", "internal", { cursor?: string | null }>,
  each: (installation: Doc<"installations">) => Promise<void>,
): Promise<void> {
  const page = await ctx.db
    .query("installations")
    .withIndex("by_status", (q) => q.eq("status", "active"))
    .paginate({ numItems: FAN_OUT_BATCH, cursor: cursor ?? null });
  for (const installation of page.page) await each(installation);
  await continuePass(ctx, page, next, {});
}

/** The metrics engine starts or ends a backfill: write paths look at its gate while it runs. */
export async function setMetricsBackfilling(ctx: MutationCtx, installationId: Id<"installations">, on: boolean) {
  const installation = await ctx.db.get(installationId);
  if (installation && (installation.metricsBackfilling ?? false) !== on)
    await ctx.db.patch(installationId, { metricsBackfilling: on || undefined });
}

export async function renameAccount(ctx: MutationCtx, installation: Doc<"installations">, login: string) {
  await ctx.db.patch(installation._id, { accountLogin: login });
}
