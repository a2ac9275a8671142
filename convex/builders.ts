/**
 * The builders of every public function, so who may call it is decided before its handler runs:
 *
 * - `installationQuery` / `installationPaginatedQuery`: the caller sees the installation (access.ts);
 *   the handler gets it with the caller and what they may read (`visibility`). A caller who may not
 *   see it gets `hidden` (null, an empty page) — exactly what a missing installation gets.
 * - `installationMutation`: the same for a mutation, which fails with `not_found` instead; `admin: true`
 *   also requires an administrator (the account, the installer, the organisation's owners): `not_admin`.
 *   An installation named through another document (a repository, a delivery, a destination) is found
 *   by `installationOf`, and a document the caller may not see fails exactly like a missing one.
 * - `viewerQuery`: functions about the caller's own installations (no installation argument).
 *
 * Every public function is built here (tests/dashboard.test.ts checks each one's `access` mark), and
 * each error is `ConvexError({ code, message })` with the words of messages.ts.
 */
import type { RegisteredMutation, RegisteredQuery } from "convex/server";
import type { ObjectType, PropertyValidators } from "convex/values";
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import { canAdminister, canSee, currentViewer, type Viewer } from "./access";
import { RepositoryVisibility } from "./dashboard/visibility";
import { fail } from "./messages";
import { checkedPage, paginationArgs, type PaginationOptions } from "./pagination";

/** What an installation-scoped handler is given besides the database. */
export type InstallationScope = {
  viewer: Viewer;
  installation: Doc<"installations">;
  visibility: RepositoryVisibility;
};

/** How a builder marks the functions it makes (the enumeration test reads `access`; the type is unchanged). */
function mark<F extends object>(fn: F, access: "installation" | "viewer"): F {
  return Object.assign(fn, { access });
}

async function scopeOf(
  ctx: QueryCtx | MutationCtx,
  installationId: Id<"installations">,
): Promise<InstallationScope | null> {
  // The caller is read once here and handed on: access checks below reuse it.
  const [viewer, installation] = await Promise.all([currentViewer(ctx), ctx.db.get(installationId)]);
  if (!viewer || !installation || !canSee(viewer, installation)) return null;
  return { viewer, installation, visibility: await RepositoryVisibility.of(ctx, installation, viewer) };
}

type InstallationArgs<A extends PropertyValidators> = ObjectType<A> & { installationId: Id<"installations"> };

export function installationQuery<A extends PropertyValidators, Result, Hidden>(def: {
  args: A;
  /** The answer to a caller who may not see the installation (as to a missing one). */
  hidden: Hidden;
  handler: (ctx: QueryCtx & InstallationScope, args: InstallationArgs<A>) => Promise<Result>;
}) {
  const fn = query({
    args: { ...def.args, installationId: v.id("installations") } as PropertyValidators,
    handler: async (ctx, raw) => {
      const args = raw as InstallationArgs<A>;
      const scope = await scopeOf(ctx, args.installationId);
      if (!scope) return def.hidden;
      return def.handler({ ...ctx, ...scope }, args);
    },
  });
  return mark(
    fn as unknown as RegisteredQuery<"public", InstallationArgs<A>, Promise<Result | Hidden>>,
    "installation",
  );
}

const emptyPage = { page: [] as never[], isDone: true, continueCursor: "" };

/**
 * A paginated installation query: its page size checked first (pagination.ts), an empty page for a
 * caller who may not see the installation.
 */
export function installationPaginatedQuery<A extends PropertyValidators, Result>(def: {
  args: A;
  handler: (
    ctx: QueryCtx & InstallationScope,
    args: InstallationArgs<A> & { paginationOpts: PaginationOptions },
  ) => Promise<Result>;
}) {
  type Args = InstallationArgs<A> & { paginationOpts: PaginationOptions };
  const fn = query({
    args: { ...def.args, ...paginationArgs, installationId: v.id("installations") } as PropertyValidators,
    handler: async (ctx, raw) => {
      const args = raw as Args;
      checkedPage(args.paginationOpts);
      const scope = await scopeOf(ctx, args.installationId);
      if (!scope) return emptyPage;
      return def.handler({ ...ctx, ...scope }, args);
    },
  });
  return mark(fn as unknown as RegisteredQuery<"public", Args, Promise<Result | typeof emptyPage>>, "installation");
}

export function installationMutation<A extends PropertyValidators, Result>(def: {
  args: A;
  /** Administrators only (the account, the installer, the organisation's owners). */
  admin?: boolean;
  /**
   * The installation a call is about, when it is named through another document (null: that document
   * is missing or not the caller's to see, which fails as `notFound`); absent: an `installationId` argument.
   */
  installationOf?: (ctx: MutationCtx, args: ObjectType<A>) => Promise<Id<"installations"> | null>;
  notFound?: Parameters<typeof fail>[0];
  /** Whether the caller may read that document (else it fails as `notFound`, before any other check). */
  readable?: (ctx: MutationCtx & InstallationScope, args: ObjectType<A>) => Promise<boolean>;
  handler: (ctx: MutationCtx & InstallationScope, args: ObjectType<A>) => Promise<Result>;
}) {
  const notFound = def.notFound ?? "installation_not_found";
  const args = def.installationOf ? def.args : { ...def.args, installationId: v.id("installations") };
  type Args = ObjectType<A> & { installationId?: Id<"installations"> };
  const fn = mutation({
    args: args as PropertyValidators,
    handler: async (ctx, raw) => {
      const a = raw as Args;
      const installationId = def.installationOf ? await def.installationOf(ctx, a) : a.installationId!;
      const scope = installationId && (await scopeOf(ctx, installationId));
      if (!scope) fail(notFound);
      if (def.readable && !(await def.readable({ ...ctx, ...scope }, a))) fail(notFound);
      if (def.admin && !(await canAdminister(ctx, scope.installation, scope.viewer))) fail("not_admin");
      return def.handler({ ...ctx, ...scope }, a);
    },
  });
  return mark(fn as unknown as RegisteredMutation<"public", Args, Promise<Result>>, "installation");
}

/** A query about the caller's own installations (the picker, the organisations overview). */
export function viewerQuery<A extends PropertyValidators, Result>(def: {
  args: A;
  handler: (ctx: QueryCtx & { viewer: Viewer | null }, args: ObjectType<A>) => Promise<Result>;
}) {
  const fn = query({
    args: def.args as PropertyValidators,
    handler: async (ctx, raw) => def.handler({ ...ctx, viewer: await currentViewer(ctx) }, raw as ObjectType<A>),
  });
  return mark(fn as unknown as RegisteredQuery<"public", ObjectType<A>, Promise<Result>>, "viewer");
}
