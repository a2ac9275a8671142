/** Every phase of a repository's sync and the source module that fetches it. */
import { comments } from "./comments";
import { commits } from "./commits";
import { deployments, workflowRuns } from "./deployments";
import { closedIssues, issues } from "./issues";
import { probe } from "./probe";
import { pullRequests } from "./pullRequests";
import type { Sources } from "./source";

export const SOURCES: Sources = {
  probe,
  openPulls: pullRequests,
  pulls: pullRequests,
  closedPulls: pullRequests,
  openIssues: issues,
  issues,
  closedIssues,
  issueComments: comments,
  reviewComments: comments,
  deployments,
  workflowRuns,
  commits,
};
