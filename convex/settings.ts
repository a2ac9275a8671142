/**
 * The settings page's functions: every member who sees the installation reads its settings; only its
 * administrators (`canAdminister`: the account, the installer, organisation owners) change them.
 */
import { installationMutation, installationQuery } from "./builders";
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";

import { canAdminister, canReadRepository } from "./access";
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

export const get = installationQuery({
  hidden: null,
  args: {},
  handler: async (ctx, { installationId }) => {
    const [settings, canEdit] = await Promise.all([
      installationSettings(ctx, installationId),
      canAdminister(ctx, ctx.installation, ctx.viewer),
    ]);
    return { ...settings, canEdit };
  },
});

/**
 * How often `agreements` would have been broken over the 90 days up to `today` (the client's UTC day),
 * from the buckets (alerts/preview.ts), before they are saved. For the installation's administrators
 * (who see every repository); null for anyone else.
 */
export const preview = installationQuery({
  hidden: null,
  args: { agreements: agreementsArg, today: v.number() },
  handler: async (ctx, { installationId, agreements, today }) => {
    if (!(await canAdminister(ctx, ctx.installation, ctx.viewer))) return null;
    validateToday(today);
    return previewBreaches(ctx, installationId, validAgreements(agreements), today);
  },
});

export const update = installationMutation({
  admin: true,
  args: { staleAfterDays: v.number(), agreements: v.optional(agreementsArg) },
  handler: async (ctx, { staleAfterDays, agreements }) => {
    const { viewer, installation } = ctx;
    const installationId = installation._id;
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
export const repositorySettings = installationQuery({
  hidden: null,
  args: {},
  handler: async (
    ctx,
    { installationId },
  ): Promise<Array<{
    repositoryId: Id<"repositories">;
    fullName: string;
    /** The Actions workflow whose completed default-branch runs count as deployments (null: GitHub deployments). */
    deploymentWorkflow: string | null;
  }> | null> => {
    const { access } = ctx.visibility;
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
export const updateRepositorySettings = installationMutation({
  admin: true,
  notFound: "repository_not_found",
  args: { repositoryId: v.id("repositories"), deploymentWorkflow: v.union(v.string(), v.null()) },
  installationOf: async (ctx, { repositoryId }) => (await ctx.db.get(repositoryId))?.installationId ?? null,
  // A repository the caller may not read answers exactly like a missing one.
  readable: async (ctx, { repositoryId }) => ctx.visibility.named(repositoryId),
  handler: async (ctx, { repositoryId, deploymentWorkflow }): Promise<null> => {
    const { viewer, installation } = ctx;
    const repo = (await ctx.db.get(repositoryId))!;
    if (await updateDeploymentWorkflow(ctx, repo, deploymentWorkflow, viewer)) {
      await scheduleReclassify(ctx, repo._id);
      if (deploymentWorkflow !== null) await requestSync(ctx, installation._id, "manual");
    }
    return null;
  },
});
