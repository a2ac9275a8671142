/**
 * GitHub's JSON for the fake's data. Each object starts from the example GitHub publishes for
 * that operation in its official OpenAPI description (@octokit/openapi) — so every field the
 * schema requires is present with the right type — and our data overrides the fields that vary.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Collaborator, Comment, Commit, Issue, Org, PullRequest, Repo, Team, WorkflowRun } from "./generator";

type Json = Record<string, any>;
let spec: Json | null = null;
/** GitHub's REST description, dereferenced (loaded once; ~70 MB). */
export function openapi(): Json {
  spec ??= JSON.parse(
    readFileSync(
      createRequire(import.meta.url).resolve("@octokit/openapi/generated/api.github.com.deref.json"),
      "utf8",
    ),
  );
  return spec!;
}

let templates: Record<string, Json> | null = null;
/**
 * GitHub's published example for an operation, completed where the example omits a property the
 * schema requires (some examples predate newer required fields): the gap gets a typed empty value.
 */
export function example(path: string, method: string, status: string): any {
  const content = openapi().paths[path][method].responses[status].content["application/json"];
  return conform(content.schema, structuredClone(Object.values<{ value: unknown }>(content.examples)[0]!.value));
}

function conform(schema: Json | undefined, value: any): any {
  if (!schema) return value;
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0] ?? schema.allOf?.[0];
  if (value === undefined || value === null) {
    if (value === null && schema.nullable) return null;
    if (variant && !schema.type) return conform(variant, undefined);
    switch (schema.type) {
      case "object":
        return conform(schema, {});
      case "array":
        return [];
      case "string":
        return (
          schema.enum?.[0] ??
          (schema.format === "date-time"
            ? "2020-01-01T00:00:00Z"
            : schema.format === "uri"
              ? "https://example.com"
              : "")
        );
      case "integer":
      case "number":
        return 0;
      case "boolean":
        return false;
      default:
        return schema.nullable ? null : value;
    }
  }
  if (Array.isArray(value)) return value.map((x) => conform(schema.items, x));
  if (typeof value === "object" && (schema.type === "object" || schema.properties)) {
    for (const key of schema.required ?? [])
      if (!(key in value)) value[key] = conform(schema.properties?.[key], undefined);
    for (const [key, sub] of Object.entries<Json>(schema.properties ?? {}))
      if (key in value && value[key] !== null) value[key] = conform(sub, value[key]);
  }
  return value;
}
function t(): Record<string, Json> {
  templates ??= {
    repository: example("/installation/repositories", "get", "200").repositories[0],
    fullRepository: example("/repos/{owner}/{repo}", "get", "200"),
    issue: example("/repos/{owner}/{repo}/issues", "get", "200")[0],
    commit: example("/repos/{owner}/{repo}/commits", "get", "200")[0],
    issueComment: example("/repos/{owner}/{repo}/issues/comments", "get", "200")[0],
    reviewComment: example("/repos/{owner}/{repo}/pulls/comments", "get", "200")[0],
    token: example("/app/installations/{installation_id}/access_tokens", "post", "201"),
    rateLimit: example("/rate_limit", "get", "200"),
    delivery: example("/app/hook/deliveries", "get", "200")[0],
    user: example("/repos/{owner}/{repo}/issues", "get", "200")[0].user,
    team: example("/orgs/{org}/teams", "get", "200")[0],
    teamRepository: example("/orgs/{org}/teams/{team_slug}/repos", "get", "200")[0],
    collaborator: example("/repos/{owner}/{repo}/collaborators", "get", "200")[0],
    workflow: example("/repos/{owner}/{repo}/actions/workflows", "get", "200").workflows[0],
    workflowRun: example("/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", "get", "200").workflow_runs[0],
  };
  return templates;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const WEB = "https://github.com";

export function userJson(login: string, api: string): Json {
  return {
    ...t().user,
    login,
    id: hashId(login),
    node_id: `U_${login}`,
    url: `${api}/users/${login}`,
    html_url: `${WEB}/${login}`,
    type: "User",
  };
}

/** GET /orgs/{org}/teams: a team, its parent as a team-simple (null at the top). */
export function teamJson(org: Org, team: Team, parent: Team | null, api: string): Json {
  const own = (x: Team) => ({
    ...t().team,
    id: x.id,
    node_id: `T_${x.id}`,
    url: `${api}/organizations/${org.id}/team/${x.id}`,
    html_url: `${WEB}/orgs/${org.login}/teams/${x.slug}`,
    members_url: `${api}/organizations/${org.id}/team/${x.id}/members{/member}`,
    repositories_url: `${api}/organizations/${org.id}/team/${x.id}/repos`,
    name: x.name,
    slug: x.slug,
    description: null,
    permission: "pull",
  });
  const parentJson: Json | null = parent ? own(parent) : null;
  if (parentJson) delete parentJson.parent;
  return { ...own(team), parent: parentJson };
}

const ROLE_PERMISSIONS = {
  read: { admin: false, maintain: false, push: false, triage: false, pull: true },
  triage: { admin: false, maintain: false, push: false, triage: true, pull: true },
  write: { admin: false, maintain: false, push: true, triage: true, pull: true },
  maintain: { admin: false, maintain: true, push: true, triage: true, pull: true },
  admin: { admin: true, maintain: true, push: true, triage: true, pull: true },
} as const;

/** GET /orgs/{org}/teams/{team_slug}/repos: a minimal-repository with the team's permissions on it. */
export function teamRepositoryJson(org: Org, r: Repo, role: Collaborator["role"], api: string): Json {
  return {
    ...t().teamRepository,
    ...repositoryJson(org, r, api),
    permissions: ROLE_PERMISSIONS[role],
    role_name: role,
  };
}

/** GET /repos/{owner}/{repo}/collaborators: a collaborator with their permissions and role. */
export function collaboratorJson(c: Collaborator, api: string): Json {
  return { ...t().collaborator, ...userJson(c.login, api), permissions: ROLE_PERMISSIONS[c.role], role_name: c.role };
}

export function repositoryJson(org: Org, r: Repo, api: string, detail = false): Json {
  const full = `${r.owner}/${r.name}`;
  return {
    ...(detail ? t().fullRepository : t().repository),
    id: r.id,
    node_id: `R_${r.id}`,
    name: r.name,
    full_name: full,
    owner: { ...userJson(org.login, api), id: org.id, type: "Organization" },
    private: r.private,
    archived: r.archived,
    default_branch: r.defaultBranch,
    html_url: `${WEB}/${full}`,
    url: `${api}/repos/${full}`,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    pushed_at: iso(r.pushedAt),
  };
}

export function issueJson(r: Repo, i: Issue, api: string): Json {
  const full = `${r.owner}/${r.name}`;
  return {
    ...t().issue,
    id: i.id,
    node_id: `I_${i.id}`,
    number: i.number,
    title: i.title,
    state: i.state,
    state_reason: i.state === "closed" ? "completed" : null,
    user: userJson(i.author, api),
    html_url: `${WEB}/${full}/issues/${i.number}`,
    url: `${api}/repos/${full}/issues/${i.number}`,
    repository_url: `${api}/repos/${full}`,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    closed_at: i.closedAt === null ? null : iso(i.closedAt),
    pull_request: undefined,
    labels: [],
    assignee: null,
    assignees: [],
    milestone: null,
    closed_by: null,
  };
}

/** A pull request as the issues list shows it (with the `pull_request` key). */
export function pullAsIssueJson(r: Repo, p: PullRequest, api: string): Json {
  const full = `${r.owner}/${r.name}`;
  const closed = p.state !== "open";
  return {
    ...issueJson(
      r,
      {
        id: p.id,
        number: p.number,
        title: p.title,
        author: p.author,
        state: closed ? "closed" : "open",
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
        closedAt: p.closedAt,
      },
      api,
    ),
    html_url: `${WEB}/${full}/pull/${p.number}`,
    draft: p.draft,
    pull_request: {
      url: `${api}/repos/${full}/pulls/${p.number}`,
      html_url: `${WEB}/${full}/pull/${p.number}`,
      diff_url: `${WEB}/${full}/pull/${p.number}.diff`,
      patch_url: `${WEB}/${full}/pull/${p.number}.patch`,
      merged_at: p.mergedAt === null ? null : iso(p.mergedAt),
    },
  };
}

export function commitJson(r: Repo, c: Commit, api: string): Json {
  const full = `${r.owner}/${r.name}`;
  const person = { name: c.author, email: `${c.author}@example.com`, date: iso(c.date) };
  return {
    ...t().commit,
    sha: c.sha,
    node_id: `C_${c.sha}`,
    url: `${api}/repos/${full}/commits/${c.sha}`,
    html_url: `${WEB}/${full}/commit/${c.sha}`,
    comments_url: `${api}/repos/${full}/commits/${c.sha}/comments`,
    commit: {
      ...t().commit!.commit,
      message: c.message,
      author: person,
      committer: person,
      url: `${api}/repos/${full}/git/commits/${c.sha}`,
    },
    author: userJson(c.author, api),
    committer: userJson(c.author, api),
    parents: [],
  };
}

export function issueCommentJson(r: Repo, c: Comment, api: string): Json {
  const full = `${r.owner}/${r.name}`;
  return {
    ...t().issueComment,
    id: c.id,
    node_id: `IC_${c.id}`,
    user: userJson(c.author, api),
    html_url: `${WEB}/${full}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    url: `${api}/repos/${full}/issues/comments/${c.id}`,
    issue_url: `${api}/repos/${full}/issues/${c.issueNumber}`,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

export function reviewCommentJson(r: Repo, c: Comment, api: string): Json {
  const full = `${r.owner}/${r.name}`;
  return {
    ...t().reviewComment,
    id: c.id,
    node_id: `RC_${c.id}`,
    user: userJson(c.author, api),
    html_url: `${WEB}/${full}/pull/${c.issueNumber}#discussion_r${c.id}`,
    url: `${api}/repos/${full}/pulls/comments/${c.id}`,
    pull_request_url: `${api}/repos/${full}/pulls/${c.issueNumber}`,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

export function tokenJson(token: string, expiresAt: number): Json {
  return { ...t().token, token, expires_at: iso(expiresAt), repository_selection: "all", repositories: undefined };
}

export function rateLimitJson(
  budgets: Record<string, { limit: number; remaining: number; used: number; reset: number }>,
): Json {
  const base = t().rateLimit!;
  const resources = { ...base.resources };
  for (const [k, b] of Object.entries(budgets)) resources[k] = b;
  return { ...base, resources, rate: budgets.core };
}

export interface Delivery {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  status: string;
  statusCode: number;
  installationId: number | null;
  deliveredAt: number;
  redelivery: boolean;
}
export function deliveryJson(d: Delivery): Json {
  return {
    ...t().delivery,
    id: d.id,
    guid: d.guid,
    delivered_at: iso(d.deliveredAt),
    redelivery: d.redelivery,
    status: d.status,
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: null,
    throttled_at: null,
  };
}

/** GET /repos/{owner}/{repo}/actions/workflows: a workflow. */
export function workflowJson(r: Repo, w: { id: number; name: string; path: string }, api: string): Json {
  return {
    ...t().workflow,
    id: w.id,
    node_id: `W_${w.id}`,
    name: w.name,
    path: w.path,
    url: `${api}/repos/${r.owner}/${r.name}/actions/workflows/${w.id}`,
    html_url: `${WEB}/${r.owner}/${r.name}/blob/${r.defaultBranch}/${w.path}`,
  };
}

/** GET …/actions/workflows/{workflow_id}/runs: a run (its workflow's name and path). */
export function workflowRunJson(
  r: Repo,
  run: WorkflowRun,
  workflow: { name: string; path: string },
  api: string,
): Json {
  return {
    ...t().workflowRun,
    id: run.id,
    name: workflow.name,
    path: workflow.path,
    workflow_id: run.workflowId,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    status: run.status,
    conclusion: run.conclusion,
    created_at: iso(run.createdAt),
    updated_at: iso(run.updatedAt),
    run_started_at: iso(run.createdAt),
    actor: userJson(run.actor, api),
    url: `${api}/repos/${r.owner}/${r.name}/actions/runs/${run.id}`,
    html_url: `${WEB}/${r.owner}/${r.name}/actions/runs/${run.id}`,
  };
}

export function hashId(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (h >>> 0) % 10_000_000;
}
export { iso };
