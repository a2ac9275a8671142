/**
 * Our own Scorecard-style checks, computed from what a watchlist job read from GitHub's API alone
 * (../shared/WATCHLIST-NOTES.md). Labelled as ours on every screen, never as OpenSSF's: the scores
 * follow Scorecard's checks in spirit (0–10, -1 inconclusive) but not its exact probes.
 *
 * - Maintained: 0 when archived or created in the last 90 days; else 10 × the share of the last 13
 *   weeks with a commit on the default branch.
 * - Code-Review: of the newest 30 commits by people (bots left out), the share that came through a pull
 *   request ("(#123)" squash titles or "Merge pull request #123"); -1 without such commits.
 * - License: 10 for a licence GitHub names, 6 for a licence file it cannot name, 0 for none.
 * - Security-Policy: 10 with a SECURITY file in the root, `.github/` or `docs/`, else 0.
 * - Dependency-Update-Tool: 10 with a Dependabot or Renovate configuration, else 0.
 * - Signed-Releases: 10 × the share of the newest releases with assets (at most 5) that carry a
 *   signature or provenance (`.sig .asc .minisig .sigstore .intoto.jsonl`); -1 without such releases.
 * - Branch-Protection: of the default branch's rules, 10 when a pull request with an approval is
 *   required, 5 when only other rules protect it (no force push, no deletion…), 0 for none.
 */
import type { Doc } from "../_generated/dataModel";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
export const OURS_LABEL = "Syncboard's own checks (Scorecard-style, from GitHub's API; not OpenSSF's)";

type Entry = Pick<Doc<"watchEntries">, "repository" | "releases" | "files" | "branchRules">;
type Commit = { committedAt: number; title: string; author?: string };
type Check = { name: string; score: number; reason: string };

export const SIGNATURE_ASSET = /\.(sig|asc|minisig|sigstore(\.json)?|intoto\.jsonl)$/i;
export const SECURITY_FILE = /^security(\.md|\.markdown|\.rst|\.txt)?$/i;
export const DEPENDENCY_TOOL_FILES: Record<string, string> = {
  ".github/dependabot.yml": "Dependabot",
  ".github/dependabot.yaml": "Dependabot",
  "renovate.json": "Renovate",
  "renovate.json5": "Renovate",
  ".renovaterc": "Renovate",
  ".renovaterc.json": "Renovate",
  ".github/renovate.json": "Renovate",
  ".github/renovate.json5": "Renovate",
};

const pullRequestTitle = /\(#\d+\)\s*$|^Merge pull request #\d+/;
const isBot = (login: string | undefined) => login !== undefined && /\[bot\]$|^dependabot|^renovate/i.test(login);

/** `commits` newest first (what the entry stores); `now` the processing's instant. */
export function ourChecks(entry: Entry, commits: Commit[], now: number): Check[] {
  return [
    maintained(entry, commits, now),
    codeReview(commits),
    license(entry),
    {
      name: "Security-Policy",
      ...(entry.files?.securityPolicy
        ? { score: 10, reason: `security policy found: ${entry.files.securityPolicy}` }
        : { score: 0, reason: "no SECURITY file in the root, .github/ or docs/" }),
    },
    {
      name: "Dependency-Update-Tool",
      ...(entry.files?.dependencyUpdateTool
        ? { score: 10, reason: `configured: ${entry.files.dependencyUpdateTool}` }
        : { score: 0, reason: "no Dependabot or Renovate configuration" }),
    },
    signedReleases(entry),
    branchProtection(entry),
  ];
}

function maintained(entry: Entry, commits: Commit[], now: number): Check {
  const name = "Maintained";
  const repo = entry.repository;
  if (!repo) return { name, score: -1, reason: "repository not read yet" };
  if (repo.archived) return { name, score: 0, reason: "the repository is archived" };
  if (now - repo.createdAt < 90 * DAY_MS) return { name, score: 0, reason: "created in the last 90 days" };
  const recent = commits.filter((c) => c.committedAt > now - 13 * WEEK_MS);
  const weeks = new Set(recent.map((c) => Math.floor((now - c.committedAt) / WEEK_MS)));
  const active = Math.min(13, weeks.size);
  return {
    name,
    score: Math.round((10 * active) / 13),
    reason: `${recent.length} commit${recent.length === 1 ? "" : "s"} in the last 90 days, in ${active} of 13 weeks`,
  };
}

function codeReview(commits: Commit[]): Check {
  const name = "Code-Review";
  const people = commits.filter((c) => !isBot(c.author)).slice(0, 30);
  if (people.length === 0) return { name, score: -1, reason: "no recent commits by people" };
  const reviewed = people.filter((c) => pullRequestTitle.test(c.title)).length;
  return {
    name,
    score: Math.round((10 * reviewed) / people.length),
    reason: `${reviewed} of the last ${people.length} changes came through a pull request`,
  };
}

function license(entry: Entry): Check {
  const name = "License";
  const spdx = entry.repository?.license;
  if (!spdx) return { name, score: 0, reason: "no licence file" };
  if (spdx === "NOASSERTION") return { name, score: 6, reason: "a licence file GitHub could not identify" };
  return { name, score: 10, reason: `licence: ${spdx}` };
}

function signedReleases(entry: Entry): Check {
  const name = "Signed-Releases";
  const r = entry.releases;
  if (!r || r.withAssets === 0) return { name, score: -1, reason: "no recent releases with assets" };
  return {
    name,
    score: Math.round((10 * r.signed) / r.withAssets),
    reason: `${r.signed} of the last ${r.withAssets} releases with assets are signed`,
  };
}

function branchProtection(entry: Entry): Check {
  const name = "Branch-Protection";
  const b = entry.branchRules;
  const branch = entry.repository?.defaultBranch ?? "the default branch";
  if (!b) return { name, score: -1, reason: "branch rules not read" };
  if (b.rules.includes("pull_request") && b.requiredReviews > 0) {
    const approvals = `${b.requiredReviews} approval${b.requiredReviews === 1 ? "" : "s"}`;
    return { name, score: 10, reason: `${branch} requires a pull request with ${approvals}` };
  }
  if (b.rules.length > 0) return { name, score: 5, reason: `${branch} is protected by: ${b.rules.join(", ")}` };
  return { name, score: 0, reason: `no rules protect ${branch}` };
}
