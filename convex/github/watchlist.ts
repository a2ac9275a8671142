/**
 * GitHub's answers about an outside repository (the watchlist, seed 001), one request each, read with
 * the installation's token (public repositories' public endpoints answer any installation; the
 * requests count against its budget) and asked conditionally: a 304 costs nothing and says "unchanged".
 *
 * Usage: `const r = await watchedRepository(client, "facebook", "react", etag)`; `r.notModified` or
 * `r.data` with its `etag`.
 */
import { z } from "zod";
import type { GitHubClient } from "./client";
import { GitHubError } from "./errors";

type Answer<T> = { notModified: true } | { notModified: false; data: T; etag?: string; next?: string };

const PER_PAGE = 100;
const iso = z.string().transform((s, ctx) => {
  const at = Date.parse(s);
  if (Number.isNaN(at)) ctx.addIssue({ code: "custom", message: `not a date: ${s}` });
  return at;
});

const repository = z.object({
  id: z.number(),
  full_name: z.string(),
  private: z.boolean(),
  html_url: z.string(),
  description: z.string().nullable().optional(),
  stargazers_count: z.number(),
  forks_count: z.number(),
  archived: z.boolean(),
  default_branch: z.string(),
  open_issues_count: z.number(),
  created_at: iso,
  pushed_at: iso.nullable().optional(),
  license: z.object({ spdx_id: z.string().nullable().optional() }).nullable().optional(),
});

/** `GET /repos/{owner}/{repo}`: GitHub follows a rename or transfer (the answer carries the new name). */
export function watchedRepository(client: GitHubClient, owner: string, name: string, etag?: string) {
  return client.get("/repos/{owner}/{repo}", { owner, repo: name }, repository, { ...(etag && { etag }) });
}

const commit = z.object({
  sha: z.string(),
  commit: z.object({
    message: z.string(),
    committer: z.object({ date: iso }).nullable(),
    author: z.object({ date: iso, name: z.string().optional() }).nullable(),
  }),
  author: z.object({ login: z.string() }).nullable().optional(),
});
type WatchedCommit = { sha: string; committedAt: number; author?: string; title: string };

/** One page of the default branch's commits since `since`, newest first (`next` resumes). */
export async function watchedCommits(
  client: GitHubClient,
  owner: string,
  name: string,
  opts: { since: number; next?: string; etag?: string },
): Promise<Answer<WatchedCommit[]>> {
  const res = await client.get(
    opts.next ?? "/repos/{owner}/{repo}/commits",
    { owner, repo: name, since: new Date(opts.since).toISOString(), per_page: PER_PAGE },
    z.array(commit),
    { ...(opts.etag && { etag: opts.etag }) },
  );
  if (res.notModified) return res;
  const data = res.data.map((c) => ({
    sha: c.sha,
    committedAt: c.commit.committer?.date ?? c.commit.author?.date ?? 0,
    ...(c.author?.login && { author: c.author.login }),
    title: (c.commit.message.split("\n")[0] ?? "").slice(0, 200),
  }));
  return { ...res, data };
}

const release = z.object({
  tag_name: z.string(),
  name: z.string().nullable().optional(),
  html_url: z.string(),
  draft: z.boolean(),
  prerelease: z.boolean(),
  published_at: iso.nullable().optional(),
  created_at: iso,
  assets: z.array(z.object({ name: z.string() })),
});

/** The newest page of releases (100: the latest, how many, and the assets of the newest). */
export function watchedReleases(client: GitHubClient, owner: string, name: string, etag?: string) {
  return client.get("/repos/{owner}/{repo}/releases", { owner, repo: name, per_page: PER_PAGE }, z.array(release), {
    ...(etag && { etag }),
  });
}

/**
 * Open pull requests, counted from one item per page: the `last` page of GitHub's Link header is the
 * count (no Link: the page's length). Open issues are the repository's `open_issues_count` less these.
 */
export async function openPullCount(
  client: GitHubClient,
  owner: string,
  name: string,
  etag?: string,
): Promise<Answer<number>> {
  const res = await client.get(
    "/repos/{owner}/{repo}/pulls",
    { owner, repo: name, state: "open", per_page: 1 },
    z.array(z.object({ number: z.number() })),
    { ...(etag && { etag }) },
  );
  if (res.notModified) return res;
  const last = res.last ? Number(new URL(res.last).searchParams.get("page")) : NaN;
  const count = Number.isInteger(last) && last > 0 ? last : res.data.length;
  return { notModified: false, data: count, ...(res.etag && { etag: res.etag }) };
}

const content = z.object({ name: z.string(), path: z.string(), type: z.string() });

/** The names in a directory of the default branch (`""`: the root); a missing directory is empty. */
export async function directoryNames(
  client: GitHubClient,
  owner: string,
  name: string,
  dir: string,
  etag?: string,
): Promise<Answer<Array<{ name: string; type: string }>>> {
  try {
    const res = await client.get(
      dir ? "/repos/{owner}/{repo}/contents/{path}" : "/repos/{owner}/{repo}/contents/",
      { owner, repo: name, ...(dir && { path: dir }) },
      z.union([z.array(content), content.transform(() => [])]),
      { ...(etag && { etag }) },
    );
    if (res.notModified) return res;
    return { ...res, data: res.data.map((c) => ({ name: c.name, type: c.type })) };
  } catch (error) {
    if (error instanceof GitHubError && error.kind === "not_found") return { notModified: false, data: [] };
    throw error;
  }
}

const rule = z.object({
  type: z.string(),
  parameters: z.object({ required_approving_review_count: z.number().optional() }).passthrough().optional(),
});

/** The rules that apply to a branch (rulesets and branch protection, readable on public repositories). */
export async function branchRules(
  client: GitHubClient,
  owner: string,
  name: string,
  branch: string,
  etag?: string,
): Promise<Answer<{ rules: string[]; requiredReviews: number }>> {
  const res = await client.get(
    "/repos/{owner}/{repo}/rules/branches/{branch}",
    { owner, repo: name, branch, per_page: PER_PAGE },
    z.array(rule),
    { ...(etag && { etag }) },
  );
  if (res.notModified) return res;
  const reviews = res.data.map((r) => r.parameters?.required_approving_review_count ?? 0);
  return {
    ...res,
    data: { rules: [...new Set(res.data.map((r) => r.type))].sort(), requiredReviews: Math.max(0, ...reviews) },
  };
}
