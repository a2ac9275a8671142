/**
 * The people stage: an organisation's members and owners, then its teams with their members and
 * repositories, then each private repository's direct collaborators — who sees the installation and
 * who reads which private repository (convex/access.ts). One page per step through the slice's
 * `request` (the same concurrency, pacing and budget reserve as every sync request), each committed
 * with the stage's cursor (`peopleJobs.ts`), so a rate limit, a 5xx or a dead slice resumes where it
 * stopped. What a complete listing did not see is pruned at its end; a listing GitHub refuses (the
 * App lacks the Members permission: 403/404) ends the stage with that error and prunes nothing.
 */
import { internal } from "../_generated/api";
import { GitHubError } from "../github/errors";
import { listOrgMembers } from "../github/members";
import { listDirectCollaborators, listOrgTeams, listTeamMembers, listTeamRepositories } from "../github/teams";
import type { PeoplePage } from "./peopleJobs";
import type { Slice } from "./slice";

/** One step of the stage: "more" to go on, "done" when it ended, "lost" if the lease was lost. */
export async function peopleStep(slice: Slice): Promise<"more" | "done" | "lost"> {
  const c = slice.cursor.people;
  if (!c || c.step === "done") return "done";
  let page: PeoplePage;
  try {
    page = await fetchPage(slice, c);
  } catch (error) {
    if (!(error instanceof GitHubError && (error.kind === "forbidden" || error.kind === "not_found"))) throw error;
    page = { kind: "refused", error: error.kind };
  }
  const people = await slice.serial(() =>
    slice.ctx.runMutation(internal.sync.peopleJobs.commitPeople, { ...slice.lease, page, ...slice.delta() }),
  );
  if (people === null) return "lost";
  slice.moved({ ...slice.cursor, people });
  return people.step === "done" ? "done" : "more";
}

type Step = NonNullable<Slice["cursor"]["people"]>;

function fetchPage(slice: Slice, c: Step): Promise<PeoplePage> {
  const org = slice.claim.account.login;
  const { client } = slice;
  const get = <T>(call: () => Promise<T>) => slice.request("core", 1, call);
  switch (c.step) {
    case "members":
    case "admins":
      return get(() => listOrgMembers(client, org, { role: c.step === "admins" ? "admin" : "all", next: c.page })).then(
        (p) => ({ kind: "users", ...p }),
      );
    case "teams":
      return get(() => listOrgTeams(client, org, c.page)).then((p) => ({ kind: "teams", ...p }));
    case "teamMembers":
      return get(() => listTeamMembers(client, org, c.team!.slug, c.page)).then((p) => ({ kind: "users", ...p }));
    case "teamRepositories":
      return get(() => listTeamRepositories(client, org, c.team!.slug, c.page)).then((p) => ({
        kind: "repositories",
        items: p.items.map(({ repoGithubId, permission }) => ({ repoGithubId, permission })),
        ...(p.next && { next: p.next }),
      }));
    case "collaborators": {
      const r = c.repository!;
      return get(() => listDirectCollaborators(client, r.owner, r.name, c.page)).then((p) => ({
        kind: "collaborators",
        items: p.items.map(({ githubUserId, permission }) => ({ githubUserId, permission })),
        ...(p.next && { next: p.next }),
      }));
    }
    case "pruneMembers":
    case "prune":
    case "done":
      return Promise.resolve({ kind: "none" });
  }
}
