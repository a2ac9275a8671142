/**
 * Who may see what. Every public function resolves the installation through here; one the caller
 * may not see is reported exactly like one that does not exist.
 */
import type { Doc, Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";

/** The installation if the caller may see it, else null (not signed in, unknown, deleted, or not theirs). */
export async function viewableInstallation(
  ctx: Pick<QueryCtx, "auth" | "db">,
  installationId: Id<"installations">,
): Promise<Doc<"installations"> | null> {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) return null;
  const installation = await ctx.db.get(installationId);
  if (!installation || installation.status === "deleted") return null;
  return installation;
}
