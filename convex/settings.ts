/**
 * The settings page's functions: every member who sees the installation reads its settings; only its
 * administrators (`canAdminister`: the account, the installer, organisation owners) change them.
 */
import { ConvexError, v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { canAdminister, currentViewer, viewableInstallation } from "./access";
import { installationSettings, updateSettings } from "./model/settings";

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

export const update = mutation({
  args: { installationId: v.id("installations"), staleAfterDays: v.number() },
  handler: async (ctx, { installationId, staleAfterDays }) => {
    const [viewer, installation] = await Promise.all([currentViewer(ctx), viewableInstallation(ctx, installationId)]);
    if (!viewer || !installation) throw new ConvexError("Installation not found.");
    if (!(await canAdminister(ctx, installation)))
      throw new ConvexError("Only the account's owners and the person who installed the App can change its settings.");
    await updateSettings(ctx, installation, { staleAfterDays }, viewer);
  },
});
