import examples from "@octokit/webhooks-examples";
import { describe, expect, test } from "vitest";
import { HANDLED_EVENTS, mapWebhookEvent } from "../convex/github/mapWebhook";

type Example = { name: string; examples: Array<Record<string, any>> };
const all = examples as unknown as Example[];
const of = (name: string) => all.find((e) => e.name === name)!.examples;
/** Convex rejects null for optional fields: a mapped record must carry none. */
const hasNull = (x: unknown): boolean =>
  x === null || (typeof x === "object" && x !== null && Object.values(x).some(hasNull));

describe("every real payload in @octokit/webhooks-examples", () => {
  test.each(all.map((e) => [e.name, e] as const))("%s", (name, { examples }) => {
    for (const payload of examples) {
      const m = mapWebhookEvent(name, payload);
      if (!HANDLED_EVENTS.includes(name)) {
        expect(m.outcome).toBe("ignored");
        continue;
      }
      expect(m.outcome, `${name}.${payload.action}: ${JSON.stringify(m)}`).not.toBe("invalid");
      expect(hasNull(m), `${name}.${payload.action} mapped a null`).toBe(false);
      if (m.outcome === "apply") expect(m.repository?.githubId).toBe(payload.repository.id);
    }
  });
});

describe("the mapped records agree with the payload", () => {
  test("pull_request: number, head, state (merged when merged_at), draft, requested reviewers", () => {
    for (const p of of("pull_request")) {
      const m = mapWebhookEvent("pull_request", p);
      if (m.outcome !== "apply") throw new Error("not applied");
      const rec = m.records[0]!;
      if (rec.kind !== "pullRequest") throw new Error(rec.kind);
      const pr = p.pull_request;
      expect(rec.record).toMatchObject({
        githubId: pr.id,
        number: pr.number,
        headSha: pr.head.sha,
        state: pr.merged_at ? "merged" : pr.state,
        draft: pr.draft ?? false,
        requestedReviewers: pr.requested_reviewers.length + pr.requested_teams.length,
        updatedAt: Date.parse(pr.updated_at),
      });
    }
  });

  test("push: commits only on the default branch, all of them", () => {
    for (const p of of("push")) {
      const m = mapWebhookEvent("push", p);
      if (m.outcome !== "apply") throw new Error("not applied");
      const onDefault = p.ref === `refs/heads/${p.repository.default_branch}` && !p.deleted;
      expect(m.records.map((r) => (r.kind === "commit" ? r.record.sha : null))).toEqual(
        onDefault ? p.commits.map((c: { id: string }) => c.id) : [],
      );
    }
    const p = structuredClone(of("push").find((x) => x.commits.length > 0)!);
    p.ref = "refs/heads/some-feature";
    expect(mapWebhookEvent("push", p)).toMatchObject({ outcome: "apply", records: [] });
  });

  test("check_run conclusions and status states fold into success/failure/pending", () => {
    const base = of("check_run")[0]!;
    const state = (status: string, conclusion: string | null) => {
      const m = mapWebhookEvent("check_run", { ...base, check_run: { ...base.check_run, status, conclusion } });
      return m.outcome === "apply" && m.records[0]!.kind === "ci" ? m.records[0]!.record.state : m;
    };
    expect(state("queued", null)).toBe("pending");
    expect(state("in_progress", null)).toBe("pending");
    for (const c of ["success", "neutral", "skipped"]) expect(state("completed", c)).toBe("success");
    for (const c of ["failure", "timed_out", "cancelled", "action_required", "startup_failure"])
      expect(state("completed", c)).toBe("failure");
    expect(state("completed", "stale")).toBe("pending");
    const st = of("status")[0]!;
    const statusState = (s: string) => {
      const m = mapWebhookEvent("status", { ...st, state: s });
      return m.outcome === "apply" && m.records[0]!.kind === "ci" ? m.records[0]!.record.state : m;
    };
    expect([statusState("pending"), statusState("success"), statusState("failure"), statusState("error")]).toEqual([
      "pending",
      "success",
      "failure",
      "failure",
    ]);
  });

  test("installation lifecycle: created carries the account, the installing user and the repositories", () => {
    const created = of("installation").find((p) => p.action === "created")!;
    expect(mapWebhookEvent("installation", created)).toMatchObject({
      outcome: "lifecycle",
      installationGithubId: created.installation.id,
      change: {
        kind: "installation_created",
        account: { githubId: created.installation.account.id },
        sender: { githubId: created.sender.id, login: created.sender.login },
      },
    });
    for (const action of ["deleted", "suspend", "unsuspend", "new_permissions_accepted"]) {
      const p = of("installation").find((x) => x.action === action)!;
      expect(mapWebhookEvent("installation", p).outcome).toBe("lifecycle");
    }
  });

  test("null users map to ghost; deleted issues and comments become deletions", () => {
    const p = structuredClone(of("issues").find((x) => x.action === "opened")!);
    p.issue.user = null;
    expect(mapWebhookEvent("issues", p)).toMatchObject({
      outcome: "apply",
      records: [{ kind: "issue", record: { authorLogin: "ghost" } }],
    });
    const deleted = structuredClone(p);
    deleted.action = "deleted";
    expect(mapWebhookEvent("issues", deleted)).toMatchObject({
      records: [{ kind: "deletion", record: { entity: "issue", githubId: p.issue.id } }],
    });
  });
});

describe("malformed payloads are invalid with the failing path, never a throw", () => {
  test.each([
    ["pull_request", (p: any): unknown => delete p.pull_request.head, "pull_request.head"],
    ["pull_request", (p: any): unknown => (p.pull_request.number = "seven"), "pull_request.number"],
    ["check_run", (p: any): unknown => delete p.check_run.head_sha, "check_run.head_sha"],
    ["push", (p: any): unknown => delete p.repository, "repository"],
    ["installation", (p: any): unknown => delete p.installation, "installation"],
  ] as const)("%s without a field", (event, tamper, path) => {
    const p = structuredClone(of(event)[0]!);
    tamper(p);
    expect(mapWebhookEvent(event, p)).toMatchObject({ outcome: "invalid", path });
  });
  test("not even an object", () => {
    expect(mapWebhookEvent("issues", "nope")).toMatchObject({ outcome: "invalid", path: "(root)" });
    expect(mapWebhookEvent("issues", null)).toMatchObject({ outcome: "invalid" });
  });
});
