/**
 * A deterministic, seeded organisation: repositories with pull requests (reviews, check runs,
 * commit statuses, review comments), issues (numbered in one sequence with the PRs, as GitHub
 * does), default-branch commits and issue comments.
 */

/** mulberry32: a tiny seeded PRNG, so every run generates the same organisation. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
    sha: () => Array.from({ length: 40 }, () => Math.floor(next() * 16).toString(16)).join(""),
  };
}
export type Rng = ReturnType<typeof prng>;

export interface Review {
  id: number;
  author: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  submittedAt: number;
}
export interface CheckRun {
  id: number;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  startedAt: number;
  completedAt: number | null;
}
export interface CommitStatus {
  id: number;
  context: string;
  state: "pending" | "success" | "failure" | "error";
  createdAt: number;
}
export interface PullRequest {
  id: number;
  number: number;
  title: string;
  author: string;
  state: "open" | "closed" | "merged";
  draft: boolean;
  mergeable: "MERGEABLE" | "CONFLICTING" | "UNKNOWN";
  headSha: string;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  mergedAt: number | null;
  /** The first commit's authored and committed times (absent: the head commit is the only one, at creation). */
  firstCommit?: { authoredAt: number; committedAt: number };
  /** Users whose review is requested and outstanding (logins). */
  requestedReviewers: string[];
  /** Teams whose review is requested and outstanding (slugs). */
  requestedTeams: string[];
  /** The timeline's ReviewRequestedEvents, oldest first: fulfilled and outstanding requests, re-requests. */
  reviewRequestEvents: ReviewRequestEvent[];
  /** The timeline's ReadyForReviewEvents (draft → ready), oldest first. */
  readyForReviewEvents: number[];
  additions: number;
  deletions: number;
  changedFiles: number;
  reviews: Review[];
  checkRuns: CheckRun[];
  statuses: CommitStatus[];
}
export interface ReviewRequestEvent {
  /** A login (a bot's ends in `[bot]`, as REST spells it), or `team:<slug>`. */
  reviewer: string;
  createdAt: number;
}
export interface Issue {
  id: number;
  number: number;
  title: string;
  author: string;
  state: "open" | "closed";
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}
export interface Commit {
  sha: string;
  message: string;
  author: string;
  date: number;
}
export interface Comment {
  id: number;
  author: string;
  issueNumber: number;
  createdAt: number;
  updatedAt: number;
}
export interface Repo {
  id: number;
  name: string;
  owner: string;
  defaultBranch: string;
  private: boolean;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  pushedAt: number;
  pullRequests: PullRequest[];
  issues: Issue[];
  commits: Commit[];
  issueComments: Comment[];
  reviewComments: Comment[];
  nextNumber: number;
  /** GitHub deployments with their statuses (oldest first); tests add them. */
  deployments?: Deployment[];
  /** Actions workflows and their runs; tests add them. */
  workflows?: Array<{ id: number; name: string; path: string }>;
  workflowRuns?: WorkflowRun[];
}
export interface Deployment {
  id: number;
  environment: string;
  sha: string;
  ref: string;
  creator: string;
  createdAt: number;
  statuses: Array<{
    state: "pending" | "in_progress" | "queued" | "success" | "failure" | "error" | "inactive";
    createdAt: number;
  }>;
}
export interface WorkflowRun {
  id: number;
  workflowId: number;
  headBranch: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: "success" | "failure" | "cancelled" | "timed_out" | null;
  createdAt: number;
  updatedAt: number;
  actor: string;
}
export interface Org {
  login: string;
  id: number;
  repos: Repo[];
}

export interface OrgSize {
  login?: string;
  repos?: number;
  prsPerRepo?: number;
  issuesPerRepo?: number;
  commitsPerRepo?: number;
  reviewsPerPr?: number;
  checksPerPr?: number;
  commentsPerIssue?: number;
  /** PRs and issues are created over this many days before now (default 60). */
  historyDays?: number;
  /** Share of pull requests still open (default 0.5; the rest 60% merged, 40% closed). */
  openShare?: number;
  /**
   * "uniform" (default): every repository gets the same counts. "realistic": as in real
   * organisations — PRs and issues skewed towards a few busy repositories (the totals stay
   * repos × per-repo), commits spread over `historyDays` with most repositories near
   * `commitsPerRepo` and `bigRepos` of them at `bigRepoCommits`.
   */
  shape?: "uniform" | "realistic";
  bigRepos?: number;
  bigRepoCommits?: number;
}

export const USERS = ["octocat", "hubot", "mona", "defunkt", "mojombo", "pjhyett", "wycats", "ezmobius"] as const;
/** Teams review requests name (slugs). */
export const REVIEW_TEAMS = ["core", "platform", "web"] as const;
/** A bot some pull requests once asked for a review (REST spells its login with `[bot]`, GraphQL without). */
export const REVIEW_BOT = "copilot-pull-request-reviewer[bot]";
const DAY = 86_400_000;

export class Ids {
  private n = 1_000;
  next() {
    return (this.n += 1);
  }
}

/** A team of the organisation: its members (logins) and repositories (names) with the team's role on them. */
export interface Team {
  id: number;
  slug: string;
  name: string;
  /** The parent team's slug: a child team inherits its access. */
  parent: string | null;
  members: string[];
  repos: Array<{ name: string; role: "read" | "triage" | "write" | "maintain" | "admin" }>;
}
/** A repository's direct collaborator (outside collaborators, and members granted one by one). */
export interface Collaborator {
  login: string;
  role: "read" | "triage" | "write" | "maintain" | "admin";
}

/**
 * The organisation's teams and direct collaborators: "core" (hubot, defunkt) writes every private
 * repository, its child "platform" (mojombo) inherits that, "web" (mona, pjhyett) reads the public
 * ones; wycats collaborates directly on the first private repository. The owner (the first member)
 * is in no team.
 */
export function generateTeams(org: Org): { teams: Team[]; collaborators: Record<string, Collaborator[]> } {
  const priv = org.repos.filter((r) => r.private).map((r) => r.name);
  const pub = org.repos.filter((r) => !r.private).map((r) => r.name);
  return {
    teams: [
      { id: 7_001, slug: "core", name: "Core", parent: null, members: ["hubot", "defunkt"], repos: [] },
      { id: 7_002, slug: "platform", name: "Platform", parent: "core", members: ["mojombo"], repos: [] },
      { id: 7_003, slug: "web", name: "Web", parent: null, members: ["mona", "pjhyett"], repos: [] },
    ].map((t) => ({
      ...t,
      repos:
        t.slug === "core"
          ? priv.map((name) => ({ name, role: "write" as const }))
          : t.slug === "web"
            ? pub.map((name) => ({ name, role: "read" as const }))
            : [],
    })),
    collaborators: priv.length > 0 ? { [priv[0]!]: [{ login: "wycats", role: "write" }] } : {},
  };
}

export function generateOrg(seed: number, size: OrgSize, now: number, ids: Ids): Org {
  const rng = prng(seed);
  const s = {
    repos: 3,
    prsPerRepo: 5,
    issuesPerRepo: 3,
    commitsPerRepo: 5,
    reviewsPerPr: 2,
    checksPerPr: 2,
    commentsPerIssue: 1,
    historyDays: 60,
    openShare: 0.5,
    shape: "uniform" as const,
    bigRepos: 0,
    bigRepoCommits: 1_500,
    ...size,
  };
  const login = size.login ?? "acme";
  const repos: Repo[] = [];
  const realistic = s.shape === "realistic";
  // Realistic shape: a skewed weight per repository (a few busy ones, a long tail), totals preserved.
  const weights = realistic ? Array.from({ length: s.repos }, () => Math.exp(rng.next() * 3)) : [];
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const share = (total: number, r: number) =>
    realistic ? Math.max(1, Math.round((total * weights[r]!) / weightSum)) : total / s.repos;
  const bigEvery = s.bigRepos > 0 ? Math.floor(s.repos / s.bigRepos) : 0;
  for (let r = 0; r < s.repos; r++) {
    const prCount = share(s.prsPerRepo * s.repos, r);
    const issueCount = share(s.issuesPerRepo * s.repos, r);
    const commitCount = !realistic
      ? s.commitsPerRepo
      : bigEvery > 0 && r % bigEvery === bigEvery - 1
        ? s.bigRepoCommits
        : rng.int(Math.ceil(s.commitsPerRepo / 2), Math.ceil(s.commitsPerRepo * 1.5));
    const createdAt = now - 400 * DAY;
    const repo: Repo = {
      id: 100_000 + r,
      name: `repo-${String(r + 1).padStart(3, "0")}`,
      owner: login,
      defaultBranch: "main",
      private: rng.next() < 0.3,
      archived: false,
      createdAt,
      updatedAt: createdAt,
      pushedAt: now - rng.int(1, 30) * DAY,
      pullRequests: [],
      issues: [],
      commits: [],
      issueComments: [],
      reviewComments: [],
      nextNumber: 1,
    };
    for (let i = 0; i < prCount; i++) repo.pullRequests.push(generatePr(rng, repo, s, now, ids));
    for (let i = 0; i < issueCount; i++) {
      const createdAt = now - rng.int(1, s.historyDays) * DAY - rng.int(0, 23) * 3_600_000;
      const closed = rng.next() < 0.4;
      const issue: Issue = {
        id: ids.next(),
        number: repo.nextNumber++,
        title: `Issue ${i + 1} in ${repo.name}`,
        author: rng.pick(USERS),
        state: closed ? "closed" : "open",
        createdAt,
        updatedAt: createdAt + 3_600_000,
        closedAt: closed ? createdAt + 3_600_000 : null,
      };
      repo.issues.push(issue);
      for (let c = 0; c < s.commentsPerIssue; c++) {
        const at = createdAt + (c + 1) * 600_000;
        repo.issueComments.push({
          id: ids.next(),
          author: rng.pick(USERS),
          issueNumber: issue.number,
          createdAt: at,
          updatedAt: at,
        });
      }
    }
    // Hourly by default; spread over the history in the realistic shape.
    const spacing = realistic ? Math.max(3_600_000, Math.floor((s.historyDays * DAY) / commitCount)) : 3_600_000;
    for (let i = 0; i < commitCount; i++) {
      repo.commits.push({
        sha: rng.sha(),
        message: `Change ${i + 1}\n\nDetails.`,
        author: rng.pick(USERS),
        date: repo.pushedAt - i * spacing,
      });
    }
    repos.push(repo);
  }
  return { login, id: 9001, repos };
}

function generatePr(rng: Rng, repo: Repo, s: Required<Omit<OrgSize, "login">>, now: number, ids: Ids): PullRequest {
  const createdAt = now - rng.int(1, s.historyDays) * DAY - rng.int(0, 23) * 3_600_000;
  const roll = rng.next();
  const state = roll < s.openShare ? "open" : roll < s.openShare + (1 - s.openShare) * 0.6 ? "merged" : "closed";
  // Never in the future: a merge or close made now must be GitHub's latest version of the PR.
  const updatedAt = Math.min(createdAt + rng.int(1, 48) * 3_600_000, now - 60_000);
  const pr: PullRequest = {
    id: ids.next(),
    number: repo.nextNumber++,
    title: `Improve ${repo.name} part ${repo.nextNumber}`,
    author: rng.pick(USERS),
    state,
    draft: state === "open" && rng.next() < 0.15,
    mergeable: rng.next() < 0.1 ? "CONFLICTING" : rng.next() < 0.1 ? "UNKNOWN" : "MERGEABLE",
    headSha: rng.sha(),
    createdAt,
    updatedAt,
    closedAt: state === "open" ? null : updatedAt,
    mergedAt: state === "merged" ? updatedAt : null,
    requestedReviewers: rng.next() < 0.3 ? [rng.pick(USERS)] : [],
    requestedTeams: [],
    reviewRequestEvents: [],
    readyForReviewEvents: [],
    additions: 0,
    deletions: 0,
    changedFiles: 0,
    reviews: [],
    checkRuns: [],
    statuses: [],
  };
  for (let i = 0; i < s.reviewsPerPr; i++) {
    pr.reviews.push({
      id: ids.next(),
      author: rng.pick(USERS.filter((u) => u !== pr.author)),
      state: rng.pick(["APPROVED", "APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"] as const),
      submittedAt: createdAt + (i + 1) * 1_800_000,
    });
  }
  for (let i = 0; i < s.checksPerPr; i++) {
    const r = rng.next();
    const completed = r < 0.85;
    pr.checkRuns.push({
      id: ids.next(),
      name: ["build", "test", "lint", "e2e"][i % 4]!,
      status: completed ? "completed" : "in_progress",
      conclusion: completed ? (r < 0.7 ? "success" : "failure") : null,
      startedAt: createdAt + 600_000,
      completedAt: completed ? createdAt + 1_200_000 : null,
    });
  }
  if (rng.next() < 0.3)
    pr.statuses.push({
      id: ids.next(),
      context: "ci/legacy",
      state: rng.pick(["success", "failure", "pending"] as const),
      createdAt: createdAt + 900_000,
    });
  if (rng.next() < 0.5) {
    repo.reviewComments.push({
      id: ids.next(),
      author: rng.pick(USERS),
      issueNumber: pr.number,
      createdAt: createdAt + 2_000_000,
      updatedAt: createdAt + 2_000_000,
    });
  }
  addReviewRequests(pr);
  return pr;
}

/**
 * Review requests, readiness and size, drawn from a PRNG of the pull request's own (so everything
 * else stays what the organisation's seed made it): each reviewer was requested before their first
 * review; each outstanding request (users and teams) was made after its reviewer's last review, some
 * re-requested; a few asked a bot once; some PRs opened as drafts and were later marked ready.
 */
function addReviewRequests(pr: PullRequest) {
  const rng = prng(pr.id * 7919);
  const minute = 60_000;
  pr.additions = rng.int(1, 10) ** rng.int(1, 3);
  pr.deletions = rng.int(0, pr.additions);
  pr.changedFiles = rng.int(1, Math.min(50, Math.ceil((pr.additions + pr.deletions) / 20)));
  if (rng.next() < 0.2) pr.requestedTeams.push(rng.pick(REVIEW_TEAMS));
  const events: ReviewRequestEvent[] = [];
  for (const reviewer of new Set(pr.reviews.map((r) => r.author))) {
    const first = Math.min(...pr.reviews.filter((r) => r.author === reviewer).map((r) => r.submittedAt));
    events.push({ reviewer, createdAt: Math.max(pr.createdAt, first - rng.int(1, 25) * minute) });
  }
  if (rng.next() < 0.05) events.push({ reviewer: REVIEW_BOT, createdAt: pr.createdAt + minute });
  for (const reviewer of [...pr.requestedReviewers, ...pr.requestedTeams.map((slug) => `team:${slug}`)]) {
    const last = Math.max(pr.createdAt, ...pr.reviews.filter((r) => r.author === reviewer).map((r) => r.submittedAt));
    const at = Math.min(pr.updatedAt, last + rng.int(1, 120) * minute);
    const requestedAt = at > last ? at : last + minute;
    if (rng.next() < 0.3) events.push({ reviewer, createdAt: Math.floor((pr.createdAt + requestedAt) / 2) });
    events.push({ reviewer, createdAt: requestedAt });
  }
  pr.reviewRequestEvents = events.sort((a, b) => a.createdAt - b.createdAt);
  if (!pr.draft && rng.next() < 0.25) {
    const readyAt = pr.createdAt + Math.floor((rng.next() * (pr.updatedAt - pr.createdAt)) / minute) * minute;
    if (rng.next() < 0.2) pr.readyForReviewEvents.push(pr.createdAt + Math.floor((readyAt - pr.createdAt) / 2));
    pr.readyForReviewEvents.push(readyAt);
  }
  // Drawn last, so the rest stays what the seed made it. Work starts before the PR opens; a rebase
  // sometimes moves the committed date past the authored one.
  const authoredAt = pr.createdAt - rng.int(1, 72) * 60 * minute;
  const committedAt = rng.next() < 0.2 ? authoredAt + rng.int(1, 48) * 60 * minute : authoredAt;
  pr.firstCommit = { authoredAt, committedAt };
}
