/**
 * Which rows a caller may see in an installation's lists: rows of repositories that are still part of
 * the installation (removed ones stay in the database, hidden, so re-adding restores their history)
 * and that the caller can read on GitHub (`repositoryAccess`: public ones, and the private ones granted
 * to them). Removed repositories are few and loaded once (one index range); a caller with restricted
 * access also reads each repository on the page that is not granted to them once (to learn whether it
 * is public), so a page costs at most twice its size, whatever the installation's size.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { canReadRepository, repositoryAccess, type RepositoryAccess, type Viewer } from "../access";
import { ALL_SCOPE, PUBLIC_SCOPE } from "../model/contribution";

export class RepositoryVisibility {
  private readonly seen = new Map<Id<"repositories">, Promise<boolean>>();

  private constructor(
    private readonly ctx: Pick<QueryCtx, "db">,
    private readonly installationId: Id<"installations">,
    readonly access: RepositoryAccess,
    private readonly removed: ReadonlySet<string>,
  ) {}

  /** `viewer`: the caller, when already read (else read here). */
  static async of(ctx: Pick<QueryCtx, "db" | "auth">, installation: Doc<"installations">, viewer?: Viewer | null) {
    const [access, removed] = await Promise.all([
      repositoryAccess(ctx, installation, viewer),
      removedRepositories(ctx, installation._id),
    ]);
    return new RepositoryVisibility(ctx, installation._id, access, removed);
  }

  /**
   * A row of the installation's tables is visible: its repository is not removed and readable by the
   * caller. Only for rows read through this installation's indexes: a caller's argument goes to `named`.
   */
  visible(repositoryId: Id<"repositories">): Promise<boolean> | boolean {
    if (this.removed.has(repositoryId)) return false;
    if (this.access.kind === "all" || this.access.privateRepositoryIds.has(repositoryId)) return true;
    let answer = this.seen.get(repositoryId);
    if (!answer) {
      answer = this.ctx.db.get(repositoryId).then((repo) => repo !== null && this.visibleRepository(repo));
      this.seen.set(repositoryId, answer);
    }
    return answer;
  }

  /**
   * A repository the caller named (an argument, not a row read through this installation's index): its
   * document is read and checked whatever the caller's access, so another installation's id is refused.
   */
  async named(repositoryId: Id<"repositories">): Promise<boolean> {
    const repo = await this.ctx.db.get(repositoryId);
    return repo !== null && this.visibleRepository(repo);
  }

  visibleRepository(repo: Doc<"repositories">): boolean {
    return repo.installationId === this.installationId && !repo.removed && canReadRepository(this.access, repo);
  }
}

const MAX_REMOVED_REPOSITORIES = 1_000;

async function removedRepositories(ctx: Pick<QueryCtx, "db">, installationId: Id<"installations">) {
  const removed = await ctx.db
    .query("repositories")
    .withIndex("by_installation", (q) => q.eq("installationId", installationId).eq("removed", true))
    .take(MAX_REMOVED_REPOSITORIES);
  return new Set<string>(removed.map((r) => r._id));
}

/**
 * Whether the reader sees an alert: one about a repository if they may read it; a person's open
 * requests in their visibility group ("all" for those who read every repository, "public" for the
 * rest); the sync's health (installation-wide figures that any repository moves) only if they read
 * every repository — the installation's operators; the watchlist's news (public repositories outside
 * the installation) every member. Used by the bell, the Alerts page and the push notifications.
 */
export async function shownTo(visibility: RepositoryVisibility, alert: Doc<"alerts">): Promise<boolean> {
  if (alert.repositoryId !== undefined) return visibility.visible(alert.repositoryId);
  if (alert.kind === "watchlist") return true;
  const readsAll = visibility.access.kind === "all";
  return (alert.scope ?? ALL_SCOPE) === (readsAll ? ALL_SCOPE : PUBLIC_SCOPE);
}

/**
 * Whether an alert concerns a person ("mine" on the Alerts page, and their push notifications): about
 * them or a team of theirs (`keys`: their login and `team:<slug>`s), a pull request of theirs, or about
 * nobody in particular (the sync's health, the watchlist).
 */
export function concerns(
  alert: Pick<Doc<"alerts">, "reviewer" | "pullRequest">,
  reviewer: string | null,
  keys: ReadonlySet<string>,
  login: string,
): boolean {
  const pr = alert.pullRequest ?? null;
  return (
    (reviewer !== null && keys.has(reviewer)) ||
    (pr !== null && pr.authorLogin === login) ||
    (reviewer === null && pr === null)
  );
}
