/**
 * The people stage's transaction (convex/sync/people.ts): one listed page recorded and the stage's
 * cursor moved on, atomically and only under the job's lease, like every page of the sync. Where
 * the stage goes next is decided here, from the database: the next team, the next private repository.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { internalMutation } from "../functions";
import { saveRateLimits } from "../github/budgets";
import { log } from "../log";
import { pruneMemberships, recordMembership } from "../memberships";
import {
  nextPrivateRepository,
  nextTeam,
  pruneTeamsAndGrants,
  recordCollaborators,
  recordTeamRepositories,
} from "../people/listing";
import { upsertTeam, upsertTeamMember } from "../people/teams";
import { rateLimitSnapshot } from "../github/tables";
import { peopleCursor } from "./tables";
import { addStats, heldJob, lease, statsDelta } from "./held";
import { jobErrorKind } from "./jobState";
import { recordPage } from "./transitions";

type PeopleCursor = Infer<typeof peopleCursor>;
/** Memberships, teams or grants pruned per transaction (a few index ranges each). */
const PRUNE_BATCH = 100;

const next = v.optional(v.string());
const user = v.object({ githubUserId: v.number(), login: v.string() });
const peoplePage = v.union(
  v.object({ kind: v.literal("users"), items: v.array(user), next }),
  v.object({
    kind: v.literal("teams"),
    items: v.array(
      v.object({ githubId: v.number(), slug: v.string(), name: v.string(), parentGithubId: v.optional(v.number()) }),
    ),
    next,
  }),
  v.object({
    kind: v.literal("repositories"),
    items: v.array(v.object({ repoGithubId: v.number(), permission: v.string() })),
    next,
  }),
  v.object({
    kind: v.literal("collaborators"),
    items: v.array(v.object({ githubUserId: v.number(), permission: v.string() })),
    next,
  }),
  /** A step without a request (the pruning). */
  v.object({ kind: v.literal("none") }),
  /** GitHub refused the listing (no Members permission): the stage ends, nothing is pruned. */
  v.object({ kind: v.literal("refused"), error: jobErrorKind }),
);
export type PeoplePage = Infer<typeof peoplePage>;

export const commitPeople = internalMutation({
  args: { ...lease, page: peoplePage, stats: statsDelta, rateLimits: v.array(rateLimitSnapshot) },
  handler: async (ctx, { jobId, generation, page, stats, rateLimits }) => {
    const job = await heldJob(ctx, jobId, generation);
    if (!job || job.cursor.phase !== "people" || !job.cursor.people) return null;
    const c = job.cursor.people;
    const installation = (await ctx.db.get(job.installationId))!;
    await saveRateLimits(ctx.db, job.installationId, rateLimits);
    const people = await record(ctx, installation, c, page);
    const items = "items" in page ? page.items.length : 0;
    await recordPage(ctx, job, {
      cursor: { ...job.cursor, people },
      attempt: 0,
      stats: addStats(job, stats, items),
      ...(people.step === "done" && {
        people: { listedAt: c.seenAt, ...(page.kind === "refused" && { error: page.error }) },
      }),
    });
    if (people.step === "done") {
      const event = page.kind === "refused" ? "sync.people.refused" : "sync.people.listed";
      log.info(event, { jobId, ...(page.kind === "refused" && { kind: page.error }) });
    }
    return people;
  },
});

/** Record `page` of step `c` and say where the stage goes on. */
async function record(
  ctx: MutationCtx,
  installation: Doc<"installations">,
  c: PeopleCursor,
  page: PeoplePage,
): Promise<PeopleCursor> {
  const { seenAt } = c;
  const { accountId, _id: installationId } = installation;
  if (page.kind === "refused") return { seenAt, step: "done" };
  const more = "next" in page && page.next !== undefined ? { ...c, page: page.next } : null;
  const expect = (kind: PeoplePage["kind"]) => {
    if (page.kind !== kind) throw new Error(`people step ${c.step} got a ${page.kind} page`);
  };
  const afterCollaborators = async (after: string | undefined): Promise<PeopleCursor> => {
    const repository = await nextPrivateRepository(ctx.db, installationId, after);
    return repository ? { seenAt, step: "collaborators", repository } : { seenAt, step: "prune" };
  };
  const afterTeams = async (after: string | undefined): Promise<PeopleCursor> => {
    const team = await nextTeam(ctx.db, accountId, seenAt, after);
    return team ? { seenAt, step: "teamMembers", team } : afterCollaborators(undefined);
  };
  switch (c.step) {
    case "members":
    case "admins": {
      expect("users");
      // Everyone as a member first, then owners again as admins (their role wins).
      const role = c.step === "admins" ? "admin" : "member";
      for (const m of page.kind === "users" ? page.items : []) {
        await recordMembership(ctx, { accountId, ...m, member: true, role, seenAt });
      }
      return more ?? { seenAt, step: c.step === "members" ? "admins" : "pruneMembers" };
    }
    case "pruneMembers":
      expect("none");
      return (await pruneMemberships(ctx, accountId, seenAt, PRUNE_BATCH)) === PRUNE_BATCH
        ? c
        : { seenAt, step: "teams" };
    case "teams":
      expect("teams");
      for (const team of page.kind === "teams" ? page.items : []) await upsertTeam(ctx.db, accountId, team, seenAt);
      return more ?? afterTeams(undefined);
    case "teamMembers": {
      expect("users");
      const team = c.team!;
      for (const m of page.kind === "users" ? page.items : []) {
        await upsertTeamMember(ctx.db, { accountId, teamGithubId: team.githubId, ...m }, seenAt);
      }
      return more ?? { seenAt, step: "teamRepositories", team };
    }
    case "teamRepositories": {
      expect("repositories");
      const team = c.team!;
      const repositories = page.kind === "repositories" ? page.items : [];
      await recordTeamRepositories(ctx.db, installationId, team.githubId, seenAt, repositories);
      return more ?? afterTeams(team.slug);
    }
    case "collaborators": {
      expect("collaborators");
      const repository = c.repository!;
      await recordCollaborators(ctx.db, repository.id, seenAt, page.kind === "collaborators" ? page.items : []);
      return more ?? afterCollaborators(repository.fullName);
    }
    case "prune":
      expect("none");
      return (await pruneTeamsAndGrants(ctx.db, installationId, accountId, seenAt, PRUNE_BATCH))
        ? c
        : { seenAt, step: "done" };
    case "done":
      return c;
  }
}
