/**
 * Repositories outside the fake's installation, as GitHub serves them to any installation token (the
 * watchlist, seed 001): public ones with commits, releases, files and branch rules; private ones
 * (404, as GitHub hides them), missing ones (404), renamed ones (301 to `/repositories/{id}`, which
 * `fetch` follows), archived ones. And a fake OpenSSF Scorecard API (`api.scorecard.dev`): results,
 * 404 for a repository OpenSSF does not scan, checks scored -1. Shapes from GitHub's OpenAPI examples.
 */
import { example } from "./shapes";

export interface OutsideCommit {
  sha: string;
  date: number;
  message: string;
  author: string;
}
export interface OutsideRelease {
  tag: string;
  name?: string;
  publishedAt: number;
  assets: string[];
  draft?: boolean;
  prerelease?: boolean;
}
export interface OutsideRepo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  archived: boolean;
  description: string;
  stars: number;
  forks: number;
  license: string | null;
  createdAt: number;
  pushedAt: number;
  defaultBranch: string;
  commits: OutsideCommit[];
  releases: OutsideRelease[];
  /** File paths on the default branch (directories are inferred). */
  files: string[];
  rules: Array<{ type: string; parameters?: Record<string, unknown> }>;
  openIssues: number;
  openPulls: number;
}
export interface ScorecardCheck {
  name: string;
  score: number;
  reason: string;
}
export interface ScorecardResult {
  date: string;
  commit: string;
  score: number;
  checks: ScorecardCheck[];
}

const DAY = 86_400_000;
const WEB = "https://github.com";
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

let templates: Record<string, any> | null = null;
const t = () =>
  (templates ??= {
    repository: example("/repos/{owner}/{repo}", "get", "200"),
    release: example("/repos/{owner}/{repo}/releases", "get", "200")[0],
    pull: example("/repos/{owner}/{repo}/pulls", "get", "200")[0],
    rule: example("/repos/{owner}/{repo}/rules/branches/{branch}", "get", "200")[0],
    commit: example("/repos/{owner}/{repo}/commits", "get", "200")[0],
  });

/** The typical checks of OpenSSF's weekly scan (some answer -1, inconclusive). */
export const SCORECARD_CHECKS = [
  "Binary-Artifacts",
  "Branch-Protection",
  "CII-Best-Practices",
  "Code-Review",
  "Dangerous-Workflow",
  "Fuzzing",
  "License",
  "Maintained",
  "Packaging",
  "Pinned-Dependencies",
  "SAST",
  "Security-Policy",
  "Signed-Releases",
  "Token-Permissions",
  "Vulnerabilities",
];

export class OutsideRepos {
  readonly repos = new Map<string, OutsideRepo>();
  /** Old name (lower case) → repository id: GitHub redirects the old name. */
  readonly renamed = new Map<string, number>();
  readonly scorecards = new Map<string, ScorecardResult>();
  /** Requests the fake Scorecard API answered, and the faults it should answer with next. */
  readonly scorecardRequests: string[] = [];
  scorecardFaults: Array<number | "malformed"> = [];
  private nextId = 900_000;

  constructor(private readonly now: () => number) {}

  /**
   * A public repository like `facebook/react`: `commits` over `spanDays` (newest first, spread evenly
   * back from now), `releases` (newest first), SECURITY.md and Dependabot, a protected default branch.
   */
  add(
    owner: string,
    name: string,
    o: Partial<OutsideRepo> & { commitCount?: number; spanDays?: number; releaseCount?: number } = {},
  ) {
    const now = this.now();
    const count = o.commitCount ?? 50;
    const span = (o.spanDays ?? 365) * DAY;
    const id = this.nextId++;
    const commits: OutsideCommit[] =
      o.commits ??
      Array.from({ length: count }, (_, i) => ({
        sha: sha(`${owner}/${name}#${i}`),
        // The newest an hour ago, then evenly back over the span.
        date: now - 3_600_000 - Math.floor((i * span) / Math.max(1, count)),
        message: i % 3 === 0 ? `Fix the thing ${i}\n\nBody` : `Change ${i} (#${10_000 - i})`,
        author: i % 7 === 0 ? "dependabot[bot]" : `dev${i % 5}`,
      }));
    const releases: OutsideRelease[] =
      o.releases ??
      Array.from({ length: o.releaseCount ?? 5 }, (_, i) => ({
        tag: `v${(o.releaseCount ?? 5) - i}.0.0`,
        publishedAt: now - (i + 1) * 9 * DAY,
        assets: i % 2 === 0 ? ["build.tar.gz", "build.tar.gz.sig"] : ["build.tar.gz"],
      }));
    const repo: OutsideRepo = {
      id,
      owner,
      name,
      private: false,
      archived: false,
      description: `${name}: a library`,
      stars: 1234,
      forks: 56,
      license: "MIT",
      createdAt: now - 5 * 365 * DAY,
      pushedAt: commits[0]?.date ?? now,
      defaultBranch: "main",
      files: ["README.md", "LICENSE", "SECURITY.md", "package.json", ".github/dependabot.yml", "docs/guide.md"],
      rules: [
        { type: "deletion" },
        { type: "non_fast_forward" },
        {
          type: "pull_request",
          parameters: {
            dismiss_stale_reviews_on_push: true,
            require_code_owner_review: false,
            require_last_push_approval: false,
            required_approving_review_count: 1,
            required_review_thread_resolution: false,
          },
        },
      ],
      openIssues: 40,
      openPulls: 12,
      ...o,
      commits,
      releases,
    };
    this.repos.set(`${owner}/${name}`.toLowerCase(), repo);
    return repo;
  }

  get(fullName: string): OutsideRepo {
    const r = this.repos.get(fullName.toLowerCase());
    if (!r) throw new Error(`no outside repository ${fullName}`);
    return r;
  }

  /** GitHub's rename (or transfer): the old name answers with a redirect to the repository's id. */
  rename(fullName: string, to: string) {
    const r = this.get(fullName);
    this.repos.delete(fullName.toLowerCase());
    const [owner, name] = to.split("/");
    r.owner = owner!;
    r.name = name!;
    this.repos.set(to.toLowerCase(), r);
    this.renamed.set(fullName.toLowerCase(), r.id);
  }

  pushCommit(fullName: string, message = "A new commit (#99999)", author = "dev1") {
    const r = this.get(fullName);
    const c = { sha: sha(`${fullName}@${this.now()}#${r.commits.length}`), date: this.now(), message, author };
    r.commits.unshift(c);
    r.pushedAt = c.date;
    return c;
  }

  /** A scan result for the fake Scorecard API (checks default to OpenSSF's usual list, one of them -1). */
  setScorecard(fullName: string, r: Partial<ScorecardResult> & { score: number }) {
    this.scorecards.set(fullName.toLowerCase(), {
      date: r.date ?? new Date(this.now()).toISOString().slice(0, 10),
      commit: r.commit ?? sha(`${fullName}@scan`),
      checks:
        r.checks ??
        SCORECARD_CHECKS.map((name, i) => ({
          name,
          score: name === "Packaging" ? -1 : Math.min(10, Math.max(0, Math.round(r.score) + (i % 3) - 1)),
          reason: name === "Packaging" ? "packaging workflow not detected" : `${name} reason`,
        })),
      score: r.score,
    });
  }

  /** A 301 for a renamed repository's old name (what GitHub answers), or null. */
  redirect(path: string, url: URL): string | null {
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return null;
    const id = this.renamed.get(`${m[1]}/${m[2]}`.toLowerCase());
    if (id === undefined || this.repos.has(`${m[1]}/${m[2]}`.toLowerCase())) return null;
    return `${url.protocol}//${url.host}/repositories/${id}${m[3] ?? ""}${url.search}`;
  }

  /** The listing or document an outside repository's endpoint answers, "missing" (404), or null (not ours). */
  route(path: string, url: URL): { items: unknown[]; single?: boolean } | "missing" | null {
    const api = `${url.protocol}//${url.host}`;
    const byId = /^\/repositories\/(\d+)(\/.*)?$/.exec(path);
    const byName = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    let repo: OutsideRepo | undefined;
    let rest: string;
    if (byId) {
      repo = [...this.repos.values()].find((r) => r.id === Number(byId[1]));
      rest = byId[2] ?? "";
    } else if (byName) {
      repo = this.repos.get(`${byName[1]}/${byName[2]}`.toLowerCase());
      rest = byName[3] ?? "";
    } else return null;
    if (!repo) return byId ? "missing" : null;
    // GitHub hides a private repository from an installation it is not granted to.
    if (repo.private) return "missing";
    const q = url.searchParams;
    const full = `${repo.owner}/${repo.name}`;
    if (rest === "") return { items: [repositoryJson(repo, api)], single: true };
    if (rest === "/commits") {
      const since = q.get("since") ? Date.parse(q.get("since")!) : -Infinity;
      return { items: repo.commits.filter((c) => c.date >= since).map((c) => commitJson(repo!, c, api)) };
    }
    if (rest === "/releases") return { items: repo.releases.map((r, i) => releaseJson(repo!, r, i, api)) };
    if (rest === "/pulls") {
      if ((q.get("state") ?? "open") !== "open") return { items: [] };
      return {
        items: Array.from({ length: repo.openPulls }, (_, i) => ({ ...t().pull, number: i + 1, state: "open" })),
      };
    }
    const contents = /^\/contents\/?(.*)$/.exec(rest);
    if (contents) {
      const dir = decodeURIComponent(contents[1] ?? "").replace(/\/$/, "");
      const entries = new Map<string, "file" | "dir">();
      for (const f of repo.files) {
        if (dir && !f.startsWith(`${dir}/`)) continue;
        const tail = dir ? f.slice(dir.length + 1) : f;
        const [head, ...more] = tail.split("/");
        entries.set(head!, more.length > 0 ? "dir" : (entries.get(head!) ?? "file"));
      }
      if (entries.size === 0) return "missing";
      return {
        items: [...entries].map(([name, type]) => contentJson(full, dir ? `${dir}/${name}` : name, name, type, api)),
      };
    }
    const rules = /^\/rules\/branches\/([^/]+)$/.exec(rest);
    if (rules) return { items: repo.rules.map((r, i) => ({ ...t().rule, ...r, ruleset_id: i + 1 })) };
    return "missing";
  }

  /** The fake OpenSSF Scorecard API. */
  scorecard(url: URL): Response {
    this.scorecardRequests.push(url.pathname);
    const fault = this.scorecardFaults.shift();
    if (fault === "malformed") return new Response(JSON.stringify({ score: "high", checks: null }), { status: 200 });
    if (fault) return new Response("error", { status: fault });
    const m = /^\/projects\/github\.com\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const r = m && this.scorecards.get(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`.toLowerCase());
    if (!m || !r) return new Response(JSON.stringify({ code: 5, message: "Not Found" }), { status: 404 });
    const body = {
      date: r.date,
      repo: { name: `github.com/${m[1]}/${m[2]}`, commit: r.commit },
      scorecard: { version: "v5.1.1", commit: "ab2f6e92482462fe66246d9e32f642855a691dc1" },
      score: r.score,
      checks: r.checks.map((c) => ({
        name: c.name,
        score: c.score,
        reason: c.reason,
        details: null,
        documentation: {
          short: `Determines ${c.name}`,
          url: `https://github.com/ossf/scorecard/blob/ab2f6e9/docs/checks.md#${c.name.toLowerCase()}`,
        },
      })),
      metadata: null,
    };
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  }
}

function repositoryJson(r: OutsideRepo, api: string) {
  const full = `${r.owner}/${r.name}`;
  return {
    ...t().repository,
    id: r.id,
    node_id: `R_${r.id}`,
    name: r.name,
    full_name: full,
    owner: { ...t().repository.owner, login: r.owner, type: "Organization" },
    private: r.private,
    archived: r.archived,
    description: r.description,
    stargazers_count: r.stars,
    watchers_count: r.stars,
    forks_count: r.forks,
    open_issues_count: r.openIssues + r.openPulls,
    default_branch: r.defaultBranch,
    license: r.license
      ? { key: r.license.toLowerCase(), name: r.license, spdx_id: r.license, url: null, node_id: "L" }
      : null,
    html_url: `${WEB}/${full}`,
    url: `${api}/repos/${full}`,
    created_at: iso(r.createdAt),
    pushed_at: iso(r.pushedAt),
    updated_at: iso(r.pushedAt),
  };
}

function commitJson(r: OutsideRepo, c: OutsideCommit, api: string) {
  const full = `${r.owner}/${r.name}`;
  const person = { name: c.author, email: `${c.author}@example.com`, date: iso(c.date) };
  return {
    ...t().commit,
    sha: c.sha,
    url: `${api}/repos/${full}/commits/${c.sha}`,
    html_url: `${WEB}/${full}/commit/${c.sha}`,
    commit: { ...t().commit.commit, message: c.message, author: person, committer: person },
    author: { ...t().commit.author, login: c.author },
  };
}

function releaseJson(r: OutsideRepo, rel: OutsideRelease, i: number, api: string) {
  const full = `${r.owner}/${r.name}`;
  return {
    ...t().release,
    id: r.id * 1000 + i,
    tag_name: rel.tag,
    name: rel.name ?? rel.tag,
    draft: rel.draft ?? false,
    prerelease: rel.prerelease ?? false,
    created_at: iso(rel.publishedAt),
    published_at: iso(rel.publishedAt),
    html_url: `${WEB}/${full}/releases/tag/${rel.tag}`,
    url: `${api}/repos/${full}/releases/${r.id * 1000 + i}`,
    assets: rel.assets.map((name, j) => ({ ...t().release.assets[0], id: j + 1, name })),
  };
}

function contentJson(full: string, path: string, name: string, type: "file" | "dir", api: string) {
  return {
    type,
    size: type === "file" ? 100 : 0,
    name,
    path,
    sha: sha(`${full}:${path}`),
    url: `${api}/repos/${full}/contents/${path}`,
    git_url: `${api}/repos/${full}/git/blobs/${sha(path)}`,
    html_url: `${WEB}/${full}/blob/main/${path}`,
    download_url: type === "file" ? `https://raw.githubusercontent.com/${full}/main/${path}` : null,
    _links: { self: `${api}/repos/${full}/contents/${path}`, git: null, html: `${WEB}/${full}/blob/main/${path}` },
  };
}

function sha(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 2246822519) >>> 0;
  }
  return (h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0")).repeat(3).slice(0, 40);
}
