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
import type * as github_api from "../github/api.js";
import type * as github_ciStates from "../github/ciStates.js";
import type * as github_client from "../github/client.js";
import type * as github_config from "../github/config.js";
import type * as github_connection from "../github/connection.js";
import type * as github_errors from "../github/errors.js";
import type * as github_mapSync from "../github/mapSync.js";
import type * as github_privateKey from "../github/privateKey.js";
import type * as github_queries from "../github/queries.js";
import type * as github_rateLimit from "../github/rateLimit.js";
import type * as github_schemas from "../github/schemas.js";
import type * as model_contribution from "../model/contribution.js";
import type * as model_derived from "../model/derived.js";
import type * as model_health from "../model/health.js";
import type * as model_ingest from "../model/ingest.js";
import type * as model_records from "../model/records.js";
import type * as model_verify from "../model/verify.js";
import type * as model_writePath from "../model/writePath.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  "github/api": typeof github_api;
  "github/ciStates": typeof github_ciStates;
  "github/client": typeof github_client;
  "github/config": typeof github_config;
  "github/connection": typeof github_connection;
  "github/errors": typeof github_errors;
  "github/mapSync": typeof github_mapSync;
  "github/privateKey": typeof github_privateKey;
  "github/queries": typeof github_queries;
  "github/rateLimit": typeof github_rateLimit;
  "github/schemas": typeof github_schemas;
  "model/contribution": typeof model_contribution;
  "model/derived": typeof model_derived;
  "model/health": typeof model_health;
  "model/ingest": typeof model_ingest;
  "model/records": typeof model_records;
  "model/verify": typeof model_verify;
  "model/writePath": typeof model_writePath;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
