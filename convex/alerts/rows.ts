/**
 * The Alerts page: the open breaches grouped into one row per pull request (or person, or the sync,
 * or a watchlist entry), each row listing its breaches — so a PR waiting on five reviewers is one thing
 * to act on, not five.
 *
 * "Mine" (the default) keeps the rows that concern the caller: their own PRs, breaches about them or a
 * team of theirs, the sync's health for those who see it, and the watchlist's news (every member's). Filters: agreement (kind), repository,
 * team. Reads at most `MAX_OPEN` open alerts (newest first); `truncated` says when there were more.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { viewerReviewerKeys } from "../access";
import { installationQuery } from "../builders";
import { concerns, shownTo } from "../dashboard/visibility";
import { readUpTo } from "./bell";
import { reviewerOfSubject } from "./evaluate";
import { alertKind } from "./tables";

const MAX_OPEN = 1_000;
/** Teams named in one answer (the filter's choices and reviewers shown by name). */
const MAX_TEAM_MEMBERS = 500;

type AlertPullRequest = NonNullable<Doc<"alerts">["pullRequest"]>;
type Breach = { kind: Doc<"alerts">["kind"]; who: string | null; message: string; openedAt: number; unread: boolean };
type Row = {
  key: string;
  about: "pullRequest" | "person" | "installation" | "watchlist";
  title: string;
  url: string | null;
  repository: string | null;
  number: number | null;
  author: string | null;
  breaches: Breach[];
  newestOpenedAt: number;
  unread: boolean;
};

/** The person or team a breach is about, by its reviewer key (`login` or `team:<slug>`), if any. */
function reviewerOf(alert: Doc<"alerts">): string | null {
  if (alert.reviewer !== undefined) return alert.reviewer;
  // Alerts opened before `reviewer` was stored: from the subject.
  if (alert.kind === "pickup") return alert.subject.split(":").slice(2).join(":") || null;
  if (alert.kind === "open_requests") return reviewerOfSubject(alert.subject);
  return null;
}

async function teamBySlug(ctx: QueryCtx, accountId: number, slug: string) {
  return ctx.db
    .query("teams")
    .withIndex("by_account_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .first();
}

/** The reviewer keys and authors a team filter matches: the team itself and its members. */
async function teamKeys(ctx: QueryCtx, accountId: number, slug: string) {
  const team = await teamBySlug(ctx, accountId, slug);
  if (!team) return { keys: new Set<string>(), authors: new Set<string>() };
  const members = await ctx.db
    .query("teamMembers")
    .withIndex("by_team_user", (q) => q.eq("accountId", accountId).eq("teamGithubId", team.githubId))
    .take(MAX_TEAM_MEMBERS);
  const logins = members.map((m) => m.login);
  return { keys: new Set([`team:${slug}`, ...logins]), authors: new Set(logins) };
}

export const open = installationQuery({
  args: {
    everyone: v.optional(v.boolean()),
    kind: v.optional(alertKind),
    repository: v.optional(v.string()),
    team: v.optional(v.string()),
  },
  hidden: null,
  handler: async (ctx, { installationId, everyone, kind, repository, team }) => {
    const { viewer, installation, visibility } = ctx;
    const { upTo } = await readUpTo(ctx, viewer.userId, installationId);
    const alerts = await ctx.db
      .query("alerts")
      .withIndex("by_installation_resolved_opened", (q) =>
        q.eq("installationId", installationId).eq("resolvedAt", undefined),
      )
      .order("desc")
      .take(MAX_OPEN + 1);
    const truncated = alerts.length > MAX_OPEN;
    const mine = new Set(await viewerReviewerKeys(ctx, installation, viewer));
    const teamsSeen = new Set<string>();
    for (const key of mine) if (key.startsWith("team:")) teamsSeen.add(key.slice("team:".length));
    const teamFilter = team ? await teamKeys(ctx, installation.accountId, team) : null;

    // The PR as the alert stored it; alerts opened before it was stored read the PR (once each).
    const prs = new Map<Id<"pullRequests">, Promise<AlertPullRequest | null>>();
    const prOf = (alert: Doc<"alerts">): Promise<AlertPullRequest | null> => {
      const id = alert.pullRequestId;
      if (id === undefined) return Promise.resolve(null);
      if (alert.pullRequest) return Promise.resolve(alert.pullRequest);
      if (!prs.has(id))
        prs.set(
          id,
          ctx.db.get(id).then((pr) => pr && { number: pr.number, title: pr.title, authorLogin: pr.authorLogin }),
        );
      return prs.get(id)!;
    };
    const repos = new Map<Id<"repositories">, Promise<Doc<"repositories"> | null>>();
    const repoOf = (id: Id<"repositories">) => {
      if (!repos.has(id)) repos.set(id, ctx.db.get(id));
      return repos.get(id)!;
    };
    const teamNames = new Map<string, Promise<string>>();
    const nameOf = (key: string) => {
      if (!key.startsWith("team:")) return Promise.resolve(key);
      const slug = key.slice("team:".length);
      if (!teamNames.has(key))
        teamNames.set(
          key,
          teamBySlug(ctx, installation.accountId, slug).then((t) => (t ? `${t.name} team` : `${slug} team`)),
        );
      return teamNames.get(key)!;
    };

    const rows = new Map<string, Row>();
    const repositories = new Set<string>();
    for (const alert of alerts.slice(0, MAX_OPEN)) {
      if (!(await shownTo(visibility, alert))) continue;
      const pr = await prOf(alert);
      const repo = alert.repositoryId ? await repoOf(alert.repositoryId) : null;
      const reviewer = reviewerOf(alert);
      if (repo) repositories.add(repo.fullName);
      if (reviewer?.startsWith("team:")) teamsSeen.add(reviewer.slice("team:".length));
      const concernsMe = concerns({ ...alert, ...(pr && { pullRequest: pr }) }, reviewer, mine, viewer.login);
      if (!everyone && !concernsMe) continue;
      if (kind && alert.kind !== kind) continue;
      if (repository && repo?.fullName !== repository) continue;
      if (
        teamFilter &&
        !((reviewer !== null && teamFilter.keys.has(reviewer)) || (pr && teamFilter.authors.has(pr.authorLogin)))
      )
        continue;
      // A watchlist entry's news is one row per followed repository.
      const watched = alert.kind === "watchlist" ? (alert.watchRepository ?? "Watchlist") : null;
      const key = pr
        ? alert.pullRequestId!
        : reviewer !== null
          ? `person:${reviewer}`
          : watched !== null
            ? `watch:${alert.watchEntryId}`
            : `installation:${alert.kind}`;
      const who = reviewer === null ? null : await nameOf(reviewer);
      const row =
        rows.get(key) ??
        ({
          key,
          about: pr ? "pullRequest" : reviewer !== null ? "person" : watched !== null ? "watchlist" : "installation",
          title: pr ? pr.title : (who ?? watched ?? "Sync health"),
          url: alert.url ?? null,
          repository: repo?.fullName ?? null,
          number: pr?.number ?? null,
          author: pr?.authorLogin ?? null,
          breaches: [],
          newestOpenedAt: alert.openedAt,
          unread: false,
        } satisfies Row);
      const unread = alert.openedAt > upTo;
      row.breaches.push({ kind: alert.kind, who, message: alert.message, openedAt: alert.openedAt, unread });
      row.unread ||= unread;
      rows.set(key, row);
    }
    const teams = await Promise.all(
      [...teamsSeen].sort().map(async (slug) => ({ slug, name: await nameOf(`team:${slug}`) })),
    );
    return {
      rows: [...rows.values()],
      unread: [...rows.values()].filter((r) => r.unread).length,
      truncated,
      repositories: [...repositories].sort(),
      teams,
    };
  },
});
