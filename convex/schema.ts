/**
 * The schema, assembled from the tables each room owns (`<room>/tables.ts` says, per table, who writes
 * it and who reads it). `installations` and `repositories` are the read model's rows that also carry
 * the SyncService's state: their fields are joined here, the read model's from `model/tables.ts` and
 * the sync's from `sync/tables.ts`, so neither room imports the other's vocabulary.
 */
import { authTables } from "@convex-dev/auth/server";
import { defineSchema, defineTable } from "convex/server";
import { alertTables } from "./alerts/tables";
import { githubTables } from "./github/tables";
import { metricTables } from "./metrics/tables";
import { installationFields, readModelTables, repositoryFields } from "./model/tables";
import { notifyTables } from "./notify/tables";
import { peopleTables } from "./people/tables";
import { reportTables } from "./reports/tables";
import { installationSyncFields, repositorySyncFields, syncTables } from "./sync/tables";
import { watchTables } from "./watchlist/tables";
import { webhookTables } from "./webhooks/tables";

export default defineSchema({
  ...authTables,
  ...peopleTables,

  installations: defineTable({ ...installationFields, ...installationSyncFields })
    .index("by_github_id", ["githubInstallationId"])
    .index("by_status", ["status"])
    .index("by_account", ["accountId"])
    .index("by_installed_by", ["installedByGithubUserId"]),

  repositories: defineTable({ ...repositoryFields, ...repositorySyncFields })
    .index("by_installation_github_id", ["installationId", "githubId"])
    .index("by_installation_listing", ["installationId", "removed", "listing"])
    .index("by_installation", ["installationId", "removed", "fullName"])
    .index("by_installation_sync_status", ["installationId", "removed", "syncStatus"]),

  ...readModelTables,
  ...metricTables,
  ...webhookTables,
  ...githubTables,
  ...syncTables,
  ...alertTables,
  ...notifyTables,
  ...watchTables,
  ...reportTables,
});
