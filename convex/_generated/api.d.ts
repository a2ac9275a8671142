/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as access from "../access.js";
import type * as alerts_bell from "../alerts/bell.js";
import type * as alerts_engine from "../alerts/engine.js";
import type * as alerts_evaluate from "../alerts/evaluate.js";
import type * as alerts_listener from "../alerts/listener.js";
import type * as alerts_preview from "../alerts/preview.js";
import type * as alerts_purge from "../alerts/purge.js";
import type * as alerts_tables from "../alerts/tables.js";
import type * as auth from "../auth.js";
import type * as builders from "../builders.js";
import type * as crons from "../crons.js";
import type * as dashboard_analytics from "../dashboard/analytics.js";
import type * as dashboard_dora from "../dashboard/dora.js";
import type * as dashboard_inbox from "../dashboard/inbox.js";
import type * as dashboard_lists from "../dashboard/lists.js";
import type * as dashboard_organisations from "../dashboard/organisations.js";
import type * as dashboard_ranges from "../dashboard/ranges.js";
import type * as dashboard_reviewerLoad from "../dashboard/reviewerLoad.js";
import type * as dashboard_scoped from "../dashboard/scoped.js";
import type * as dashboard_summary from "../dashboard/summary.js";
import type * as dashboard_syncHealth from "../dashboard/syncHealth.js";
import type * as dashboard_trends from "../dashboard/trends.js";
import type * as dashboard_visibility from "../dashboard/visibility.js";
import type * as functions from "../functions.js";
import type * as github_api from "../github/api.js";
import type * as github_budgets from "../github/budgets.js";
import type * as github_ciStates from "../github/ciStates.js";
import type * as github_client from "../github/client.js";
import type * as github_config from "../github/config.js";
import type * as github_connection from "../github/connection.js";
import type * as github_deploymentPages from "../github/deploymentPages.js";
import type * as github_deployments from "../github/deployments.js";
import type * as github_errors from "../github/errors.js";
import type * as github_mapShared from "../github/mapShared.js";
import type * as github_mapSync from "../github/mapSync.js";
import type * as github_mapWebhook from "../github/mapWebhook.js";
import type * as github_members from "../github/members.js";
import type * as github_privateKey from "../github/privateKey.js";
import type * as github_queries from "../github/queries.js";
import type * as github_rateLimit from "../github/rateLimit.js";
import type * as github_schemas from "../github/schemas.js";
import type * as github_tables from "../github/tables.js";
import type * as github_teams from "../github/teams.js";
import type * as github_webhookMapping from "../github/webhookMapping.js";
import type * as github_webhookPayloads from "../github/webhookPayloads.js";
import type * as github_webhookSignature from "../github/webhookSignature.js";
import type * as http from "../http.js";
import type * as log from "../log.js";
import type * as memberships from "../memberships.js";
import type * as messages from "../messages.js";
import type * as metrics_backfill from "../metrics/backfill.js";
import type * as metrics_engine from "../metrics/engine.js";
import type * as metrics_figures from "../metrics/figures.js";
import type * as metrics_histogram from "../metrics/histogram.js";
import type * as metrics_moves from "../metrics/moves.js";
import type * as metrics_read from "../metrics/read.js";
import type * as metrics_recount from "../metrics/recount.js";
import type * as metrics_repositoryHealth from "../metrics/repositoryHealth.js";
import type * as metrics_state from "../metrics/state.js";
import type * as metrics_tables from "../metrics/tables.js";
import type * as model_activity from "../model/activity.js";
import type * as model_changes from "../model/changes.js";
import type * as model_chunks from "../model/chunks.js";
import type * as model_contribution from "../model/contribution.js";
import type * as model_cycle from "../model/cycle.js";
import type * as model_deploymentJobs from "../model/deploymentJobs.js";
import type * as model_deployments from "../model/deployments.js";
import type * as model_derivePullRequest from "../model/derivePullRequest.js";
import type * as model_derived from "../model/derived.js";
import type * as model_health from "../model/health.js";
import type * as model_ingest from "../model/ingest.js";
import type * as model_installations from "../model/installations.js";
import type * as model_purge from "../model/purge.js";
import type * as model_records from "../model/records.js";
import type * as model_repositories from "../model/repositories.js";
import type * as model_reviewRequests from "../model/reviewRequests.js";
import type * as model_scopes from "../model/scopes.js";
import type * as model_settings from "../model/settings.js";
import type * as model_tables from "../model/tables.js";
import type * as model_turn from "../model/turn.js";
import type * as model_upsert from "../model/upsert.js";
import type * as model_verify from "../model/verify.js";
import type * as model_writePath from "../model/writePath.js";
import type * as notify_destinations from "../notify/destinations.js";
import type * as notify_purge from "../notify/purge.js";
import type * as notify_send from "../notify/send.js";
import type * as notify_slack from "../notify/slack.js";
import type * as notify_tables from "../notify/tables.js";
import type * as notify_webhookUrl from "../notify/webhookUrl.js";
import type * as pagination from "../pagination.js";
import type * as people_grants from "../people/grants.js";
import type * as people_listing from "../people/listing.js";
import type * as people_tables from "../people/tables.js";
import type * as people_teams from "../people/teams.js";
import type * as settings from "../settings.js";
import type * as sync_clock from "../sync/clock.js";
import type * as sync_health from "../sync/health.js";
import type * as sync_held from "../sync/held.js";
import type * as sync_jobState from "../sync/jobState.js";
import type * as sync_jobs from "../sync/jobs.js";
import type * as sync_listing from "../sync/listing.js";
import type * as sync_listingJobs from "../sync/listingJobs.js";
import type * as sync_maintenance from "../sync/maintenance.js";
import type * as sync_operators from "../sync/operators.js";
import type * as sync_pacing from "../sync/pacing.js";
import type * as sync_people from "../sync/people.js";
import type * as sync_peopleJobs from "../sync/peopleJobs.js";
import type * as sync_plan from "../sync/plan.js";
import type * as sync_policy from "../sync/policy.js";
import type * as sync_policyState from "../sync/policyState.js";
import type * as sync_service from "../sync/service.js";
import type * as sync_slice from "../sync/slice.js";
import type * as sync_sources_comments from "../sync/sources/comments.js";
import type * as sync_sources_commits from "../sync/sources/commits.js";
import type * as sync_sources_deployments from "../sync/sources/deployments.js";
import type * as sync_sources_index from "../sync/sources/index.js";
import type * as sync_sources_issues from "../sync/sources/issues.js";
import type * as sync_sources_probe from "../sync/sources/probe.js";
import type * as sync_sources_pullRequests from "../sync/sources/pullRequests.js";
import type * as sync_sources_source from "../sync/sources/source.js";
import type * as sync_status from "../sync/status.js";
import type * as sync_tables from "../sync/tables.js";
import type * as sync_transitions from "../sync/transitions.js";
import type * as sync_walk from "../sync/walk.js";
import type * as sync_worker from "../sync/worker.js";
import type * as webhooks_apply from "../webhooks/apply.js";
import type * as webhooks_deliveries from "../webhooks/deliveries.js";
import type * as webhooks_process from "../webhooks/process.js";
import type * as webhooks_queue from "../webhooks/queue.js";
import type * as webhooks_receive from "../webhooks/receive.js";
import type * as webhooks_recovery from "../webhooks/recovery.js";
import type * as webhooks_tables from "../webhooks/tables.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  access: typeof access;
  "alerts/bell": typeof alerts_bell;
  "alerts/engine": typeof alerts_engine;
  "alerts/evaluate": typeof alerts_evaluate;
  "alerts/listener": typeof alerts_listener;
  "alerts/preview": typeof alerts_preview;
  "alerts/purge": typeof alerts_purge;
  "alerts/tables": typeof alerts_tables;
  auth: typeof auth;
  builders: typeof builders;
  crons: typeof crons;
  "dashboard/analytics": typeof dashboard_analytics;
  "dashboard/dora": typeof dashboard_dora;
  "dashboard/inbox": typeof dashboard_inbox;
  "dashboard/lists": typeof dashboard_lists;
  "dashboard/organisations": typeof dashboard_organisations;
  "dashboard/ranges": typeof dashboard_ranges;
  "dashboard/reviewerLoad": typeof dashboard_reviewerLoad;
  "dashboard/scoped": typeof dashboard_scoped;
  "dashboard/summary": typeof dashboard_summary;
  "dashboard/syncHealth": typeof dashboard_syncHealth;
  "dashboard/trends": typeof dashboard_trends;
  "dashboard/visibility": typeof dashboard_visibility;
  functions: typeof functions;
  "github/api": typeof github_api;
  "github/budgets": typeof github_budgets;
  "github/ciStates": typeof github_ciStates;
  "github/client": typeof github_client;
  "github/config": typeof github_config;
  "github/connection": typeof github_connection;
  "github/deploymentPages": typeof github_deploymentPages;
  "github/deployments": typeof github_deployments;
  "github/errors": typeof github_errors;
  "github/mapShared": typeof github_mapShared;
  "github/mapSync": typeof github_mapSync;
  "github/mapWebhook": typeof github_mapWebhook;
  "github/members": typeof github_members;
  "github/privateKey": typeof github_privateKey;
  "github/queries": typeof github_queries;
  "github/rateLimit": typeof github_rateLimit;
  "github/schemas": typeof github_schemas;
  "github/tables": typeof github_tables;
  "github/teams": typeof github_teams;
  "github/webhookMapping": typeof github_webhookMapping;
  "github/webhookPayloads": typeof github_webhookPayloads;
  "github/webhookSignature": typeof github_webhookSignature;
  http: typeof http;
  log: typeof log;
  memberships: typeof memberships;
  messages: typeof messages;
  "metrics/backfill": typeof metrics_backfill;
  "metrics/engine": typeof metrics_engine;
  "metrics/figures": typeof metrics_figures;
  "metrics/histogram": typeof metrics_histogram;
  "metrics/moves": typeof metrics_moves;
  "metrics/read": typeof metrics_read;
  "metrics/recount": typeof metrics_recount;
  "metrics/repositoryHealth": typeof metrics_repositoryHealth;
  "metrics/state": typeof metrics_state;
  "metrics/tables": typeof metrics_tables;
  "model/activity": typeof model_activity;
  "model/changes": typeof model_changes;
  "model/chunks": typeof model_chunks;
  "model/contribution": typeof model_contribution;
  "model/cycle": typeof model_cycle;
  "model/deploymentJobs": typeof model_deploymentJobs;
  "model/deployments": typeof model_deployments;
  "model/derivePullRequest": typeof model_derivePullRequest;
  "model/derived": typeof model_derived;
  "model/health": typeof model_health;
  "model/ingest": typeof model_ingest;
  "model/installations": typeof model_installations;
  "model/purge": typeof model_purge;
  "model/records": typeof model_records;
  "model/repositories": typeof model_repositories;
  "model/reviewRequests": typeof model_reviewRequests;
  "model/scopes": typeof model_scopes;
  "model/settings": typeof model_settings;
  "model/tables": typeof model_tables;
  "model/turn": typeof model_turn;
  "model/upsert": typeof model_upsert;
  "model/verify": typeof model_verify;
  "model/writePath": typeof model_writePath;
  "notify/destinations": typeof notify_destinations;
  "notify/purge": typeof notify_purge;
  "notify/send": typeof notify_send;
  "notify/slack": typeof notify_slack;
  "notify/tables": typeof notify_tables;
  "notify/webhookUrl": typeof notify_webhookUrl;
  pagination: typeof pagination;
  "people/grants": typeof people_grants;
  "people/listing": typeof people_listing;
  "people/tables": typeof people_tables;
  "people/teams": typeof people_teams;
  settings: typeof settings;
  "sync/clock": typeof sync_clock;
  "sync/health": typeof sync_health;
  "sync/held": typeof sync_held;
  "sync/jobState": typeof sync_jobState;
  "sync/jobs": typeof sync_jobs;
  "sync/listing": typeof sync_listing;
  "sync/listingJobs": typeof sync_listingJobs;
  "sync/maintenance": typeof sync_maintenance;
  "sync/operators": typeof sync_operators;
  "sync/pacing": typeof sync_pacing;
  "sync/people": typeof sync_people;
  "sync/peopleJobs": typeof sync_peopleJobs;
  "sync/plan": typeof sync_plan;
  "sync/policy": typeof sync_policy;
  "sync/policyState": typeof sync_policyState;
  "sync/service": typeof sync_service;
  "sync/slice": typeof sync_slice;
  "sync/sources/comments": typeof sync_sources_comments;
  "sync/sources/commits": typeof sync_sources_commits;
  "sync/sources/deployments": typeof sync_sources_deployments;
  "sync/sources/index": typeof sync_sources_index;
  "sync/sources/issues": typeof sync_sources_issues;
  "sync/sources/probe": typeof sync_sources_probe;
  "sync/sources/pullRequests": typeof sync_sources_pullRequests;
  "sync/sources/source": typeof sync_sources_source;
  "sync/status": typeof sync_status;
  "sync/tables": typeof sync_tables;
  "sync/transitions": typeof sync_transitions;
  "sync/walk": typeof sync_walk;
  "sync/worker": typeof sync_worker;
  "webhooks/apply": typeof webhooks_apply;
  "webhooks/deliveries": typeof webhooks_deliveries;
  "webhooks/process": typeof webhooks_process;
  "webhooks/queue": typeof webhooks_queue;
  "webhooks/receive": typeof webhooks_receive;
  "webhooks/recovery": typeof webhooks_recovery;
  "webhooks/tables": typeof webhooks_tables;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
