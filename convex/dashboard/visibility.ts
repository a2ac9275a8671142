/**
 * Which rows a caller may see in an installation's lists: rows of repositories that are still part of
 * the installation (removed ones stay in the database, hidden, so re-adding restores their history)
 * and that the caller can read on GitHub (`repositoryAccess`: public ones, and the private ones granted
 * to them). Each repository is read once per query, so a page costs its own size plus the distinct
 * repositories on it, whatever the installation's size.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { canReadRepository, repositoryAccess, type RepositoryAccess } from "../access";

export class RepositoryVisibility {
  private readonly seen = new Map<Id<"repositories">, Promise<boolean>>();

  private constructor(
    private readonly ctx: Pick<QueryCtx, "db">,
    private readonly installationId: Id<"installations">,
    readonly access: RepositoryAccess,
  ) {}

  static async of(ctx: Pick<QueryCtx, "db" | "auth">, installation: Doc<"installations">) {
    return new RepositoryVisibility(ctx, installation._id, await repositoryAccess(ctx, installation));
  }

  /** The repository is the installation's, not removed, and readable by the caller. */
  visible(repositoryId: Id<"repositories">): Promise<boolean> {
    let answer = this.seen.get(repositoryId);
    if (!answer) {
      answer = this.ctx.db.get(repositoryId).then((repo) => repo !== null && this.visibleRepository(repo));
      this.seen.set(repositoryId, answer);
    }
    return answer;
  }

  visibleRepository(repo: Doc<"repositories">): boolean {
    return repo.installationId === this.installationId && !repo.removed && canReadRepository(this.access, repo);
  }
}
