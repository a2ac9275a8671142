/**
 * An installation's settings: what its team agreed on (the stale threshold and the working agreements). One small document
 * per installation, written only when an administrator changes it, so the queries that read it (the
 * inbox) are not re-run by sync traffic.
 */
import { fail } from "../messages";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

const DEFAULT_STALE_AFTER_DAYS = 7;
const MAX_STALE_AFTER_DAYS = 365;

/** Working agreements (issue 15): a breach of one opens an alert (convex/alerts/). */
export type Agreements = {
  /** Review request → first review, hours. */
  pickupHours: number;
  /** A PR open this many days. */
  openDays: number;
  /** Changed lines (additions + deletions) of a PR. */
  maxChangedLines: number;
  /** Open review requests per person (a login or a team). */
  maxOpenRequests: number;
};
const DEFAULT_AGREEMENTS: Agreements = {
  pickupHours: 24,
  openDays: 14,
  maxChangedLines: 500,
  maxOpenRequests: 5,
};
const AGREEMENT_LIMITS: Record<keyof Agreements, { max: number; words: string }> = {
  pickupHours: { max: 24 * 90, words: "The pickup time must be a whole number of hours" },
  openDays: { max: 365, words: "The open-days limit must be a whole number of days" },
  maxChangedLines: { max: 1_000_000, words: "The PR size limit must be a whole number of lines" },
  maxOpenRequests: { max: 1_000, words: "The open review requests limit must be a whole number" },
};

/** `a` as given when every agreement is a whole number in 1..its maximum; a ConvexError otherwise. */
export function validAgreements(a: Agreements): Agreements {
  for (const key of Object.keys(AGREEMENT_LIMITS) as Array<keyof Agreements>) {
    const { max, words } = AGREEMENT_LIMITS[key];
    const n = a[key];
    if (!Number.isInteger(n) || n < 1 || n > max) fail("invalid_agreement", words, max);
  }
  return {
    pickupHours: a.pickupHours,
    openDays: a.openDays,
    maxChangedLines: a.maxChangedLines,
    maxOpenRequests: a.maxOpenRequests,
  };
}

type Settings = {
  staleAfterDays: number;
  agreements: Agreements;
  updatedAt: number | null;
  updatedByLogin: string | null;
};

/** The installation's working agreements (the defaults where none were saved). */
export async function installationAgreements(
  ctx: Pick<QueryCtx, "db">,
  installationId: Id<"installations">,
): Promise<Agreements> {
  return agreementsOf(await settingsDoc(ctx, installationId));
}

function agreementsOf(doc: Doc<"installationSettings"> | null): Agreements {
  return {
    pickupHours: doc?.pickupHours ?? DEFAULT_AGREEMENTS.pickupHours,
    openDays: doc?.openDays ?? DEFAULT_AGREEMENTS.openDays,
    maxChangedLines: doc?.maxChangedLines ?? DEFAULT_AGREEMENTS.maxChangedLines,
    maxOpenRequests: doc?.maxOpenRequests ?? DEFAULT_AGREEMENTS.maxOpenRequests,
  };
}

function settingsDoc(ctx: Pick<QueryCtx, "db">, installationId: Id<"installations">) {
  return ctx.db
    .query("installationSettings")
    .withIndex("by_installation", (q) => q.eq("installationId", installationId))
    .unique();
}

export async function installationSettings(
  ctx: Pick<QueryCtx, "db">,
  installationId: Id<"installations">,
): Promise<Settings> {
  const doc = await settingsDoc(ctx, installationId);
  return {
    staleAfterDays: doc?.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS,
    agreements: agreementsOf(doc),
    updatedAt: doc?.updatedAt ?? null,
    updatedByLogin: doc?.updatedByLogin ?? null,
  };
}

/** `days` as given when it is a whole number of days in 1..365; a ConvexError otherwise. */
function validStaleAfterDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_STALE_AFTER_DAYS)
    fail("invalid_stale_threshold", MAX_STALE_AFTER_DAYS);
  return days;
}

export async function updateSettings(
  ctx: MutationCtx,
  installation: Doc<"installations">,
  change: { staleAfterDays: number; agreements?: Agreements },
  by: { login: string },
): Promise<void> {
  const fields = {
    staleAfterDays: validStaleAfterDays(change.staleAfterDays),
    ...(change.agreements && validAgreements(change.agreements)),
    updatedAt: Date.now(),
    updatedByLogin: by.login,
  };
  const doc = await settingsDoc(ctx, installation._id);
  if (doc) await ctx.db.patch(doc._id, fields);
  else await ctx.db.insert("installationSettings", { installationId: installation._id, ...fields });
}

/** A repository's deployment workflow choice (DORA's fallback): a workflow's name or file name, or null. */
function validDeploymentWorkflow(workflow: string | null): string | null {
  if (workflow === null) return null;
  const w = workflow.trim();
  if (w.length === 0) return null;
  if (w.length > 200 || /[\u0000-\u001f]/.test(w)) fail("invalid_workflow");
  return w;
}

/**
 * Record a repository's deployment source (who chose it, when); returns whether it changed. The caller
 * makes the stored deployments and the next sync follow (model/deploymentJobs.ts `scheduleReclassify`).
 */
export async function updateDeploymentWorkflow(
  ctx: MutationCtx,
  repo: Doc<"repositories">,
  workflow: string | null,
  by: { login: string },
): Promise<boolean> {
  const deploymentWorkflow = validDeploymentWorkflow(workflow) ?? undefined;
  const doc = await ctx.db
    .query("repositorySettings")
    .withIndex("by_repository", (q) => q.eq("repositoryId", repo._id))
    .unique();
  if (doc?.deploymentWorkflow === deploymentWorkflow) return false;
  const fields = { deploymentWorkflow, updatedAt: Date.now(), updatedByLogin: by.login };
  if (doc) await ctx.db.patch(doc._id, fields);
  else
    await ctx.db.insert("repositorySettings", {
      installationId: repo.installationId,
      repositoryId: repo._id,
      ...fields,
    });
  return true;
}
