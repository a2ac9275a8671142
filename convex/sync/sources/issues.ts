/**
 * Issues (REST, pull requests left out by the mapper) and, on a first sync, closed issues through
 * GraphQL (no pull requests padding the pages, and off the REST budget).
 */
import { fetchClosedIssuesPage, listSince } from "../../github/api";
import type { Source } from "./source";

export const issues: Source = async (s, p) => {
  const kind = p.phase === "openIssues" ? "openIssues" : "issues";
  const page = await s.request("core", 1, () =>
    listSince(s.client, s.coordinates, kind, {
      ...(kind !== "openIssues" && { since: s.since }),
      ...(p.page && { next: p.page }),
    }),
  );
  return { records: page.records, ...(page.next && { next: page.next }) };
};

export const closedIssues: Source = async (s, p) => {
  const page = await s.request("graphql", 1, () =>
    fetchClosedIssuesPage(s.client, s.coordinates, { since: s.since, ...(p.page && { after: p.page }) }),
  );
  if (page.cost !== undefined) s.settle("graphql", page.cost - 1);
  return { records: page.records, ...(page.next && { next: page.next }) };
};
