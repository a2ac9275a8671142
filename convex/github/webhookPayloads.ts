/**
 * zod schemas for the webhook payloads we apply: exactly the fields we use (zod strips the rest),
 * nullable exactly where GitHub's real payloads are (checked against @octokit/webhooks-examples).
 */
import { z } from "zod";

const user = z.object({ login: z.string(), id: z.number() });
/** Deleted accounts ("ghost") arrive as null in some payloads. */
const maybeUser = user.nullable().optional();
/** ISO strings everywhere, except `push`'s repository which uses epoch seconds. */
const time = z.union([z.string(), z.number()]);

export const fullRepository = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  private: z.boolean(),
  default_branch: z.string(),
  archived: z.boolean().optional(),
  html_url: z.string(),
  updated_at: time.nullable().optional(),
  pushed_at: time.nullable().optional(),
});

/** The trimmed repository objects of `installation` / `installation_repositories`. */
export const repositoryRefPayload = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  private: z.boolean(),
});

const installationRef = z.object({ id: z.number() });
const account = z.object({ login: z.string(), id: z.number(), type: z.string().optional() });

export const installationEvent = z.object({
  action: z.string(),
  installation: z.object({ id: z.number(), account: account.nullable() }),
  repositories: z.array(repositoryRefPayload).optional(),
  sender: user,
});

export const installationRepositoriesEvent = z.object({
  action: z.string(),
  installation: z.object({ id: z.number() }),
  repositories_added: z.array(repositoryRefPayload),
  repositories_removed: z.array(repositoryRefPayload),
});

export const installationTargetEvent = z.object({
  action: z.string(),
  installation: installationRef,
  account: account,
});

export const repositoryEvent = z.object({
  action: z.string(),
  installation: installationRef.optional(),
  repository: fullRepository,
});

export const organizationEvent = z.object({
  action: z.string(),
  installation: installationRef.optional(),
  organization: z.object({ id: z.number(), login: z.string() }),
  membership: z.object({ user: user.nullable() }).optional(),
});

/** A team as `team` and `membership` payloads carry it (a deleted team: id and name only). */
const team = z.object({
  id: z.number(),
  name: z.string(),
  slug: z.string().optional(),
  deleted: z.boolean().optional(),
  /** The team's default permission (pull, push, admin…). */
  permission: z.string().optional(),
  parent: z.object({ id: z.number() }).nullable().optional(),
});
/** A repository's permissions as `team` payloads carry them (the team's on that repository). */
const permissions = z.record(z.string(), z.boolean()).optional();

export const teamEvent = z.object({
  action: z.string(),
  installation: installationRef.optional(),
  organization: z.object({ id: z.number() }),
  team,
  repository: z.object({ id: z.number(), permissions }).optional(),
});

export const membershipEvent = z.object({
  action: z.string(),
  installation: installationRef.optional(),
  scope: z.string(),
  organization: z.object({ id: z.number() }),
  member: user.nullable(),
  team,
});

export const memberEvent = z.object({
  action: z.string(),
  installation: installationRef.optional(),
  member: user.nullable(),
  repository: z.object({ id: z.number(), owner: z.object({ id: z.number() }) }),
  changes: z
    .object({
      permission: z.object({ to: z.string().nullable().optional() }).optional(),
      role_name: z.object({ to: z.string() }).optional(),
    })
    .optional(),
});

const activity = { installation: installationRef.optional(), repository: fullRepository };

export const pullRequestEvent = z.object({
  action: z.string(),
  ...activity,
  /** review_requested / review_request_removed: whom it was about. */
  requested_reviewer: z.object({ login: z.string() }).nullable().optional(),
  requested_team: z.object({ slug: z.string() }).nullable().optional(),
  pull_request: z.object({
    id: z.number(),
    number: z.number(),
    title: z.string(),
    html_url: z.string(),
    state: z.enum(["open", "closed"]),
    draft: z.boolean().optional(),
    merged: z.boolean().nullable().optional(),
    mergeable: z.boolean().nullable().optional(),
    user: maybeUser,
    head: z.object({ sha: z.string() }),
    // Users and teams; a deleted user or an unexpected entry is skipped, not an error.
    requested_reviewers: z.array(z.object({ login: z.string() }).partial().passthrough()).optional(),
    requested_teams: z.array(z.object({ slug: z.string() }).partial().passthrough()).optional(),
    additions: z.number().optional(),
    deletions: z.number().optional(),
    changed_files: z.number().optional(),
    created_at: z.string(),
    updated_at: z.string(),
    closed_at: z.string().nullable(),
    merged_at: z.string().nullable(),
  }),
});

export const pullRequestReviewEvent = z.object({
  action: z.string(),
  ...activity,
  pull_request: z.object({ number: z.number() }),
  review: z.object({
    id: z.number(),
    state: z.string(),
    user: maybeUser,
    submitted_at: z.string().nullable().optional(),
    html_url: z.string(),
  }),
});

export const pullRequestReviewCommentEvent = z.object({
  action: z.string(),
  ...activity,
  pull_request: z.object({ number: z.number() }),
  comment: z.object({
    id: z.number(),
    user: maybeUser,
    html_url: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
});

export const checkRunEvent = z.object({
  action: z.string(),
  ...activity,
  check_run: z.object({
    name: z.string(),
    head_sha: z.string(),
    status: z.string(),
    conclusion: z.string().nullable().optional(),
    started_at: z.string().nullable().optional(),
    completed_at: z.string().nullable().optional(),
    html_url: z.string().nullable().optional(),
  }),
});

export const checkSuiteEvent = z.object({
  action: z.string(),
  ...activity,
  check_suite: z.object({
    id: z.number(),
    head_sha: z.string(),
    status: z.string().nullable(),
    conclusion: z.string().nullable(),
  }),
});

export const statusEvent = z.object({
  ...activity,
  sha: z.string(),
  context: z.string(),
  state: z.enum(["pending", "success", "failure", "error"]),
  target_url: z.string().nullable().optional(),
  updated_at: z.string(),
});

export const pushEvent = z.object({
  ...activity,
  ref: z.string(),
  deleted: z.boolean().optional(),
  commits: z.array(
    z.object({
      id: z.string(),
      message: z.string(),
      timestamp: z.string(),
      url: z.string(),
      author: z.object({ name: z.string(), username: z.string().optional() }),
    }),
  ),
});

export const issuesEvent = z.object({
  action: z.string(),
  ...activity,
  issue: z.object({
    id: z.number(),
    number: z.number(),
    title: z.string(),
    html_url: z.string(),
    state: z.enum(["open", "closed"]).optional(),
    user: maybeUser,
    created_at: z.string(),
    updated_at: z.string(),
    closed_at: z.string().nullable().optional(),
    pull_request: z.unknown().optional(),
  }),
});

export const issueCommentEvent = z.object({
  action: z.string(),
  ...activity,
  issue: z.object({ number: z.number() }),
  comment: z.object({
    id: z.number(),
    user: maybeUser,
    html_url: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
});
