/** Commits (REST, newest first), only when the repository was pushed to since the last sync; capped per repository. */
import { listSince } from "../../github/api";
import type { Source } from "./source";

export const commits: Source = async (s, p) => {
  const lastPushedAt = s.repo.syncCursor.pushedAt;
  const pushed = s.firstSync || lastPushedAt === undefined || (s.repo.pushedAt ?? 0) > lastPushedAt;
  if (!pushed) return { records: [] };
  const fetched = p.fetched ?? 0;
  const page = await s.request("core", 1, () =>
    listSince(s.client, s.coordinates, "commits", { since: s.since, ...(p.page && { next: p.page }) }),
  );
  // Newest first: the cap keeps the most recent commits.
  const records = page.records.slice(0, Math.max(0, s.settings.maxCommits - fetched));
  const total = fetched + records.length;
  const more = page.next && total < s.settings.maxCommits;
  return { records, ...(more && { next: page.next }), progress: { fetched: total } };
};
