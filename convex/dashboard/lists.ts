/**
 * Paginated lists. Each filter combination is served by an index, so a page reads about its own
 * size (plus the rows of hidden repositories it skips), whatever the installation's size. Rows of
 * removed repositories, and of private ones the caller cannot read on GitHub, are skipped while the
 * page is read (convex-helpers' stream `filterWith`), not dropped after it, so a page holds `numItems`
 * rows whenever that many visible rows exist within its read bound.
 */
import type { PaginationOptions, PaginationResult } from "convex/server";
import { mergedStream, stream } from "convex-helpers/server/stream";
import { v, type ObjectType } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { installationPaginatedQuery, type InstallationScope } from "../builders";
import type { RepositoryAccess } from "../access";
import { activityType, health } from "../model/tables";
import schema from "../schema";
import { DAY_MS } from "../model/contribution";
import { installationSettings } from "../model/settings";
import { validateToday, windowEnd } from "./trends";
import { RepositoryVisibility } from "./visibility";

const empty = <T>(): PaginationResult<T> => ({ page: [], isDone: true, continueCursor: "" });

/** A page bound: a page reads at most this many rows, however many hidden rows it has to skip. */
const MAX_ROWS_READ_PER_PAGE = 2_000;

/**
 * One page of `rows` without those of repositories the caller may not see (removed, or private and
 * not granted to them), filled to `numItems` when possible.
 */
async function visiblePage<T extends { repositoryId: Id<"repositories"> }>(
  rows: {
    filterWith(p: (doc: T) => Promise<boolean>): {
      paginate(o: PaginationOptions & { maximumRowsRead?: number }): Promise<PaginationResult<T>>;
    };
  },
  visibility: RepositoryVisibility,
  paginationOpts: PaginationOptions,
): Promise<PaginationResult<T>> {
  return rows
    .filterWith(async (row) => visibility.visible(row.repositoryId))
    .paginate({ ...paginationOpts, maximumRowsRead: MAX_ROWS_READ_PER_PAGE });
}

export const repositories = installationPaginatedQuery({
  args: {},
  handler: async (ctx, { installationId, paginationOpts }) => {
    const { visibility } = ctx;
    const result = await stream(ctx.db, schema)
      .query("repositories")
      .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", false))
      .filterWith(async (r) => visibility.visibleRepository(r))
      .paginate({ ...paginationOpts, maximumRowsRead: MAX_ROWS_READ_PER_PAGE });
    // One more read per row: the repository's latest health score, with its trend (metrics/repositoryHealth.ts).
    const healthOf = await Promise.all(
      result.page.map((r) =>
        ctx.db
          .query("repositoryHealth")
          .withIndex("by_repository_day", (q) => q.eq("repositoryId", r._id))
          .order("desc")
          .first(),
      ),
    );
    return {
      ...result,
      page: result.page.map((r, i) => ({
        id: r._id,
        health: repositoryHealthRow(healthOf[i] ?? null),
        fullName: r.fullName,
        url: r.htmlUrl,
        private: r.private,
        archived: r.archived,
        openPullRequests: r.stats.openPrs,
        openPullRequestsByHealth: { green: r.stats.green, yellow: r.stats.yellow, red: r.stats.red },
        openIssues: r.stats.openIssues,
        syncStatus: r.syncStatus,
        syncError: r.syncError ?? null,
      })),
    };
  },
});

/** What the Repositories page shows of a health document: the score, its grade and reasons, the trend. */
function repositoryHealthRow(doc: Doc<"repositoryHealth"> | null) {
  if (!doc) return null;
  return {
    day: doc.day,
    score: doc.score,
    grade: doc.grade,
    reasons: doc.reasons.map((r) => r.text),
    trend: [...doc.trend.map((t) => t.score), doc.score],
  };
}

const prState = v.union(v.literal("open"), v.literal("closed"), v.literal("merged"));

const pullRequestArgs = {
  repositoryId: v.optional(v.id("repositories")),
  /** Default: open. */
  state: v.optional(v.union(prState, v.literal("all"))),
  /** Only with state open (closed PRs are not rated). */
  health: v.optional(health),
  author: v.optional(v.string()),
  /**
   * Open PRs waiting on this reviewer (a login, or `team:<slug>`): their queue, the longest-waiting
   * request first (the other orders do not apply).
   */
  reviewer: v.optional(v.string()),
  /** A repository by its full name (`owner/name`), as the list's URL carries it; or `repositoryId`. */
  repository: v.optional(v.string()),
  /** PRs authored by a member of this team (its slug; at most 200 members are read). */
  team: v.optional(v.string()),
  /**
   * "updated" (default): last updated first; "age": oldest first; "waiting": waiting longest first (open
   * PRs that wait on someone — the whose-turn `waitingSince`); "size": most changed lines first (PRs whose
   * size GitHub has not said come last).
   */
  sort: v.optional(v.union(v.literal("updated"), v.literal("age"), v.literal("waiting"), v.literal("size"))),
  /** The client's UTC day: open PRs waiting longer than the installation's stale threshold are flagged. */
  today: v.optional(v.number()),
};

export const pullRequests = installationPaginatedQuery({
  args: pullRequestArgs,
  handler: (ctx, args) => pullRequestsPage(ctx, args),
});

/** A page of the pull requests the caller may read (also a saved report's weekly summary, reports/weekly.ts). */
export async function pullRequestsPage(
  ctx: QueryCtx & InstallationScope,
  args: ObjectType<typeof pullRequestArgs> & { installationId: Id<"installations">; paginationOpts: PaginationOptions },
) {
  const { installationId, paginationOpts, author, health } = args;
  validateToday(args.today);
  const { visibility } = ctx;
  const sort = args.sort ?? "updated";
  const state = health || sort === "waiting" ? "open" : (args.state ?? "open");
  const repositoryId = args.repository
    ? (await repositoryNamed(ctx, installationId, args.repository))?._id
    : args.repositoryId;
  if (args.repository && !repositoryId) return empty<never>();
  if (repositoryId && !(await visibility.named(repositoryId))) return empty<never>();
  const scope = repositoryId ? { repositoryId } : { installationId };
  const members = args.team === undefined ? null : await teamLogins(ctx, args.team);
  if (members && members.size === 0) return empty<never>();
  const matches = (pr: Doc<"pullRequests">) =>
    (author === undefined || pr.authorLogin === author) &&
    (members === null || members.has(pr.authorLogin)) &&
    (!health || pr.health === health) &&
    (!repositoryId || pr.repositoryId === repositoryId);
  const q = args.reviewer
    ? reviewerQueue(ctx, installationId, args.reviewer).filterWith(async (pr) => matches(pr))
    : sort === "updated" && members && author === undefined
      ? // A team's PRs by last update: one index range per member, merged in order.
        mergedStream(
          [...members].map((login) =>
            pullRequestsInOrder(ctx.db, scope, { state, health, author: login }).order("desc"),
          ),
          ["updatedAt", "_creationTime"],
        )
      : sort === "updated"
        ? // The index holds every filter but a team's (with an author too: is the author in it?).
          pullRequestsInOrder(ctx.db, scope, { state, health, author })
            .order("desc")
            .filterWith(async (pr) => members === null || members.has(pr.authorLogin))
        : pullRequestsSorted(ctx.db, scope, sort, state).filterWith(async (pr) => matches(pr));
  const [result, staleBefore] = await Promise.all([
    visiblePage(q, visibility, paginationOpts),
    staleBoundary(ctx, installationId, visibility.access, args.today),
  ]);
  return { ...result, page: result.page.map((pr) => pullRequestRow(pr, staleBefore)) };
}

/**
 * Every filter combination has its own index, named after its fields: `<scope>[_author][_state]
 * [_health]_updated`. The name and its equalities are built together, so a page reads its own size
 * and never scans what a filter drops (a name that did not exist would fail every list test).
 */
function pullRequestsInOrder(
  db: QueryCtx["db"],
  scope: { repositoryId: Id<"repositories"> } | { installationId: Id<"installations"> },
  f: {
    state: "open" | "closed" | "merged" | "all";
    health?: "green" | "yellow" | "red" | undefined;
    author?: string | undefined;
  },
) {
  type Eq = [field: string, value: string];
  const [name, scopeEq]: [string, Eq] =
    "repositoryId" in scope
      ? ["by_repo", ["repositoryId", scope.repositoryId]]
      : ["by_installation", ["installationId", scope.installationId]];
  const parts = [name];
  const eqs: Eq[] = [scopeEq];
  const narrow = (part: string, eq: Eq) => {
    parts.push(part);
    eqs.push(eq);
  };
  if (f.author !== undefined) narrow("author", ["authorLogin", f.author]);
  if (f.state !== "all") narrow("state", ["state", f.state]);
  if (f.health) narrow("health", ["health", f.health]); // the caller sets state "open" with a health
  parts.push("updated");
  type Eqable = { eq(field: string, value: string): Eqable };
  return stream(db, schema)
    .query("pullRequests")
    .withIndex(
      parts.join("_") as "by_installation_updated",
      (i) => eqs.reduce((q, [field, value]) => q.eq(field, value), i as unknown as Eqable) as never,
    );
}

/** A repository of the installation by its full name (case as GitHub spells it), removed ones excluded. */
function repositoryNamed(ctx: QueryCtx, installationId: Id<"installations">, fullName: string) {
  return ctx.db
    .query("repositories")
    .withIndex("by_installation", (q) =>
      q.eq("installationId", installationId).eq("removed", false).eq("fullName", fullName),
    )
    .first();
}

/** The logins of a team's members (of the installation's organisation), at most 200. */
async function teamLogins(ctx: QueryCtx & { installation: Doc<"installations"> }, slug: string) {
  const accountId = ctx.installation.accountId;
  const team = await ctx.db
    .query("teams")
    .withIndex("by_account_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .first();
  if (!team) return new Set<string>();
  const members = await ctx.db
    .query("teamMembers")
    .withIndex("by_team_user", (q) => q.eq("accountId", accountId).eq("teamGithubId", team.githubId))
    .take(200);
  return new Set(members.map((m) => m.login));
}

/** A reviewer's queue: the open PRs with an outstanding request to them, the oldest request first. */
function reviewerQueue(ctx: QueryCtx, installationId: Id<"installations">, reviewer: string) {
  return stream(ctx.db, schema)
    .query("reviewRequests")
    .withIndex("by_installation_reviewer", (q) => q.eq("installationId", installationId).eq("reviewer", reviewer))
    .map(async (r) => {
      const pr = await ctx.db.get(r.pullRequestId);
      return pr?.state === "open" ? pr : null;
    });
}

/**
 * The list by age (oldest first) or by waiting (waiting longest first; only PRs that wait on someone):
 * the scope and state are the index's equalities, author and health are filtered while reading (a page
 * reads at most `MAX_ROWS_READ_PER_PAGE`, and says when there is more).
 */
function pullRequestsSorted(
  db: QueryCtx["db"],
  scope: { repositoryId: Id<"repositories"> } | { installationId: Id<"installations"> },
  sort: "age" | "waiting" | "size",
  state: "open" | "closed" | "merged" | "all",
) {
  const prs = stream(db, schema).query("pullRequests");
  if (sort === "size") {
    const bySize = (s: "open" | "closed" | "merged") =>
      ("repositoryId" in scope
        ? prs.withIndex("by_repo_state_size", (i) => i.eq("repositoryId", scope.repositoryId).eq("state", s))
        : prs.withIndex("by_installation_state_size", (i) =>
            i.eq("installationId", scope.installationId).eq("state", s),
          )
      ).order("desc");
    // Every state: the three states' ranges merged by size.
    return state === "all"
      ? mergedStream((["open", "closed", "merged"] as const).map(bySize), ["changedLines", "_creationTime"])
      : bySize(state);
  }
  if (sort === "waiting") {
    return "repositoryId" in scope
      ? prs.withIndex("by_repo_state_waiting", (i) =>
          i.eq("repositoryId", scope.repositoryId).eq("state", "open").gte("waitingSince", 0),
        )
      : prs.withIndex("by_installation_state_waiting", (i) =>
          i.eq("installationId", scope.installationId).eq("state", "open").gte("waitingSince", 0),
        );
  }
  if ("repositoryId" in scope) {
    return state === "all"
      ? prs.withIndex("by_repo_created", (i) => i.eq("repositoryId", scope.repositoryId))
      : prs.withIndex("by_repo_state_created", (i) => i.eq("repositoryId", scope.repositoryId).eq("state", state));
  }
  return state === "all"
    ? prs.withIndex("by_installation_created", (i) => i.eq("installationId", scope.installationId))
    : prs.withIndex("by_installation_state_created", (i) =>
        i.eq("installationId", scope.installationId).eq("state", state),
      );
}

/** A row's repository name from its URL, not a read per row (after a rename, the old name until it changes). */
export const repositoryFromUrl = (url: string) => new URL(url).pathname.split("/").slice(1, 3).join("/");

/**
 * Waiting since before this instant = stale (the installation's threshold, counted back from the window's
 * end: the caller's `today`, else the newest day of activity they can see).
 */
export async function staleBoundary(
  ctx: QueryCtx,
  installationId: Id<"installations">,
  access: RepositoryAccess,
  today: number | undefined,
): Promise<number> {
  const [end, { staleAfterDays }] = await Promise.all([
    windowEnd(ctx, installationId, access, today),
    installationSettings(ctx, installationId),
  ]);
  return end === null ? -Infinity : (end + 1 - staleAfterDays) * DAY_MS;
}

function pullRequestRow(pr: Doc<"pullRequests">, staleBefore: number) {
  return {
    id: pr._id,
    repository: repositoryFromUrl(pr.url),
    repositoryId: pr.repositoryId,
    number: pr.number,
    title: pr.title,
    author: pr.authorLogin,
    url: pr.url,
    createdAt: pr.createdAt,
    /** The diff's size, when GitHub said (lines added and deleted). */
    additions: pr.additions ?? null,
    deletions: pr.deletions ?? null,
    state: pr.state,
    draft: pr.draft,
    updatedAt: pr.updatedAt,
    health: pr.health,
    healthReasons: pr.healthReasons,
    failingChecks: pr.failingChecks,
    checks: pr.checks,
    review: pr.review,
    // Whose turn (open PRs): who must act and since when, and whether that is longer than the agreement.
    ...(pr.turn !== undefined && {
      turn: pr.turn,
      waitingOn: pr.waitingOn ?? [],
      stale: (pr.waitingSince ?? pr.updatedAt) < staleBefore,
      ...(pr.waitingSince !== undefined && { waitingSince: pr.waitingSince }),
      ...(pr.turnReason !== undefined && { turnReason: pr.turnReason }),
    }),
  };
}

export const activity = installationPaginatedQuery({
  args: {
    repositoryId: v.optional(v.id("repositories")),
    /** A repository by its full name (the feed's URL form); or `repositoryId`. */
    repository: v.optional(v.string()),
    actor: v.optional(v.string()),
    /** One kind of event (filtered while reading). */
    type: v.optional(activityType),
  },
  handler: async (ctx, args) => {
    const { installationId, paginationOpts, actor, type } = args;
    const { visibility } = ctx;
    const repositoryId = args.repository
      ? (await repositoryNamed(ctx, installationId, args.repository))?._id
      : args.repositoryId;
    if (args.repository && !repositoryId) return empty<never>();
    const events = stream(ctx.db, schema).query("activityEvents");
    let q;
    if (repositoryId) {
      if (!(await visibility.named(repositoryId))) return empty<never>();
      q = actor
        ? events.withIndex("by_repo_actor_time", (i) => i.eq("repositoryId", repositoryId).eq("actorLogin", actor))
        : events.withIndex("by_repo_time", (i) => i.eq("repositoryId", repositoryId));
    } else if (actor) {
      q = events.withIndex("by_installation_actor_time", (i) =>
        i.eq("installationId", installationId).eq("actorLogin", actor),
      );
    } else {
      q = events.withIndex("by_installation_time", (i) => i.eq("installationId", installationId));
    }
    const ordered = q.order("desc");
    const result = await visiblePage(
      type ? ordered.filterWith(async (e) => e.type === type) : ordered,
      visibility,
      paginationOpts,
    );
    return {
      ...result,
      page: result.page.map((e) => ({
        id: e._id,
        type: e.type,
        actor: e.actorLogin,
        occurredAt: e.occurredAt,
        url: e.url,
        title: e.title ?? null,
        verdict: e.verdict ?? null,
        repositoryId: e.repositoryId,
        repository: repositoryFromUrl(e.url),
      })),
    };
  },
});
