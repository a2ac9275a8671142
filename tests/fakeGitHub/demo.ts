/**
 * Demo traffic for local development: what GitHub would send the app's webhook URL when the App
 * is installed and people work — signed with the webhook secret, built from the fake's data.
 */
import { Webhooks } from "@octokit/webhooks";
import type { FakeGitHub } from "./index";
import { repositoryJson, userJson } from "./shapes";
import type { PullRequest, Repo } from "./generator";

/** The demo installation's installing user (the `sender` of its webhooks), whom the demo sign-in signs in as. */
export const DEMO_USER_LOGIN = "octocat";

/** POSTs of one delivery before it is logged as failed (a pause of 250 ms × attempt between them). */
const DELIVERY_ATTEMPTS = 5;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class DemoWebhooks {
  private n = 0;
  constructor(
    private readonly fake: FakeGitHub,
    private readonly url: string,
    private readonly secret: string,
    private readonly api: string,
  ) {}

  async send(event: string, payload: object) {
    // Activity events carry only the installation id; installation events bring their own full object.
    const body = JSON.stringify({
      installation: { id: this.fake.installationId },
      sender: userJson(DEMO_USER_LOGIN, this.api),
      ...payload,
    });
    const guid = `demo-${Date.now()}-${++this.n}`;
    const action = (payload as { action?: string }).action ?? null;
    const post = async () =>
      fetch(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": guid,
          "x-hub-signature-256": await new Webhooks({ secret: this.secret }).sign(body),
        },
        body,
      });
    // A reused keep-alive socket the server just closed fails the POST before it is received
    // (ECONNRESET): send again with the same delivery id (the receiver dedupes by it), as a redelivery
    // would. A delivery that never got through is logged as failed, where recovery can find it.
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await post();
        this.fake.addDelivery({
          guid,
          event,
          action,
          status: res.ok ? "OK" : `HTTP ${res.status}`,
          statusCode: res.status,
        });
        return res.status;
      } catch (e) {
        if (attempt < DELIVERY_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
          continue;
        }
        this.fake.addDelivery({ guid, event, action, status: `failed: ${String(e)}`, statusCode: 0 });
        throw e;
      }
    }
  }

  installationCreated() {
    const org = this.fake.org;
    return this.send("installation", {
      action: "created",
      installation: {
        id: this.fake.installationId,
        account: { ...userJson(org.login, this.api), id: org.id, type: "Organization" },
      },
      repositories: org.repos.map((r) => ({
        id: r.id,
        node_id: `R_${r.id}`,
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        private: r.private,
      })),
    });
  }

  pullRequest(action: string, repo: Repo, pr: PullRequest) {
    return this.send("pull_request", {
      action,
      number: pr.number,
      repository: repositoryJson(this.fake.org, repo, this.api),
      pull_request: {
        id: pr.id,
        number: pr.number,
        title: pr.title,
        html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pr.number}`,
        state: pr.state === "open" ? "open" : "closed",
        draft: pr.draft,
        merged: pr.state === "merged",
        mergeable: pr.mergeable === "UNKNOWN" ? null : pr.mergeable === "MERGEABLE",
        user: userJson(pr.author, this.api),
        head: { sha: pr.headSha },
        requested_reviewers: [],
        requested_teams: [],
        created_at: iso(pr.createdAt),
        updated_at: iso(pr.updatedAt),
        closed_at: iso(pr.closedAt),
        merged_at: iso(pr.mergedAt),
      },
    });
  }

  checkRun(repo: Repo, pr: PullRequest, name: string, conclusion: "success" | "failure") {
    const at = new Date().toISOString();
    return this.send("check_run", {
      action: "completed",
      repository: repositoryJson(this.fake.org, repo, this.api),
      check_run: {
        name,
        head_sha: pr.headSha,
        status: "completed",
        conclusion,
        started_at: at,
        completed_at: at,
        html_url: null,
      },
    });
  }

  /** One plausible change: a new PR, a failing or passing check, or a merge — and its webhook. */
  async randomActivity() {
    const repos = this.fake.org.repos;
    const repo = repos[Math.floor(Math.random() * repos.length)]!;
    const open = repo.pullRequests.filter((p) => p.state === "open");
    const roll = Math.random();
    if (roll < 0.35 || open.length === 0) {
      const pr = this.fake.openPullRequest(repo.name, { title: `Demo change ${this.n + 1}`, author: "mona" });
      return this.pullRequest("opened", repo, pr);
    }
    const pr = open[Math.floor(Math.random() * open.length)]!;
    if (roll < 0.8) {
      const conclusion = Math.random() < 0.5 ? "failure" : "success";
      this.fake.addCheckRun(repo.name, pr.number, { name: "demo-ci", conclusion });
      return this.checkRun(repo, pr, "demo-ci", conclusion);
    }
    this.fake.mergePullRequest(repo.name, pr.number);
    return this.pullRequest("closed", repo, pr);
  }
}
