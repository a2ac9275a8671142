/**
 * What a webhook delivery means to us, as a validator (mapWebhook.ts makes it; webhooks/apply.ts
 * applies it): records to apply, a lifecycle change of the installation, a change of the
 * organisation's people, or why it is ignored or invalid.
 */
import { v, type Infer } from "convex/values";
import { anyRecord, repositoryRecord, repositoryRef } from "../model/records";

const lifecycleChange = v.union(
  v.object({
    kind: v.literal("installation_created"),
    account: v.object({
      githubId: v.number(),
      login: v.string(),
      type: v.union(v.literal("User"), v.literal("Organization")),
    }),
    sender: v.object({ githubId: v.number(), login: v.string() }),
    repositories: v.array(repositoryRef),
  }),
  v.object({ kind: v.literal("installation_deleted") }),
  v.object({ kind: v.literal("installation_suspended") }),
  v.object({ kind: v.literal("installation_unsuspended") }),
  v.object({ kind: v.literal("permissions_accepted") }),
  v.object({ kind: v.literal("repositories_added"), repositories: v.array(repositoryRef) }),
  v.object({ kind: v.literal("repositories_removed"), githubIds: v.array(v.number()) }),
  v.object({ kind: v.literal("account_renamed"), login: v.string() }),
  v.object({ kind: v.literal("repository_changed"), repository: repositoryRecord }),
  v.object({ kind: v.literal("repository_deleted"), githubId: v.number() }),
  v.object({
    kind: v.literal("membership"),
    accountId: v.number(),
    githubUserId: v.number(),
    login: v.string(),
    member: v.boolean(),
  }),
);
export type LifecycleChange = Infer<typeof lifecycleChange>;

const teamRef = v.object({
  githubId: v.number(),
  slug: v.string(),
  name: v.string(),
  parentGithubId: v.optional(v.number()),
});
/**
 * A change to an organisation's teams or to who may read a repository (`team`, `membership`, `member`
 * events), keyed by the organisation's account: GitHub may send these without an `installation`.
 */
const orgChange = v.union(
  v.object({ kind: v.literal("team_changed"), team: teamRef }),
  v.object({ kind: v.literal("team_deleted"), teamGithubId: v.number() }),
  v.object({
    kind: v.literal("team_repository"),
    team: teamRef,
    repoGithubId: v.number(),
    granted: v.boolean(),
    permission: v.string(),
  }),
  v.object({
    kind: v.literal("team_membership"),
    teamGithubId: v.number(),
    /** Absent when the team itself was deleted. */
    team: v.optional(teamRef),
    githubUserId: v.number(),
    login: v.string(),
    member: v.boolean(),
  }),
  v.object({
    kind: v.literal("collaborator"),
    repoGithubId: v.number(),
    githubUserId: v.number(),
    granted: v.boolean(),
    permission: v.optional(v.string()),
  }),
);
export type OrgChange = Infer<typeof orgChange>;

export const webhookMapping = v.union(
  v.object({
    outcome: v.literal("apply"),
    installationGithubId: v.optional(v.number()),
    repository: v.optional(repositoryRecord),
    records: v.array(anyRecord),
  }),
  v.object({ outcome: v.literal("lifecycle"), installationGithubId: v.number(), change: lifecycleChange }),
  v.object({
    outcome: v.literal("org"),
    accountId: v.number(),
    installationGithubId: v.optional(v.number()),
    change: orgChange,
  }),
  v.object({ outcome: v.literal("ignored"), reason: v.string() }),
  v.object({ outcome: v.literal("invalid"), path: v.string(), message: v.string() }),
);
export type WebhookMapping = Infer<typeof webhookMapping>;
