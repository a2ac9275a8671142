/**
 * Deployments from GitHub (issue 14, DORA): the `deployment`, `deployment_status` and `workflow_run`
 * webhook payloads mapped to `DeploymentRecord`s (the sync's pages of them: deploymentPages.ts).
 *
 * Which of them count as production is the write path's decision (model/deployments.ts): it knows the
 * repository's choice. Workflow runs are mapped whatever the workflow; the write path keeps only the
 * chosen workflow's.
 */
import { z } from "zod";
import type { AnyRecord, DeploymentRecord } from "../model/records";
import { timeMs } from "./mapShared";
import { fullRepository } from "./webhookPayloads";

export interface RepoCoordinates {
  githubId: number;
  owner: string;
  name: string;
  defaultBranch: string;
}

const maybeUser = z.object({ login: z.string() }).nullable().optional();
const installationRef = z.object({ id: z.number() }).optional();

/** A deployment object of the REST API and of `deployment` / `deployment_status` payloads. */
const deploymentPayload = z.object({
  id: z.number(),
  url: z.string(),
  sha: z.string(),
  ref: z.string().nullable().optional(),
  environment: z.string(),
  production_environment: z.boolean().optional(),
  creator: maybeUser,
  created_at: z.string(),
  updated_at: z.string(),
});

export const deploymentEvent = z.object({
  // GitHub Enterprise Server sends these two events without an action.
  action: z.string().optional(),
  installation: installationRef,
  repository: fullRepository,
  deployment: deploymentPayload,
});

export const deploymentStatusEvent = z.object({
  action: z.string().optional(),
  installation: installationRef,
  repository: fullRepository,
  deployment: deploymentPayload,
  deployment_status: z.object({
    state: z.string(),
    created_at: z.string(),
    updated_at: z.string().optional(),
  }),
});

/** A workflow run of the REST API and of `workflow_run` payloads (its name may be empty: the workflow's is used). */
export const workflowRunPayload = z.object({
  id: z.number(),
  name: z.string().nullable().optional(),
  path: z.string().optional(),
  head_branch: z.string().nullable(),
  head_sha: z.string(),
  status: z.string().nullable(),
  conclusion: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  html_url: z.string(),
  actor: maybeUser,
});

export const workflowRunEvent = z.object({
  action: z.string(),
  installation: installationRef,
  repository: fullRepository,
  workflow_run: workflowRunPayload,
  workflow: z.object({ name: z.string(), path: z.string() }).nullable().optional(),
});

export type DeploymentState = DeploymentRecord["state"];

/** A deployment status's state: error counts as failure; queued / in_progress / waiting are pending. */
export function statusState(state: string): DeploymentState {
  const s = state.toLowerCase();
  if (s === "success") return "success";
  if (s === "failure" || s === "error") return "failure";
  if (s === "inactive") return "inactive";
  return "pending";
}

/** The outcome's time field of a state at `at` (success → succeededAt, failure → failedAt). */
const outcomeAt = (state: DeploymentState, at: number) =>
  state === "success" ? { succeededAt: at } : state === "failure" ? { failedAt: at } : {};

function fromDeployment(repoGithubId: number, d: z.infer<typeof deploymentPayload>) {
  return {
    githubId: d.id,
    repoGithubId,
    source: "deployment" as const,
    environment: d.environment,
    ...(d.production_environment !== undefined && { productionEnvironment: d.production_environment }),
    sha: d.sha,
    ...(d.ref && { ref: d.ref }),
    ...(d.creator && { creatorLogin: d.creator.login }),
    url: d.url,
    createdAt: timeMs(d.created_at),
  };
}

/** A `deployment` (created) event: the deployment, pending until a status says otherwise. */
export function mapDeploymentEvent(p: z.infer<typeof deploymentEvent>): AnyRecord[] {
  const base = fromDeployment(p.repository.id, p.deployment);
  return [{ kind: "deployment", record: { ...base, updatedAt: timeMs(p.deployment.updated_at), state: "pending" } }];
}

/** A `deployment_status` (created) event: the deployment as of this status (dated by it). */
export function mapDeploymentStatusEvent(p: z.infer<typeof deploymentStatusEvent>): AnyRecord[] {
  const s = p.deployment_status;
  const state = statusState(s.state);
  const at = timeMs(s.updated_at ?? s.created_at);
  const base = fromDeployment(p.repository.id, p.deployment);
  return [{ kind: "deployment", record: { ...base, updatedAt: at, state, ...outcomeAt(state, timeMs(s.created_at)) } }];
}

/** `.github/workflows/deploy.yml` of a run's path (REST may append `@ref`). */
const workflowFile = (path: string | undefined) => path?.split("@")[0];
const FAILED_CONCLUSIONS = new Set(["failure", "timed_out", "startup_failure"]);

/**
 * A completed workflow run on `defaultBranch` as a deployment (null otherwise): success or failure
 * by its conclusion; cancelled, skipped and other conclusions deploy nothing (inactive).
 */
export function mapWorkflowRun(
  repoGithubId: number,
  run: z.infer<typeof workflowRunPayload>,
  defaultBranch: string,
  workflow?: { name: string; path: string } | null,
): DeploymentRecord | null {
  if (run.status !== "completed" || run.head_branch !== defaultBranch) return null;
  const path = workflowFile(run.path ?? workflow?.path);
  const state: DeploymentState =
    run.conclusion === "success" ? "success" : FAILED_CONCLUSIONS.has(run.conclusion ?? "") ? "failure" : "inactive";
  const at = timeMs(run.updated_at);
  return {
    githubId: run.id,
    repoGithubId,
    source: "workflow_run",
    environment: workflow?.name || run.name || path?.split("/").pop() || "workflow",
    ...(path && { workflowPath: path }),
    sha: run.head_sha,
    ref: run.head_branch,
    ...(run.actor && { creatorLogin: run.actor.login }),
    url: run.html_url,
    createdAt: timeMs(run.created_at),
    updatedAt: at,
    state,
    ...outcomeAt(state, at),
  };
}

/** A `workflow_run` event: its run when completed on the default branch (the write path keeps the chosen workflow's). */
export function mapWorkflowRunEvent(p: z.infer<typeof workflowRunEvent>): AnyRecord[] {
  if (p.action !== "completed") return [];
  const record = mapWorkflowRun(p.repository.id, p.workflow_run, p.repository.default_branch, p.workflow);
  return record ? [{ kind: "deployment", record }] : [];
}
