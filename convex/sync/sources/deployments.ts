/**
 * DORA's inputs: GitHub deployments (GraphQL, newest first, back to the horizon; one point per 100),
 * and the chosen workflow's runs when the repository chose one (no request without a choice; a choice
 * made since the last sync fetches back to the horizon).
 */
import { internal } from "../../_generated/api";
import { fetchDeploymentsPage, fetchWorkflowRunsPage } from "../../github/deploymentPages";
import type { Source } from "./source";

const DAY_MS = 86_400_000;

export const deployments: Source = async (s, p) => {
  const page = await s.request("graphql", 1, () =>
    fetchDeploymentsPage(s.client, s.coordinates, { since: s.horizon, ...(p.page && { after: p.page }) }),
  );
  if (page.cost !== undefined) s.settle("graphql", page.cost - 1);
  return { records: page.records, ...(page.next && { next: page.next }) };
};

export const workflowRuns: Source = async (s, p) => {
  const source = await s.runQuery(internal.model.deployments.deploymentSource, { repositoryId: s.repo.id });
  // No choice: nothing to fetch or commit (the next phase stores the progress; a retry asks again).
  if (source.workflow === null) return "skip";
  const fresh = s.firstSync || source.changedAt > (s.repo.syncCursor.since ?? 0);
  const workflow = source.workflow;
  const page = await s.request("core", 1, () =>
    fetchWorkflowRunsPage(s.client, s.coordinates, workflow, {
      since: fresh ? s.horizon : s.since - DAY_MS,
      ...(p.page && { next: p.page }),
    }),
  );
  return { records: page.records, ...(page.next && { next: page.next }) };
};
