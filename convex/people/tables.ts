/**
 * People: who is who in an installation's organisation (assembled by convex/schema.ts).
 *
 * - `users` — written by `auth.ts` (sign-in) and `memberships.ts` (the mirror of memberships); read by `memberships.ts`, `access.ts` (through the viewer).
 * - `orgMemberships` — written by `memberships.ts` (webhooks, the people stage) and `auth.ts`; read by `access.ts`, `memberships.ts`.
 * - `teams` — written by `people/` (webhooks, the people stage); read by `people/`, `dashboard/` (team roll-ups), `notify/` (team destinations).
 * - `teamMembers` — written by `people/`; read by `people/`, `dashboard/`.
 * - `repositoryGrants` — written by `people/`; read by `access.ts`, `people/`, `notify/`.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const peopleTables = {
  /** @convex-dev/auth's users, plus the GitHub identity access is decided by. */
  users: defineTable({
    name: v.optional(v.string()),
    image: v.optional(v.string()),
    email: v.optional(v.string()),
    emailVerificationTime: v.optional(v.number()),
    phone: v.optional(v.string()),
    phoneVerificationTime: v.optional(v.number()),
    isAnonymous: v.optional(v.boolean()),
    githubId: v.optional(v.number()),
    githubLogin: v.optional(v.string()),
    /** Organisations (GitHub account ids) the user is a member of; mirrors `orgMemberships`. */
    orgAccountIds: v.optional(v.array(v.number())),
  })
    .index("email", ["email"])
    .index("phone", ["phone"])
    .index("by_github_id", ["githubId"]),

  /** Organisation memberships we learned of (webhooks `organization`/`member`); grants visibility. */
  orgMemberships: defineTable({
    accountId: v.number(),
    githubUserId: v.number(),
    login: v.string(),
    updatedAt: v.number(),
    /** GitHub's organisation role, from the members listing (owners are `admin`). */
    role: v.optional(v.union(v.literal("admin"), v.literal("member"))),
    /** When a listing or a webhook last confirmed it; a complete listing ends those it did not see. */
    seenAt: v.optional(v.number()),
  })
    .index("by_user_account", ["githubUserId", "accountId"])
    .index("by_account_user", ["accountId", "githubUserId"])
    .index("by_account_seen", ["accountId", "seenAt"]),

  /**
   * An organisation's teams (per GitHub account, shared by its installations), from the sync's team
   * listing and `team` webhooks (people/teams.ts). A child team inherits its parent's repository access.
   */
  teams: defineTable({
    accountId: v.number(),
    githubId: v.number(),
    slug: v.string(),
    name: v.string(),
    parentGithubId: v.optional(v.number()),
    /** When a listing or a webhook last confirmed it; a complete listing ends those it did not see. */
    seenAt: v.number(),
  })
    .index("by_account_github_id", ["accountId", "githubId"])
    .index("by_account_slug", ["accountId", "slug"])
    .index("by_account_seen", ["accountId", "seenAt"]),

  /** Who belongs to which team (sync, `membership` webhooks), per organisation account (people/teams.ts). */
  teamMembers: defineTable({
    accountId: v.number(),
    teamGithubId: v.number(),
    githubUserId: v.number(),
    login: v.string(),
    seenAt: v.number(),
  })
    .index("by_team_user", ["accountId", "teamGithubId", "githubUserId"])
    .index("by_account_user", ["accountId", "githubUserId"])
    .index("by_account_seen", ["accountId", "seenAt"]),

  /**
   * Who may read a repository of an installation besides its owners: a team (`teamGithubId`) or a
   * direct collaborator (`githubUserId`), exactly one of the two (people/grants.ts). Read by access.ts.
   */
  repositoryGrants: defineTable({
    installationId: v.id("installations"),
    repositoryId: v.id("repositories"),
    teamGithubId: v.optional(v.number()),
    githubUserId: v.optional(v.number()),
    /** GitHub's role on the repository (read, triage, write, maintain, admin, or a custom role's name). */
    permission: v.string(),
    seenAt: v.number(),
  })
    .index("by_repository", ["repositoryId", "teamGithubId", "githubUserId"])
    .index("by_installation_team", ["installationId", "teamGithubId", "repositoryId"])
    .index("by_installation_user", ["installationId", "githubUserId", "repositoryId"])
    .index("by_installation_seen", ["installationId", "seenAt"]),
};
