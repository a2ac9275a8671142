/**
 * Inside an organisation, a private repository is readable only by those who can read it on GitHub:
 * owners and the installer read everything; other members read the public repositories and the private
 * ones granted to a team they are in (a parent team's grants included) or to them as direct
 * collaborators. Teams, memberships and grants come from the members sync (the fake GitHub's org) and
 * from real `team`, `membership`, `member`, `organization` and `repository` payloads.
 */
import examples from "@octokit/webhooks-examples";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { canReadRepository, repositoryAccess, viewerReviewerKeys } from "../convex/access";
import type { FakeGitHub } from "./fakeGitHub";
import { generateTeams } from "./fakeGitHub/generator";
import { hashId, openapi } from "./fakeGitHub/shapes";
import { makeConvex, signInAs, type TestConvex } from "./helpers/convex";
import { useFakeGitHub } from "./helpers/github";
import { deliver, WEBHOOK_SECRET } from "./helpers/webhooks";

type Example = { name: string; examples: Array<Record<string, any>> };
const of = (name: string) => (examples as unknown as Example[]).find((e) => e.name === name)!.examples;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/**
 * Run everything scheduled (webhook processing, the sync with its people stage) to the end; the
 * clock moves with it, as the sync's pacing waits on timers.
 */
const processDue = async (t: TestConvex) => t.finishAllScheduledFunctions(vi.runAllTimers, 1_000);

/** repo-001 and repo-002 private, repo-003 public; the teams and collaborators of generator.ts. */
function fakeOrg() {
  const fake = useFakeGitHub({ latencyMs: 0, org: { repos: 3, prsPerRepo: 0, issuesPerRepo: 0, commitsPerRepo: 0 } });
  fake.org.repos.forEach((r, i) => (r.private = i < 2));
  ({ teams: fake.teams, collaborators: fake.collaborators } = generateTeams(fake.org));
  return fake;
}

/** installation.created on the fake org, installed by ezmobius (a plain member); octocat is its owner. */
async function install(t: TestConvex, fake: FakeGitHub) {
  const created = structuredClone(of("installation").find((p) => p.action === "created")!);
  created.installation.id = fake.installationId;
  created.installation.account = {
    ...created.installation.account,
    login: "acme",
    id: fake.org.id,
    type: "Organization",
  };
  created.sender = { ...created.sender, login: "ezmobius", id: hashId("ezmobius") };
  created.repositories = fake.org.repos.map((r) => ({
    id: r.id,
    node_id: `R_${r.id}`,
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    private: r.private,
  }));
  expect((await deliver(t, "installation", created)).status).toBe(202);
  await processDue(t);
}

/** The repositories a user may read (by name) and their reviewer keys. */
async function readable(t: TestConvex, login: string) {
  const identity = await signInAs(t, hashId(login), login);
  return t.withIdentity(identity).run(async (ctx) => {
    const installation = (await ctx.db.query("installations").first())!;
    const access = await repositoryAccess(ctx, installation);
    const repos = await ctx.db
      .query("repositories")
      .withIndex("by_installation", (q) => q.eq("installationId", installation._id).eq("removed", false))
      .collect();
    return {
      kind: access.kind,
      repos: repos.filter((r) => canReadRepository(access, r)).map((r) => r.name),
      keys: await viewerReviewerKeys(ctx, installation),
    };
  });
}
const names = async (t: TestConvex, login: string) => (await readable(t, login)).repos;

const rows = (t: TestConvex) =>
  t.run(async (ctx) => ({
    teams: (await ctx.db.query("teams").collect()).map((x) => [x.slug, x.parentGithubId ?? null]).sort(),
    members: (await ctx.db.query("teamMembers").collect()).map((x) => `${x.teamGithubId}:${x.login}`).sort(),
    grants: await Promise.all(
      (await ctx.db.query("repositoryGrants").collect()).map(async (g) => {
        const repo = (await ctx.db.get(g.repositoryId))!;
        return `${repo.name}:${g.teamGithubId !== undefined ? `team ${g.teamGithubId}` : `user ${g.githubUserId}`}:${g.permission}`;
      }),
    ).then((x) => x.sort()),
  }));

describe("the members sync lists teams, their members and repositories, and private repositories' collaborators", () => {
  test("recorded on install; restricted members read public + granted private repositories; pruned hourly", async () => {
    const fake = fakeOrg();
    const t = makeConvex();
    await install(t, fake);

    const [core, platform, web] = [7_001, 7_002, 7_003];
    expect(await rows(t)).toEqual({
      teams: [
        ["core", null],
        ["platform", core],
        ["web", null],
      ],
      members: [`${core}:defunkt`, `${core}:hubot`, `${platform}:mojombo`, `${web}:mona`, `${web}:pjhyett`],
      grants: [
        `repo-001:team ${core}:write`,
        `repo-001:user ${hashId("wycats")}:write`,
        `repo-002:team ${core}:write`,
        `repo-003:team ${web}:read`,
      ],
    });
    // Collaborators are asked for the private repositories only.
    const collaboratorCalls = fake.requests.filter((r) => r.path.endsWith("/collaborators")).map((r) => r.path);
    expect(collaboratorCalls.sort()).toEqual([
      "/repos/acme/repo-001/collaborators",
      "/repos/acme/repo-002/collaborators",
    ]);
    expect(fake.requests.find((r) => r.path.endsWith("/collaborators"))!.url).toContain("affiliation=direct");

    const all = ["repo-001", "repo-002", "repo-003"];
    expect(await readable(t, "octocat")).toMatchObject({ kind: "all", repos: all }); // the owner
    expect(await readable(t, "ezmobius")).toMatchObject({ kind: "all", repos: all }); // the installer
    expect(await readable(t, "hubot")).toEqual({ kind: "restricted", repos: all, keys: ["hubot", "team:core"] });
    // A child team inherits its parent's access.
    expect(await readable(t, "mojombo")).toEqual({
      kind: "restricted",
      repos: all,
      keys: ["mojombo", "team:core", "team:platform"],
    });
    expect(await readable(t, "mona")).toEqual({ kind: "restricted", repos: ["repo-003"], keys: ["mona", "team:web"] });
    expect(await names(t, "wycats")).toEqual(["repo-001", "repo-003"]); // a direct collaborator

    // GitHub changes and no webhook says so: the hourly listing prunes what it no longer sees.
    fake.teams = fake.teams.filter((x) => x.slug !== "web");
    fake.teams.find((x) => x.slug === "platform")!.members = [];
    fake.teams.find((x) => x.slug === "core")!.repos = [{ name: "repo-001", role: "admin" }];
    fake.collaborators = {};
    vi.advanceTimersByTime(60 * 60_000); // the listing is due hourly
    await t.mutation(internal.sync.maintenance.listPeople, {});
    await processDue(t);
    expect(await rows(t)).toEqual({
      teams: [
        ["core", null],
        ["platform", core],
      ],
      members: [`${core}:defunkt`, `${core}:hubot`],
      grants: [`repo-001:team ${core}:admin`],
    });
    expect(await names(t, "hubot")).toEqual(["repo-001", "repo-003"]);
    expect(await names(t, "mojombo")).toEqual(["repo-003"]);
    expect(await names(t, "wycats")).toEqual(["repo-003"]);
  });

  test("a 403 on the teams (no Members permission) changes nothing, nor one on a later listing", async () => {
    const fake = fakeOrg();
    const t = makeConvex();
    await install(t, fake);
    const before = await rows(t);
    expect(before.teams).toHaveLength(3);

    fake.teams = [];
    fake.collaborators = {};
    fake.injectFault({ type: "forbidden" }, { pathIncludes: "/orgs/acme/teams", times: 1 });
    vi.advanceTimersByTime(60 * 60_000); // the listing is due hourly
    await t.mutation(internal.sync.maintenance.listPeople, {});
    await processDue(t);
    expect(await rows(t)).toEqual(before);

    // The teams listed, then the collaborators refused: still nothing pruned.
    fake.injectFault({ type: "forbidden" }, { pathIncludes: "/collaborators", times: 1 });
    vi.advanceTimersByTime(60 * 60_000); // the listing is due hourly
    await t.mutation(internal.sync.maintenance.listPeople, {});
    await processDue(t);
    expect(await rows(t)).toEqual(before);
    expect(await names(t, "mona")).toEqual(["repo-003"]);
  });

  test("uninstalling purges the grants, and the teams with the organisation's last installation", async () => {
    const fake = fakeOrg();
    const t = makeConvex();
    await install(t, fake);
    expect((await rows(t)).grants).toHaveLength(4);
    const deleted = structuredClone(of("installation").find((p) => p.action === "deleted")!);
    deleted.installation.id = fake.installationId;
    expect((await deliver(t, "installation", deleted)).status).toBe(202);
    await processDue(t);
    expect(await rows(t)).toEqual({ teams: [], members: [], grants: [] });
  });
});

describe("real webhook payloads keep teams and grants current", () => {
  /** A payload of `event` with `action`, moved to the fake org (and its installation unless `bare`). */
  function payload(fake: FakeGitHub, event: string, action: string, bare = false) {
    const p = structuredClone(of(event).find((x) => x.action === action && (bare ? !x.installation : true))!);
    if (p.organization) p.organization = { ...p.organization, id: fake.org.id, login: "acme" };
    if (bare) delete p.installation;
    else p.installation = { id: fake.installationId, node_id: "I_1" };
    return p;
  }
  const onRepo = (fake: FakeGitHub, p: Record<string, any>, name: string) => {
    const r = fake.repo(name);
    p.repository = { ...p.repository, id: r.id, name: r.name, full_name: `acme/${r.name}`, private: r.private };
    p.repository.owner = { ...p.repository.owner, id: fake.org.id, login: "acme", type: "Organization" };
    return p;
  };
  const user = (login: string) => ({ ...of("membership")[0]!.member, login, id: hashId(login) });
  const status = async (t: TestConvex) =>
    (await t.run((ctx) => ctx.db.query("webhookDeliveries").order("desc").first()))!;

  test("team, membership and member events: a team added to a repository and a member added to it grant access within one webhook", async () => {
    const fake = fakeOrg();
    const t = makeConvex();
    await install(t, fake);
    const team = 3253328; // the examples' team "github"

    // team.created: a new team.
    await deliver(t, "team", payload(fake, "team", "created"));
    await processDue(t);
    expect((await rows(t)).teams).toContainEqual(["github", null]);

    // team.added_to_repository (repo-002, private): the team's grant, its role from the payload.
    await deliver(t, "team", onRepo(fake, payload(fake, "team", "added_to_repository"), "repo-002"));
    await processDue(t);
    expect((await rows(t)).grants).toContain(`repo-002:team ${team}:read`);
    expect(await names(t, "mona")).toEqual(["repo-003"]);

    // membership.added, without an installation (as GitHub may send it): keyed by the organisation.
    const added = payload(fake, "membership", "added", true);
    added.member = user("mona");
    await deliver(t, "membership", added);
    await processDue(t);
    expect(await status(t)).toMatchObject({ status: "processed" });
    expect(await readable(t, "mona")).toMatchObject({
      repos: ["repo-002", "repo-003"],
      keys: ["mona", "team:github", "team:web"],
    });

    // membership.removed: gone again.
    const removed = structuredClone(of("membership").find((x) => x.action === "removed" && x.team.slug)!);
    removed.organization = { ...removed.organization, id: fake.org.id };
    removed.member = user("mona");
    await deliver(t, "membership", removed);
    await processDue(t);
    expect(await names(t, "mona")).toEqual(["repo-003"]);

    // team.edited renames; team.removed_from_repository revokes; team.deleted removes the team and its grants.
    const edited = payload(fake, "team", "edited");
    edited.team = { ...edited.team, name: "GitHub people" };
    await deliver(t, "team", edited);
    await processDue(t);
    expect(await t.run((ctx) => ctx.db.query("teams").collect())).toContainEqual(
      expect.objectContaining({ githubId: team, name: "GitHub people", slug: "github" }),
    );
    await deliver(t, "team", onRepo(fake, payload(fake, "team", "removed_from_repository"), "repo-002"));
    await processDue(t);
    expect((await rows(t)).grants.filter((g) => g.includes(`team ${team}`))).toEqual([]);
    await deliver(t, "team", onRepo(fake, payload(fake, "team", "added_to_repository"), "repo-002"));
    await deliver(t, "team", payload(fake, "team", "deleted"));
    await processDue(t);
    const afterDelete = await rows(t);
    expect(afterDelete.teams.map(([slug]) => slug)).not.toContain("github");
    expect(afterDelete.grants.filter((g) => g.includes(`team ${team}`))).toEqual([]);

    // member.added: a direct collaborator on repo-002; edited keeps it; removed revokes it.
    const collaborator = onRepo(fake, payload(fake, "member", "added"), "repo-002");
    collaborator.member = user("pjhyett");
    await deliver(t, "member", collaborator);
    await processDue(t);
    expect(await names(t, "pjhyett")).toEqual(["repo-002", "repo-003"]);
    const edit = onRepo(fake, payload(fake, "member", "edited"), "repo-002");
    edit.member = user("pjhyett");
    await deliver(t, "member", edit);
    await processDue(t);
    expect((await rows(t)).grants).toContain(`repo-002:user ${hashId("pjhyett")}:write`);
    const gone = structuredClone(collaborator);
    gone.action = "removed";
    await deliver(t, "member", gone);
    await processDue(t);
    expect(await names(t, "pjhyett")).toEqual(["repo-003"]);
  });

  test("organization.member_removed ends the user's team memberships; repository.privatized flips the flag", async () => {
    const fake = fakeOrg();
    const t = makeConvex();
    await install(t, fake);
    expect(await names(t, "hubot")).toEqual(["repo-001", "repo-002", "repo-003"]);

    const left = structuredClone(of("organization").find((p) => p.action === "member_added" && p.installation)!);
    left.action = "member_removed";
    left.installation = { id: fake.installationId };
    left.organization = { ...left.organization, id: fake.org.id, login: "acme" };
    left.membership = { ...left.membership, user: user("hubot") };
    await deliver(t, "organization", left);
    await processDue(t);
    expect((await rows(t)).members.filter((m) => m.endsWith(":hubot"))).toEqual([]);

    // repo-003 made private: the web team (granted on it) still reads it, other members no longer do.
    const privatized = onRepo(
      fake,
      structuredClone(of("repository").find((p) => p.action === "privatized")!),
      "repo-003",
    );
    privatized.repository.private = true;
    privatized.repository.updated_at = new Date().toISOString(); // as GitHub stamps the change
    privatized.installation = { id: fake.installationId };
    await deliver(t, "repository", privatized);
    await processDue(t);
    expect(
      await t.run(
        async (ctx) => (await ctx.db.query("repositories").collect()).find((r) => r.name === "repo-003")!.private,
      ),
    ).toBe(true);
    expect(await names(t, "mona")).toEqual(["repo-003"]);
    expect(await names(t, "wycats")).toEqual(["repo-001"]);
  });
});

describe("the fake GitHub's team endpoints validate against GitHub's OpenAPI description", () => {
  test("teams (with a parent), team members, team repositories, collaborators", async () => {
    const fake = fakeOrg();
    const ajv = new Ajv({ strict: false, allErrors: false });
    addFormats(ajv);
    const jwt = `x.${Buffer.from(JSON.stringify({ iss: String(fake.appId), exp: Math.floor(Date.now() / 1000) + 600 })).toString("base64url")}.sig`;
    const base = "https://api.github.test";
    const tokenRes = await fake.fetch(`${base}/app/installations/${fake.installationId}/access_tokens`, {
      method: "POST",
      headers: { authorization: `bearer ${jwt}` },
    });
    const { token } = (await tokenRes.json()) as { token: string };
    const check = async (url: string, path: string) => {
      const res = await fake.fetch(`${base}${url}`, { headers: { authorization: `token ${token}` } });
      expect(res.status, url).toBe(200);
      const body = await res.json();
      const schema = openapi().paths[path].get.responses["200"].content["application/json"].schema;
      const validate = ajv.compile(toJsonSchema(schema) as object);
      expect(validate(body), `${url}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
      return body as Array<Record<string, any>>;
    };
    const teams = await check("/orgs/acme/teams?per_page=100", "/orgs/{org}/teams");
    expect(teams.find((x) => x.slug === "platform")!.parent).toMatchObject({ id: 7_001, slug: "core" });
    await check("/orgs/acme/teams/core/members?per_page=100", "/orgs/{org}/teams/{team_slug}/members");
    const repos = await check("/orgs/acme/teams/core/repos?per_page=100", "/orgs/{org}/teams/{team_slug}/repos");
    expect(repos.map((r) => [r.name, r.private, r.role_name])).toEqual([
      ["repo-001", true, "write"],
      ["repo-002", true, "write"],
    ]);
    const collaborators = await check(
      "/repos/acme/repo-001/collaborators?affiliation=direct&per_page=100",
      "/repos/{owner}/{repo}/collaborators",
    );
    expect(collaborators.map((c) => c.login)).toEqual(["wycats"]);
  });
});

/** OpenAPI 3.0 marks nullability with `nullable: true`; JSON Schema (ajv) with a null type. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== "object") return schema;
  const { nullable, example: _e, examples: _x, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([k, v]) => [
      k,
      k === "properties"
        ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, toJsonSchema(s)]))
        : toJsonSchema(v),
    ]),
  );
  return nullable ? { anyOf: [converted, { type: "null" }] } : converted;
}
