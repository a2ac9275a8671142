/**
 * The organisation most access tests start from: installation 77 of "acme" (account `ORG`), installed
 * by "installer" (GitHub user 1), with an owner ("owner", 2, admin) and a member ("dev", 3), each
 * signed in. Usage: `const { t, installationId, owner, dev } = await orgWithPeople();`
 */
import { internal } from "../../convex/_generated/api";
import { recordMembership } from "../../convex/memberships";
import { makeConvex, signInAs, type TestConvex } from "./convex";

export const ORG = 9001;

export async function orgWithPeople(t: TestConvex = makeConvex()) {
  const installationId = await t.mutation(internal.model.ingest.upsertInstallation, {
    githubInstallationId: 77,
    accountLogin: "acme",
    accountId: ORG,
    accountType: "Organization",
    installedByGithubUserId: 1,
    installedByLogin: "installer",
  });
  await t.run(async (ctx) => {
    await recordMembership(ctx, { accountId: ORG, githubUserId: 2, login: "owner", member: true, role: "admin" });
    await recordMembership(ctx, { accountId: ORG, githubUserId: 3, login: "dev", member: true, role: "member" });
  });
  const as = async (id: number, login: string) => t.withIdentity(await signInAs(t, id, login));
  return {
    t,
    installationId,
    installer: await as(1, "installer"),
    owner: await as(2, "owner"),
    dev: await as(3, "dev"),
  };
}
