/** Issue comments and review comments updated since the watermark (REST). */
import { listSince } from "../../github/api";
import type { Source } from "./source";

export const comments: Source = async (s, p) => {
  const kind = p.phase === "reviewComments" ? "reviewComments" : "issueComments";
  const page = await s.request("core", 1, () =>
    listSince(s.client, s.coordinates, kind, { since: s.since, ...(p.page && { next: p.page }) }),
  );
  return { records: page.records, ...(page.next && { next: page.next }) };
};
