/**
 * Has anything changed? The most recently updated issue or pull request, conditional on its last ETag:
 * a 304 costs no budget and the repository skips to what does not depend on it (runs, commits).
 */
import { probeRepositoryChanges } from "../../github/api";
import type { Source } from "./source";

export const probe: Source = async (s, p) => {
  const res = await s.request("core", 1, () =>
    probeRepositoryChanges(s.client, s.coordinates, s.repo.syncCursor.changeProbeEtag),
  );
  const repoEtag = res.etag ?? p.repoEtag;
  return {
    records: [],
    progress: { changed: res.changed || s.firstSync, ...(repoEtag && { repoEtag }) },
    currentRepository: true,
  };
};
