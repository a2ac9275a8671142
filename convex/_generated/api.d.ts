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
