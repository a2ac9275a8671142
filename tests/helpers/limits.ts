/**
 * Convex's value limits, enforced in tests where convex-test does not (it enforces the transaction
 * limits and the schema, but stores any document and passes any argument, return value or HTTP body).
 * A violation throws a `ConvexLimitError` naming the table or function and the limit, inside the
 * function, so a mutation rolls back as it would on a deployment.
 *
 * Sources (read 2026): https://docs.convex.dev/production/state/limits ("Documents", "Functions",
 * "Execution time and scheduling"), https://docs.convex.dev/functions/http-actions#limits, and
 * Convex's backend (crates/value: `MAX_ARRAY_LEN` 8192 and `MAX_NESTING` 64 for every value,
 * crates/common/src/document.rs: `MAX_DOCUMENT_NESTING` 16, nested `_` fields rejected).
 *
 * Hooks: documents through `onConvexTestWrite` (every write convex-test stages, whatever the path:
 * functions, `t.run`, scheduler, storage — see convexTestIndex.ts); function arguments and return
 * values by wrapping each registered function's handler in the modules given to convex-test
 * (`withFunctionLimits`); HTTP bodies by wrapping `t.fetch` (`withHttpLimits`).
 */
import { getConvexSize, type Value } from "convex/values";

const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS = {
  /** Documents: size, per document. */
  documentBytes: 1 * MiB,
  /** Documents: "how many times objects and arrays can be nested"; the document object is level 1. */
  documentNesting: 16,
  /** Any value (documents, arguments, return values): array elements. */
  arrayElements: 8192,
  /** Any object, the document and every nested object: fields. */
  objectFields: 1024,
  /** A document's top-level field names. */
  topLevelFieldNameLength: 64,
  /** Nested object keys. */
  nestedFieldNameLength: 1024,
  /** Any value outside documents (arguments, return values): nesting (backend `MAX_NESTING`). */
  valueNesting: 64,
  /** Function argument size (Convex runtime; Node actions: 5 MiB). */
  functionArgumentBytes: 16 * MiB,
  /** Function return value size. */
  functionReturnBytes: 16 * MiB,
  /** Scheduled function argument size (per scheduled call). */
  scheduledFunctionArgumentBytes: 4 * MiB,
  /** HTTP action request and response size ("Request and response size is limited to 20MB"). */
  httpBodyBytes: 20 * MiB,
} as const;

export class ConvexLimitError extends Error {
  override name = "ConvexLimitError";
}

const LIMITS_URL = "https://docs.convex.dev/production/state/limits";
const fmt = (n: number) => n.toLocaleString("en-US");

type Kind = "document" | "value";

/** Walks a Convex value; returns its nesting (primitives 0, arrays and objects 1 + deepest child). */
function walk(value: unknown, path: string, kind: Kind, fail: (msg: string) => never, topLevel: boolean): number {
  if (typeof value === "string") {
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value))
      fail(`string at ${path} has an unpaired surrogate (strings must be valid Unicode)`);
    return 0;
  }
  if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return 0;
  if (Array.isArray(value)) {
    if (value.length > LIMITS.arrayElements)
      fail(`array at ${path || "top level"} has ${fmt(value.length)} elements > ${fmt(LIMITS.arrayElements)}`);
    let deepest = 0;
    for (let i = 0; i < value.length; i++)
      deepest = Math.max(deepest, walk(value[i], `${path}[${i}]`, kind, fail, false));
    return 1 + deepest;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length > LIMITS.objectFields)
    fail(`object at ${path || "top level"} has ${fmt(entries.length)} fields > ${fmt(LIMITS.objectFields)}`);
  let deepest = 0;
  for (const [key, v] of entries) {
    checkFieldName(key, path, kind, topLevel, fail);
    deepest = Math.max(deepest, walk(v, path === "" ? key : `${path}.${key}`, kind, fail, false));
  }
  return 1 + deepest;
}

function checkFieldName(key: string, path: string, kind: Kind, topLevel: boolean, fail: (msg: string) => never) {
  const where = path === "" ? "top-level field" : `field of ${path}`;
  if (key.length === 0) fail(`empty ${where} name`);
  if (kind === "document" && topLevel) {
    if (key === "_id" || key === "_creationTime") return;
    if (key.length > LIMITS.topLevelFieldNameLength)
      fail(`${where} "${key.slice(0, 80)}…" is ${key.length} characters > ${LIMITS.topLevelFieldNameLength}`);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key))
      fail(
        `${where} "${key}": top-level field names are ASCII letters, digits and underscores, starting with a letter ` +
          `(only _id and _creationTime may start with "_")`,
      );
    return;
  }
  if (key.length > LIMITS.nestedFieldNameLength)
    fail(`${where} "${key.slice(0, 80)}…" is ${key.length} characters > ${LIMITS.nestedFieldNameLength}`);
  if (key.startsWith("$")) fail(`${where} "${key}" starts with "$" (reserved)`);
  if (kind === "document" && key.startsWith("_"))
    fail(`${where} "${key}" starts with "_" (system fields are top-level only)`);
  if (!/^[\x20-\x7e]*$/.test(key)) fail(`${where} ${JSON.stringify(key)} has a control or non-ASCII character`);
}

/** Throws unless `doc` (as stored, with `_id` and `_creationTime`) is a valid Convex document. */
export function checkDocument(table: string, doc: Record<string, unknown>, writtenBy?: string): void {
  const by = writtenBy ? ` (written by ${writtenBy})` : "";
  const fail = (msg: string): never => {
    throw new ConvexLimitError(`Convex limit: document in table "${table}"${by}: ${msg}. ${LIMITS_URL}#documents`);
  };
  const size = getConvexSize(doc as Value);
  if (size > LIMITS.documentBytes) fail(`${fmt(size)} bytes > ${fmt(LIMITS.documentBytes)} (1 MiB per document)`);
  const nesting = walk(doc, "", "document", fail, true);
  if (nesting > LIMITS.documentNesting) fail(`nested ${nesting} levels deep > ${LIMITS.documentNesting}`);
}

/** Throws unless `value` may cross a function boundary as `what` ("arguments of x", "return value of x"). */
export function checkFunctionValue(what: string, value: unknown, maxBytes: number): void {
  const fail = (msg: string): never => {
    throw new ConvexLimitError(`Convex limit: ${what}: ${msg}. ${LIMITS_URL}#functions`);
  };
  const size = getConvexSize(value as Value);
  if (size > maxBytes) fail(`${fmt(size)} bytes > ${fmt(maxBytes)} (${maxBytes / MiB} MiB)`);
  const nesting = walk(value, "", "value", fail, false);
  if (nesting > LIMITS.valueNesting) fail(`nested ${nesting} levels deep > ${LIMITS.valueNesting}`);
}

// ---------------------------------------------------------------------------------------------------
// Documents: every write convex-test stages (DatabaseFake._addWrite, patched in convexTestIndex.ts).

const WRITE_HOOK = Symbol.for("syncboard.convexTest.onWrite");
type WriteHook = (table: string, doc: Record<string, unknown>, udfPath: string | undefined) => void;

export function onConvexTestWrite(table: string, doc: Record<string, unknown>, udfPath: string | undefined) {
  const by = udfPath && udfPath !== "custom" ? udfPath : udfPath === "custom" ? "t.run" : undefined;
  if (table === "_scheduled_functions") {
    // Only the insert carries arguments; later patches change its state.
    const args = (doc.args as unknown[] | undefined)?.[0];
    if (doc.state && (doc.state as { kind?: string }).kind === "pending" && args !== undefined)
      checkFunctionValue(
        `arguments of scheduled function ${String(doc.name)}${by ? ` (scheduled by ${by})` : ""}`,
        args,
        LIMITS.scheduledFunctionArgumentBytes,
      );
    return;
  }
  if (table.startsWith("_")) return; // other system tables (_storage) are Convex's own
  checkDocument(table, doc, by);
}

/** Installed once per test file (module scope); convex-test calls it for every staged write. */
export function installWriteHook() {
  (globalThis as unknown as Record<symbol, WriteHook>)[WRITE_HOOK] = onConvexTestWrite;
}

// ---------------------------------------------------------------------------------------------------
// Function arguments and return values: wrap each registered function's handler.

type Registered = ((...a: unknown[]) => unknown) & {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  _handler?: (ctx: unknown, args: unknown) => unknown;
};
type ModuleLoader = () => Promise<unknown>;

const wrappedModules = new WeakMap<object, Record<string, unknown>>();

function wrapModule(modulePath: string, mod: Record<string, unknown>): Record<string, unknown> {
  const cached = wrappedModules.get(mod);
  if (cached) return cached;
  const out: Record<string, unknown> = { ...mod };
  for (const [name, value] of Object.entries(mod)) {
    const fn = value as Registered;
    if (typeof fn !== "function" || !(fn.isQuery || fn.isMutation || fn.isAction) || !fn._handler) continue;
    const udfPath = `${modulePath}:${name}`;
    const handler = fn._handler;
    const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
    const checked = async (ctx: unknown, args: unknown) => {
      checkFunctionValue(`arguments of ${kind} ${udfPath}`, args, LIMITS.functionArgumentBytes);
      const result = await handler(ctx, args);
      checkFunctionValue(`return value of ${kind} ${udfPath}`, result, LIMITS.functionReturnBytes);
      return result;
    };
    out[name] = Object.assign((...a: unknown[]) => fn(...a), fn, { _handler: checked });
  }
  wrappedModules.set(mod, out);
  return out;
}

/** The modules for convex-test, each registered function checking its arguments and return value. */
export function withFunctionLimits<M extends Record<string, ModuleLoader>>(modules: M): M {
  const root = "/convex/";
  return Object.fromEntries(
    Object.entries(modules).map(([path, load]) => {
      const modulePath = path.slice(path.lastIndexOf(root) + root.length).replace(/\.[^.]+$/, "");
      return [path, async () => wrapModule(modulePath, (await load()) as Record<string, unknown>)];
    }),
  ) as M;
}

// ---------------------------------------------------------------------------------------------------
// HTTP actions: request and response bodies of `t.fetch`.

async function requestBodyBytes(init: RequestInit | undefined): Promise<{ bytes: number; init?: RequestInit }> {
  const body = init?.body;
  if (body === undefined || body === null) return { bytes: 0 };
  if (typeof body === "string") return { bytes: new TextEncoder().encode(body).byteLength };
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { bytes: body.byteLength };
  if (body instanceof Blob) return { bytes: body.size };
  // Streams, form data, search params: read a copy (a stream is read once, so it is passed on as bytes).
  const buffer = await new Request("https://limits.invalid/", {
    method: "POST",
    body,
    duplex: "half",
  } as RequestInit).arrayBuffer();
  return { bytes: buffer.byteLength, init: body instanceof ReadableStream ? { ...init, body: buffer } : undefined };
}

type Fetcher = { fetch: (path: string, init?: RequestInit) => Promise<Response> };
type Accessor = Fetcher & {
  withIdentity: (identity: never) => unknown;
  withRequestMetadata?: (metadata: never) => unknown;
};

/** `t` with `t.fetch` checking the request and response body against the HTTP action limit. */
export function withHttpLimits<T extends Accessor>(t: T): T {
  const fetch = async (path: string, init?: RequestInit) => {
    const route = `${init?.method ?? "GET"} ${path}`;
    const fail = (what: string, bytes: number): never => {
      throw new ConvexLimitError(
        `Convex limit: HTTP action ${what} of ${route} is ${fmt(bytes)} bytes > ${fmt(LIMITS.httpBodyBytes)} (20 MiB). ` +
          `https://docs.convex.dev/functions/http-actions#limits`,
      );
    };
    const request = await requestBodyBytes(init);
    if (request.bytes > LIMITS.httpBodyBytes) fail("request body", request.bytes);
    const response = await t.fetch(path, request.init ?? init);
    const responseBytes = response.body ? (await response.clone().arrayBuffer()).byteLength : 0;
    if (responseBytes > LIMITS.httpBodyBytes) fail("response body", responseBytes);
    return response;
  };
  const wrapped = { ...t, fetch } as T;
  wrapped.withIdentity = ((identity: never) => withHttpLimits(t.withIdentity(identity) as T)) as T["withIdentity"];
  if (t.withRequestMetadata)
    wrapped.withRequestMetadata = ((metadata: never) =>
      withHttpLimits(t.withRequestMetadata!(metadata) as T)) as T["withRequestMetadata"];
  return wrapped;
}
