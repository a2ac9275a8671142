/**
 * Webhook payloads → normalized records (activity) or lifecycle changes (installation,
 * repositories, memberships). Pure and total: never throws; a payload that fails its schema is
 * `invalid` with the path that failed, an event we do not use is `ignored`.
 */
import type { WebhookEventName } from "@octokit/webhooks/types";
import type { z } from "zod";
import type { AnyRecord } from "../model/records";
import { checkRunState, commitStatusState } from "./ciStates";
import {
  deploymentEvent,
  deploymentStatusEvent,
  mapDeploymentEvent,
  mapDeploymentStatusEvent,
  mapWorkflowRunEvent,
  workflowRunEvent,
} from "./deployments";
import {
  commentRecord,
  issueRecord,
  loginOf,
  mapRepository,
  optionalTimeMs,
  reviewRecord,
  reviewState,
  timeMs,
} from "./mapShared";
import * as P from "./webhookPayloads";
import type { LifecycleChange, OrgChange, WebhookMapping } from "./webhookMapping";

const refOf = (r: z.infer<typeof P.repositoryRefPayload>) => ({
  githubId: r.id,
  name: r.name,
  fullName: r.full_name,
  private: r.private,
});

type Mapper = (payload: unknown) => WebhookMapping;

/**
 * The PR's outstanding review requests (logins, `team:<slug>`). A review_requested event dates the
 * request it is about (a re-request moves its time); the others keep the time first seen.
 */
function reviewRequestsOf(p: z.infer<typeof P.pullRequestEvent>) {
  const pr = p.pull_request;
  const requested =
    p.action === "review_requested"
      ? p.requested_reviewer
        ? p.requested_reviewer.login
        : p.requested_team
          ? `team:${p.requested_team.slug}`
          : undefined
      : undefined;
  const reviewers = [
    ...(pr.requested_reviewers ?? []).flatMap((u) => (u.login ? [u.login] : [])),
    ...(pr.requested_teams ?? []).flatMap((t) => (t.slug ? [`team:${t.slug}`] : [])),
  ];
  if (requested && !reviewers.includes(requested)) reviewers.push(requested);
  return reviewers.map((reviewer) => ({
    reviewer,
    ...(reviewer === requested && { requestedAt: timeMs(pr.updated_at) }),
  }));
}

/** Parse with `schema`, or report the first failing path. */
function parsed<S extends z.ZodType>(
  schema: S,
  payload: unknown,
  map: (p: z.output<S>) => WebhookMapping,
): WebhookMapping {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { outcome: "invalid", path: issue.path.join(".") || "(root)", message: issue.message };
  }
  return map(result.data);
}

const apply = (
  p: { installation?: { id: number } | undefined; repository: z.infer<typeof P.fullRepository> },
  records: AnyRecord[],
): WebhookMapping => ({
  outcome: "apply",
  ...(p.installation && { installationGithubId: p.installation.id }),
  repository: mapRepository(p.repository),
  records,
});

const lifecycle = (installationGithubId: number, change: LifecycleChange): WebhookMapping => ({
  outcome: "lifecycle",
  installationGithubId,
  change,
});
const ignored = (reason: string): WebhookMapping => ({ outcome: "ignored", reason });
const orgChanged = (
  accountId: number,
  installation: { id: number } | undefined,
  change: OrgChange,
): WebhookMapping => ({
  outcome: "org",
  accountId,
  ...(installation && { installationGithubId: installation.id }),
  change,
});

/** A payload's team as we store it (a deleted team in a `membership` payload has no slug: null). */
function teamOf(t: z.infer<typeof P.teamEvent>["team"]) {
  if (t.slug === undefined) return null;
  return { githubId: t.id, slug: t.slug, name: t.name, ...(t.parent && { parentGithubId: t.parent.id }) };
}

/** GitHub's role from a permissions object (the strongest granted), else from a legacy permission name. */
function roleOf(permissions: Record<string, boolean> | undefined, legacy: string | undefined): string {
  const p = permissions ?? {};
  if (p.admin) return "admin";
  if (p.maintain) return "maintain";
  if (p.push) return "write";
  if (p.triage) return "triage";
  if (p.pull) return "read";
  return legacy === "push" ? "write" : legacy === "pull" || legacy === undefined ? "read" : legacy;
}

/** Keyed by GitHub's event names (the `X-GitHub-Event` header), as @octokit/webhooks types them. */
const MAPPERS = {
  installation: (payload) =>
    parsed(P.installationEvent, payload, (p) => {
      const id = p.installation.id;
      switch (p.action) {
        case "created": {
          const a = p.installation.account;
          if (!a) return ignored("installation on an enterprise, not an account");
          return lifecycle(id, {
            kind: "installation_created",
            account: { githubId: a.id, login: a.login, type: a.type === "User" ? "User" : "Organization" },
            sender: { githubId: p.sender.id, login: p.sender.login },
            repositories: (p.repositories ?? []).map(refOf),
          });
        }
        case "deleted":
          return lifecycle(id, { kind: "installation_deleted" });
        case "suspend":
          return lifecycle(id, { kind: "installation_suspended" });
        case "unsuspend":
          return lifecycle(id, { kind: "installation_unsuspended" });
        case "new_permissions_accepted":
          return lifecycle(id, { kind: "permissions_accepted" });
        default:
          return ignored(`installation.${p.action} is not used`);
      }
    }),
  installation_repositories: (payload) =>
    parsed(P.installationRepositoriesEvent, payload, (p) =>
      p.action === "added"
        ? lifecycle(p.installation.id, { kind: "repositories_added", repositories: p.repositories_added.map(refOf) })
        : lifecycle(p.installation.id, {
            kind: "repositories_removed",
            githubIds: p.repositories_removed.map((r) => r.id),
          }),
    ),
  installation_target: (payload) =>
    parsed(P.installationTargetEvent, payload, (p) =>
      p.action === "renamed"
        ? lifecycle(p.installation.id, { kind: "account_renamed", login: p.account.login })
        : ignored(`installation_target.${p.action} is not used`),
    ),
  repository: (payload) =>
    parsed(P.repositoryEvent, payload, (p) => {
      if (!p.installation) return ignored("repository event without an installation");
      if (p.action === "deleted")
        return lifecycle(p.installation.id, { kind: "repository_deleted", githubId: p.repository.id });
      return lifecycle(p.installation.id, { kind: "repository_changed", repository: mapRepository(p.repository) });
    }),
  organization: (payload) =>
    parsed(P.organizationEvent, payload, (p) => {
      const member = p.action === "member_added" ? true : p.action === "member_removed" ? false : null;
      const u = p.membership?.user;
      if (member === null || !u || !p.installation) return ignored(`organization.${p.action} is not used`);
      return lifecycle(p.installation.id, {
        kind: "membership",
        accountId: p.organization.id,
        githubUserId: u.id,
        login: u.login,
        member,
      });
    }),
  team: (payload) =>
    parsed(P.teamEvent, payload, (p) => {
      const org = p.organization.id;
      if (p.action === "deleted")
        return orgChanged(org, p.installation, { kind: "team_deleted", teamGithubId: p.team.id });
      const team = teamOf(p.team);
      if (!team) return ignored(`team.${p.action} without a slug`);
      if (p.action === "created" || p.action === "edited") {
        return orgChanged(org, p.installation, { kind: "team_changed", team });
      }
      if ((p.action === "added_to_repository" || p.action === "removed_from_repository") && p.repository) {
        return orgChanged(org, p.installation, {
          kind: "team_repository",
          team,
          repoGithubId: p.repository.id,
          granted: p.action === "added_to_repository",
          permission: roleOf(p.repository.permissions, p.team.permission),
        });
      }
      return ignored(`team.${p.action} is not used`);
    }),
  membership: (payload) =>
    parsed(P.membershipEvent, payload, (p) => {
      const member = p.action === "added" ? true : p.action === "removed" ? false : null;
      if (member === null || p.scope !== "team" || !p.member) return ignored(`membership.${p.action} is not used`);
      const team = teamOf(p.team);
      return orgChanged(p.organization.id, p.installation, {
        kind: "team_membership",
        teamGithubId: p.team.id,
        ...(team && !p.team.deleted && { team }),
        githubUserId: p.member.id,
        login: p.member.login,
        member: member && !p.team.deleted,
      });
    }),
  member: (payload) =>
    parsed(P.memberEvent, payload, (p) => {
      const granted = p.action === "added" || p.action === "edited" ? true : p.action === "removed" ? false : null;
      if (granted === null || !p.member) return ignored(`member.${p.action} is not used`);
      const permission = p.changes?.permission?.to ?? p.changes?.role_name?.to;
      return orgChanged(p.repository.owner.id, p.installation, {
        kind: "collaborator",
        repoGithubId: p.repository.id,
        githubUserId: p.member.id,
        granted,
        ...(granted && permission && { permission }),
      });
    }),
  pull_request: (payload) =>
    parsed(P.pullRequestEvent, payload, (p) => {
      const pr = p.pull_request;
      const reviewRequests = reviewRequestsOf(p);
      // The request a review_requested event is about, the only one it dates, is also history.
      const requested = reviewRequests.flatMap((r) =>
        r.requestedAt === undefined ? [] : [{ reviewer: r.reviewer, requestedAt: r.requestedAt }],
      );
      return apply(p, [
        {
          kind: "pullRequest",
          record: {
            githubId: pr.id,
            repoGithubId: p.repository.id,
            number: pr.number,
            title: pr.title,
            authorLogin: loginOf(pr.user),
            state: pr.merged_at || pr.merged ? "merged" : pr.state,
            draft: pr.draft ?? false,
            mergeable: pr.mergeable === true ? "mergeable" : pr.mergeable === false ? "conflicting" : "unknown",
            headSha: pr.head.sha,
            requestedReviewers: (pr.requested_reviewers?.length ?? 0) + (pr.requested_teams?.length ?? 0),
            reviewRequests,
            ...(requested.length > 0 && { requestHistory: requested }),
            ...(p.action === "ready_for_review" && { readyForReviewAt: timeMs(pr.updated_at) }),
            ...(pr.additions !== undefined && { additions: pr.additions }),
            ...(pr.deletions !== undefined && { deletions: pr.deletions }),
            ...(pr.changed_files !== undefined && { changedFiles: pr.changed_files }),
            url: pr.html_url,
            createdAt: timeMs(pr.created_at),
            updatedAt: timeMs(pr.updated_at),
            ...optionalTimeMs("closedAt", pr.closed_at),
            ...optionalTimeMs("mergedAt", pr.merged_at),
          },
        },
      ]);
    }),
  pull_request_review: (payload) =>
    parsed(P.pullRequestReviewEvent, payload, (p) => {
      const r = p.review;
      const state = p.action === "dismissed" ? "dismissed" : reviewState(r.state);
      if (!state) return ignored(`review state ${r.state} is not used`);
      return apply(p, [
        {
          kind: "review",
          record: reviewRecord(p.repository.id, p.pull_request.number, {
            id: r.id,
            author: r.user,
            state,
            url: r.html_url,
            submittedAt: r.submitted_at,
          }),
        },
      ]);
    }),
  pull_request_review_comment: (payload) =>
    parsed(P.pullRequestReviewCommentEvent, payload, (p) =>
      apply(p, [commentOrDeletion(p.action, p.repository.id, "review", p.pull_request.number, p.comment)]),
    ),
  issue_comment: (payload) =>
    parsed(P.issueCommentEvent, payload, (p) =>
      apply(p, [commentOrDeletion(p.action, p.repository.id, "issue", p.issue.number, p.comment)]),
    ),
  check_run: (payload) =>
    parsed(P.checkRunEvent, payload, (p) => {
      const c = p.check_run;
      return apply(p, [
        {
          kind: "ci",
          record: {
            repoGithubId: p.repository.id,
            sha: c.head_sha,
            kind: "check_run",
            name: c.name,
            state: checkRunState(c.status, c.conclusion),
            updatedAt: timeMs(c.completed_at ?? c.started_at),
            ...(c.html_url && { url: c.html_url }),
          },
        },
      ]);
    }),
  status: (payload) =>
    parsed(P.statusEvent, payload, (p) =>
      apply(p, [
        {
          kind: "ci",
          record: {
            repoGithubId: p.repository.id,
            sha: p.sha,
            kind: "status",
            name: p.context,
            state: commitStatusState(p.state),
            updatedAt: timeMs(p.updated_at),
            ...(p.target_url && { url: p.target_url }),
          },
        },
      ]),
    ),
  // A check suite's and a workflow run's outcome is carried by their check runs; counting them
  // too would double the CI rollup. Validated, applied as a repository refresh only; a completed
  // workflow run on the default branch is also a deployment when the repository chose its workflow.
  check_suite: (payload) => parsed(P.checkSuiteEvent, payload, (p) => apply(p, [])),
  workflow_run: (payload) => parsed(workflowRunEvent, payload, (p) => apply(p, mapWorkflowRunEvent(p))),
  deployment: (payload) => parsed(deploymentEvent, payload, (p) => apply(p, mapDeploymentEvent(p))),
  deployment_status: (payload) => parsed(deploymentStatusEvent, payload, (p) => apply(p, mapDeploymentStatusEvent(p))),
  push: (payload) =>
    parsed(P.pushEvent, payload, (p) => {
      const onDefaultBranch = p.ref === `refs/heads/${p.repository.default_branch}` && !p.deleted;
      return apply(
        p,
        onDefaultBranch
          ? p.commits.map((c) => ({
              kind: "commit" as const,
              record: {
                repoGithubId: p.repository.id,
                sha: c.id,
                authorLogin: c.author.username ?? c.author.name,
                message: c.message.split("\n", 1)[0] ?? "",
                committedAt: timeMs(c.timestamp),
                url: c.url,
              },
            }))
          : [],
      );
    }),
  issues: (payload) =>
    parsed(P.issuesEvent, payload, (p) => {
      const i = p.issue;
      if (i.pull_request !== undefined) return ignored("issues event for a pull request");
      if (p.action === "deleted")
        return apply(p, [
          { kind: "deletion", record: { entity: "issue", repoGithubId: p.repository.id, githubId: i.id } },
        ]);
      return apply(p, [{ kind: "issue", record: issueRecord(p.repository.id, i) }]);
    }),
} satisfies Partial<Record<WebhookEventName, Mapper>>;

/** A comment event: `deleted` removes the comment, every other action upserts it. */
function commentOrDeletion(
  action: string,
  repoGithubId: number,
  kind: "issue" | "review",
  issueNumber: number,
  c: Parameters<typeof commentRecord>[3],
): AnyRecord {
  if (action === "deleted") return { kind: "deletion", record: { entity: "comment", repoGithubId, githubId: c.id } };
  return { kind: "comment", record: commentRecord(repoGithubId, kind, issueNumber, c) };
}

/** The events this app applies; everything else is acknowledged and recorded as ignored. */
export const HANDLED_EVENTS: string[] = Object.keys(MAPPERS);

export function mapWebhookEvent(event: string, payload: unknown): WebhookMapping {
  const mapper: Mapper | undefined = Object.hasOwn(MAPPERS, event) ? MAPPERS[event as keyof typeof MAPPERS] : undefined;
  if (!mapper) return ignored(`event ${event} is not used`);
  try {
    return mapper(payload);
  } catch (error) {
    // A mapper bug must not lose the delivery: it is recorded as invalid with the reason.
    return { outcome: "invalid", path: "(mapper)", message: error instanceof Error ? error.message : String(error) };
  }
}
