/**
 * The settings page's functions: every member who sees the installation reads its settings; only its
 * administrators (`canAdminister`: the account, the installer, organisation owners) change them.
 */
import { ConvexError, v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { canAdminister, canReadRepository, currentViewer, repositoryAccess, viewableInstallation } from "./access";
import { internal } from "./_generated/api";
import { previewBreaches } from "./alerts/preview";
import { validateToday } from "./dashboard/trends";
import { scheduleReclassify } from "./model/deploymentJobs";
import {
  installationAgreements,
  installationSettings,
  updateDeploymentWorkflow,
  updateSettings,
  validAgreements,
} from "./model/settings";
import { requestSync } from "./sync/service";

/** The working agreements as the settings page sends them (model/settings.ts `Agreements`). */
const agreementsArg = v.object({
  pickupHours: v.number(),
  openDays: v.number(),
  maxChangedLines: v.number(),
  maxOpenRequests: v.number(),
});

export const get = query({
  args: { installationId: v.id("installations") },
  handler: async (ctx, { installationId }) => {
    const installation = await viewableInstallation(ctx, installationId);
    if (!installation) return null;
    const [settings, canEdit] = await Promise.all([
      installationSettings(ctx, installationId),
      canAdminister(ctx, installation),
    ]);
    return { ...settings, canEdit };
  },
});

/**
 * How often `agreements` would have been broken over the 90 days up to `today` (the client's UTC day),
 * from the buckets (alerts/preview.ts), before they are saved. For the installation's administrators
 * (who see every repository); null for anyone else.
 */
export const preview = query({
  args: { installationId: v.id("installations"), agreements: agreementsArg, today: v.number() },
  handler: async (ctx, { installationId, agreements, today }) => {
    const installation = await viewableInstallation(ctx, installationId);
    if (!installation || !(await canAdminister(ctx, installation))) return null;
    validateToday(today);
    return previewBreaches(ctx, installationId, validAgreements(agreements), today);
  },
});

export const update = mutation({
  args: { installationId: v.id("installations"), staleAfterDays: v.number(), agreements: v.optional(agreementsArg) },
  handler: async (ctx, { installationId, staleAfterDays, agreements }) => {
    const [viewer, installation] = await Promise.all([currentViewer(ctx), viewableInstallation(ctx, installationId)]);
    if (!viewer || !installation) throw new ConvexError("Installation not found.");
    if (!(await canAdminister(ctx, installation)))
      throw new ConvexError("Only the account's owners and the person who installed the App can change its settings.");
    const before = await installationAgreements(ctx, installationId);
    await updateSettings(ctx, installation, { staleAfterDays, ...(agreements && { agreements }) }, viewer);
    // Changed agreements move every boundary: the alert engine evaluates the open work again.
    if (agreements && (Object.keys(before) as Array<keyof typeof before>).some((k) => before[k] !== agreements[k]))
      await ctx.scheduler.runAfter(0, internal.alerts.engine.agreementsChanged, { installationId });
  },
});

/** Repositories listed with their choices (the settings page's table), by name: a bound on the query's reads. */
const MAX_REPOSITORY_SETTINGS = 500;

/**
 * Each visible repository's own choices (DORA's workflow fallback), by name, at most
 * `MAX_REPOSITORY_SETTINGS`: every member reads them; a restricted member sees only the repositories
 * they can read.
 */
export const repositorySettings = query({
  args: { installationId: v.id("installations") },
  handler: async (
    ctx,
    { installationId },
  ): Promise<Array<{
    repositoryId: Id<"repositories">;
    fullName: string;
    /** The Actions workflow whose completed default-branch runs count as deployments (null: GitHub deployments). */
    deploymentWorkflow: string | null;
  }> | null> => {
    const installation = await viewableInstallation(ctx, installationId);
    if (!installation) return null;
    const access = await repositoryAccess(ctx, installation);
    const [repos, settings] = await Promise.all([
      ctx.db
        .query("repositories")
        .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", false))
        .take(MAX_REPOSITORY_SETTINGS),
      ctx.db
        .query("repositorySettings")
        .withIndex("by_installation", (q) => q.eq("installationId", installationId))
        .take(MAX_REPOSITORY_SETTINGS),
    ]);
    const chosen = new Map(settings.map((s) => [s.repositoryId, s.deploymentWorkflow ?? null]));
    return repos
      .filter((r) => canReadRepository(access, r))
      .sort((a, b) => a.fullName.localeCompare(b.fullName))
      .map((r) => ({ repositoryId: r._id, fullName: r.fullName, deploymentWorkflow: chosen.get(r._id) ?? null }));
  },
});

/**
 * Choose (a workflow's name or file name) or clear (null) a repository's deployment fallback;
 * administrators only. The repository's stored deployments are reclassified in chunks (its DORA
 * figures and its PRs' deploy stage follow) and a sync is requested so the chosen workflow's runs are fetched.
 */
export const updateRepositorySettings = mutation({
  args: { repositoryId: v.id("repositories"), deploymentWorkflow: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, deploymentWorkflow }): Promise<null> => {
    const repo = await ctx.db.get(repositoryId);
    const [viewer, installation] = await Promise.all([
      currentViewer(ctx),
      repo ? viewableInstallation(ctx, repo.installationId) : null,
    ]);
    // A repository the caller may not read answers exactly like a missing one.
    const readable = repo && installation && canReadRepository(await repositoryAccess(ctx, installation), repo);
    if (!repo || !viewer || !installation || repo.removed || !readable) throw new ConvexError("Repository not found.");
    if (!(await canAdminister(ctx, installation)))
      throw new ConvexError("Only the account's owners and the person who installed the App can change its settings.");
    if (await updateDeploymentWorkflow(ctx, repo, deploymentWorkflow, viewer)) {
      await scheduleReclassify(ctx, repo._id);
      if (deploymentWorkflow !== null) await requestSync(ctx, installation._id, "manual");
    }
    return null;
  },
});
