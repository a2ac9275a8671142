/**
 * An organisation's teams, their members and repositories, and a repository's direct collaborators, as
 * GitHub lists them (the installation's organisation Members permission; collaborators need Metadata),
 * one page per call. Each returns the page's entries and the `next` URL to pass back.
 *
 * Usage: `const page = await listOrgTeams(client, "acme", next)`
 */
import { z } from "zod";
import type { GitHubClient } from "./client";

const PER_PAGE = 100;

/** GET /orgs/{org}/teams: `team` items; `parent` is a nullable team-simple. */
const teamsPage = z.array(
  z.object({
    id: z.number(),
    slug: z.string(),
    name: z.string(),
    parent: z.object({ id: z.number() }).nullable().optional(),
  }),
);
/** GET /orgs/{org}/teams/{team_slug}/members and /repos/{owner}/{repo}/collaborators: users. */
const usersPage = z.array(
  z.object({
    id: z.number(),
    login: z.string(),
    role_name: z.string().optional(),
    permissions: z.record(z.string(), z.boolean()).optional(),
  }),
);
/** GET /orgs/{org}/teams/{team_slug}/repos: `minimal-repository` items with the team's permissions. */
const reposPage = z.array(
  z.object({
    id: z.number(),
    private: z.boolean(),
    role_name: z.string().optional(),
    permissions: z.record(z.string(), z.boolean()).optional(),
  }),
);

/** GitHub's role from `role_name`, else the strongest of `permissions` (read when neither says). */
function roleOf(x: { role_name?: string | undefined; permissions?: Record<string, boolean> | undefined }): string {
  if (x.role_name) return x.role_name;
  const p = x.permissions ?? {};
  return p.admin ? "admin" : p.maintain ? "maintain" : p.push ? "write" : p.triage ? "triage" : "read";
}

type Page<T> = { items: T[]; next?: string };

interface OrgTeam {
  githubId: number;
  slug: string;
  name: string;
  parentGithubId?: number;
}

export async function listOrgTeams(client: GitHubClient, org: string, next?: string): Promise<Page<OrgTeam>> {
  const res = await client.get(next ?? "/orgs/{org}/teams", { org, per_page: PER_PAGE }, teamsPage);
  if (res.notModified) return { items: [] };
  const items = res.data.map((t) => ({
    githubId: t.id,
    slug: t.slug,
    name: t.name,
    ...(t.parent && { parentGithubId: t.parent.id }),
  }));
  return { items, ...(res.next && { next: res.next }) };
}

export async function listTeamMembers(
  client: GitHubClient,
  org: string,
  teamSlug: string,
  next?: string,
): Promise<Page<{ githubUserId: number; login: string }>> {
  const res = await client.get(
    next ?? "/orgs/{org}/teams/{team_slug}/members",
    { org, team_slug: teamSlug, role: "all", per_page: PER_PAGE },
    usersPage,
  );
  if (res.notModified) return { items: [] };
  const items = res.data.map((u) => ({ githubUserId: u.id, login: u.login }));
  return { items, ...(res.next && { next: res.next }) };
}

export async function listTeamRepositories(
  client: GitHubClient,
  org: string,
  teamSlug: string,
  next?: string,
): Promise<Page<{ repoGithubId: number; private: boolean; permission: string }>> {
  const res = await client.get(
    next ?? "/orgs/{org}/teams/{team_slug}/repos",
    { org, team_slug: teamSlug, per_page: PER_PAGE },
    reposPage,
  );
  if (res.notModified) return { items: [] };
  const items = res.data.map((r) => ({ repoGithubId: r.id, private: r.private, permission: roleOf(r) }));
  return { items, ...(res.next && { next: res.next }) };
}

/** Direct collaborators only (`affiliation=direct`): outside collaborators and members granted one by one. */
export async function listDirectCollaborators(
  client: GitHubClient,
  owner: string,
  repo: string,
  next?: string,
): Promise<Page<{ githubUserId: number; login: string; permission: string }>> {
  const res = await client.get(
    next ?? "/repos/{owner}/{repo}/collaborators",
    { owner, repo, affiliation: "direct", per_page: PER_PAGE },
    usersPage,
  );
  if (res.notModified) return { items: [] };
  const items = res.data.map((u) => ({ githubUserId: u.id, login: u.login, permission: roleOf(u) }));
  return { items, ...(res.next && { next: res.next }) };
}
