/**
 * The watchlist stage (seed 001): each due entry of the installation's watchlist, one step at a time —
 * the repository, a year of commits (at most 1,000, newest first), releases, the open pull requests'
 * count, the files our checks look for, the default branch's rules, then OpenSSF's Scorecard result
 * (weekly). Every GitHub request goes through the slice's `request` with the watchlist's own floor
 * (policy.ts `watchlistFloor`): the watchlist never spends the budget the installation's sync needs.
 * A refresh asks conditionally (ETags): an unchanged repository costs 304s, which cost nothing.
 * Each answer is committed with the stage's cursor (`watchlistJobs.ts`), so a slice resumes where it stopped.
 */
import { internal } from "../_generated/api";
import { GitHubError } from "../github/errors";
import { log } from "../log";
import { fetchScorecard } from "../github/scorecard";
import {
  branchRules,
  directoryNames,
  openPullCount,
  watchedCommits,
  watchedReleases,
  watchedRepository,
} from "../github/watchlist";
import { SIGNATURE_ASSET } from "../watchlist/checks";
import { WATCH_HISTORY_MS, type WatchAnswer } from "../watchlist/record";
import { watchlistFloor } from "./policy";
import type { Slice } from "./slice";

type Job = NonNullable<Awaited<ReturnType<typeof loadEntry>>>;
type Cursor = NonNullable<Slice["cursor"]["watchlist"]>;

const loadEntry = (slice: Slice, c: Cursor) =>
  slice.ctx.runQuery(internal.sync.watchlistJobs.entryForJob, { entryId: c.entryId });

/** One step: "more" to go on, "done" when no entry is due, "lost" if the lease was lost. */
export async function watchlistStep(slice: Slice): Promise<"more" | "done" | "lost"> {
  const c = slice.cursor.watchlist;
  let answer: WatchAnswer | undefined;
  if (c) {
    const entry = await loadEntry(slice, c);
    answer = entry ? await fetchAnswer(slice, c, entry) : { step: "refused", kind: "not_found", message: "removed" };
  }
  const next = await slice.serial(() =>
    slice.ctx.runMutation(internal.sync.watchlistJobs.commitWatch, {
      ...slice.lease,
      ...(answer && { answer }),
      ...slice.delta(),
    }),
  );
  if (next === null) return "lost";
  const { watchlist: _, ...base } = slice.cursor;
  slice.moved(next === "done" ? base : { ...base, watchlist: next });
  return next === "done" ? "done" : "more";
}

async function fetchAnswer(slice: Slice, c: Cursor, e: Job): Promise<WatchAnswer> {
  try {
    return await fetchStep(slice, c, e);
  } catch (error) {
    // GitHub will not show this repository (missing, or private to someone else): the entry's attempt failed.
    if (error instanceof GitHubError && (error.kind === "not_found" || error.kind === "forbidden")) {
      return { step: "refused", kind: error.kind, message: refusal(error.kind, `${e.owner}/${e.name}`) };
    }
    throw error;
  }
}

function refusal(kind: "not_found" | "forbidden", fullName: string): string {
  return kind === "not_found"
    ? `GitHub does not show ${fullName}: it does not exist, or it is private and this installation cannot read it.`
    : `GitHub refused to show ${fullName} to this installation.`;
}

async function fetchStep(slice: Slice, c: Cursor, e: Job): Promise<WatchAnswer> {
  const { client } = slice;
  const get = <T>(call: () => Promise<T>) => slice.request("core", 1, call, watchlistFloor);
  // A ready entry's refresh asks conditionally; a first processing reads everything.
  const etag = (key: keyof Job["etags"]) => (e.status === "ready" ? e.etags[key] : undefined);
  switch (c.step) {
    case "repository": {
      const r = await get(() => watchedRepository(client, e.owner, e.name, etag("repository")));
      if (r.notModified) return { step: "unchanged", of: "repository" };
      const d = r.data;
      return {
        step: "repository",
        ...(r.etag && { etag: r.etag }),
        githubId: d.id,
        fullName: d.full_name,
        private: d.private,
        repository: {
          ...(d.description && { description: d.description }),
          htmlUrl: d.html_url,
          stars: d.stargazers_count,
          forks: d.forks_count,
          archived: d.archived,
          defaultBranch: d.default_branch,
          ...(d.license?.spdx_id && { license: d.license.spdx_id }),
          createdAt: d.created_at,
          ...(d.pushed_at != null && { pushedAt: d.pushed_at }),
          openIssues: d.open_issues_count,
        },
      };
    }
    case "commits": {
      const first = c.page === undefined;
      const r = await get(() =>
        watchedCommits(client, e.owner, e.name, {
          since: Date.now() - WATCH_HISTORY_MS,
          ...(c.page && { next: c.page }),
          ...(first && etag("commits") && { etag: etag("commits") }),
        }),
      );
      if (r.notModified) return { step: "unchanged", of: "commits" };
      return {
        step: "commits",
        commits: r.data,
        ...(first && r.etag && { etag: r.etag }),
        ...(r.next && { next: r.next }),
      };
    }
    case "releases": {
      const r = await get(() => watchedReleases(client, e.owner, e.name, etag("releases")));
      if (r.notModified) return { step: "unchanged", of: "releases" };
      const published = r.data.filter((x) => !x.draft);
      const latest = published.find((x) => !x.prerelease) ?? published[0];
      const withAssets = published.filter((x) => x.assets.length > 0).slice(0, 5);
      return {
        step: "releases",
        ...(r.etag && { etag: r.etag }),
        count: published.length,
        ...(latest && {
          latest: {
            tag: latest.tag_name,
            ...(latest.name && { name: latest.name }),
            publishedAt: latest.published_at ?? latest.created_at,
            url: latest.html_url,
          },
        }),
        withAssets: withAssets.length,
        signed: withAssets.filter((x) => x.assets.some((a) => SIGNATURE_ASSET.test(a.name))).length,
      };
    }
    case "pulls": {
      const r = await get(() => openPullCount(client, e.owner, e.name, etag("pulls")));
      if (r.notModified) return { step: "unchanged", of: "pulls" };
      return { step: "pulls", count: r.data, ...(r.etag && { etag: r.etag }) };
    }
    case "files": {
      const dir = async (path: string, key: "root" | "github" | "docs") => {
        const r = await get(() => directoryNames(client, e.owner, e.name, path, etag(key)));
        return r.notModified ? undefined : { names: r.data, ...(r.etag && { etag: r.etag }) };
      };
      const root = await dir("", "root");
      const github = await dir(".github", "github");
      // docs/ only where the root has it (or had it, when the root answered 304).
      const hasDocs = root ? root.names.some((n) => n.name === "docs" && n.type === "dir") : !!e.etags.docs;
      const docs = hasDocs ? await dir("docs", "docs") : undefined;
      return { step: "files", ...(root && { root }), ...(github && { github }), ...(docs && { docs }) };
    }
    case "rules": {
      if (!e.defaultBranch) return { step: "rules", rules: [], requiredReviews: 0 };
      const r = await get(() => branchRules(client, e.owner, e.name, e.defaultBranch!, etag("rules")));
      if (r.notModified) return { step: "unchanged", of: "rules" };
      return { step: "rules", ...r.data, ...(r.etag && { etag: r.etag }) };
    }
    case "scorecard": {
      if (!e.scorecardWanted) return { step: "scorecard" };
      // Not GitHub: no budget; one request at a time (no published limit, be polite).
      try {
        return { step: "scorecard", result: await fetchScorecard(e.owner, e.name) };
      } catch (error) {
        // An answer we cannot read keeps the result we have (asked again next time); a 429/5xx backs off.
        if (!(error instanceof GitHubError) || error.kind === "transient") throw error;
        log.warn("watchlist.scorecard_unreadable", { repository: `${e.owner}/${e.name}`, error: error.message });
        return { step: "scorecard" };
      }
    }
  }
}
