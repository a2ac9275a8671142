/**
 * Read and write sets of every Convex function call, as a deployment tracks them.
 *
 * On a deployment a subscribed query re-runs whenever a write lands in its read set (a document it
 * got, or an index range it scanned), and two mutations conflict (OCC retry) when one writes what
 * the other read. convex-test shows neither; this tracker records both, per function call, by
 * handing each registered query's and mutation's handler a recording `ctx.db` (wrapped the way
 * `withFunctionLimits` wraps handlers, ./limits.ts). `ctx.db.system` is not tracked.
 *
 * - Reads: `get(id)` → the id; every query → an index range (`withIndex(name, range)`: the range
 *   builder's calls are recorded on a proxy and replayed on the real builder; `fullTableScan()`, a
 *   query without an index, and a search index → the whole table), and the ids of the documents it
 *   returned. As on a deployment, a query that stopped before the end of its range (`take`,
 *   `first`, a page that is not the last, an iteration left early) read the range only up to the
 *   last document it got; a query with `.filter()` is kept whole then (its last scanned document is
 *   not visible here).
 * - Writes: `insert` → {table, id, after}; `patch`/`replace` → {table, id, before, after};
 *   `delete` → {table, id, before}.
 *
 * Usage:
 *   const { t, tracker } = makeTrackedConvex();
 *   tracker.clear(); await t.query(api.x.y, args);
 *   const reads = tracker.callsOf(api.x.y)[0]!.reads;
 *   invalidates(write, reads) // would this write re-run that query / conflict with that mutation?
 */
import { convexTest } from "convex-test";
import { getFunctionName, type FunctionReference } from "convex/server";
import { compareValues, type Value } from "convex/values";
import schema from "../../convex/schema";
import { modules } from "./convex";
import { withFunctionLimits, withHttpLimits } from "./limits";

type Doc = Record<string, unknown> & { _id: string; _creationTime: number };
type RangeOp = "eq" | "gt" | "gte" | "lt" | "lte";

/** One index range a query read. `bounds` apply to the index field after the `eqs` prefix. */
export interface IndexRangeRead {
  table: string;
  index: string;
  /** The index's fields, `_creationTime` and `_id` last (the index key order). */
  fields: string[];
  eqs: Array<[field: string, value: Value | undefined]>;
  bounds: Array<{ op: "gt" | "gte" | "lt" | "lte"; field: string; value: Value | undefined }>;
  /** No index (fullTableScan, a plain query, a search index): any document of the table. */
  wholeTable: boolean;
  order: "asc" | "desc";
  filtered: boolean;
  /** The query read its range to the end (else only up to `lastKey`). */
  exhausted: boolean;
  /** Index key of the last document the query got, in scan order. */
  lastKey: Array<Value | undefined> | null;
}

export interface ReadSet {
  /** Document id → table, for every document read (by `get` or returned by a query). */
  ids: Map<string, string>;
  ranges: IndexRangeRead[];
}

export interface WriteRecord {
  table: string;
  id: string;
  before: Doc | null;
  after: Doc | null;
}

export interface CallRecord {
  udfPath: string;
  kind: "query" | "mutation" | "action";
  args: unknown;
  reads: ReadSet;
  writes: WriteRecord[];
  /** The tracker's clock when the call started and ended (a tick per start and end): which calls overlapped. */
  startedAt: number;
  endedAt?: number;
}

export class ReadWriteTracker {
  calls: CallRecord[] = [];
  private ticks = 0;
  tick() {
    return ++this.ticks;
  }
  clear() {
    this.calls = [];
  }
  /** The calls of one function (a reference or its "module:name" path). */
  callsOf(fn: string | FunctionReference<"query" | "mutation", "public" | "internal">): CallRecord[] {
    const path = typeof fn === "string" ? fn : getFunctionName(fn);
    return this.calls.filter((c) => c.udfPath === path);
  }
}

// ---------------------------------------------------------------------------------------------------
// Index ranges and invalidation.

const tables = schema.tables as unknown as Record<
  string,
  { " indexes"(): Array<{ indexDescriptor: string; fields: string[] }> }
>;

export function indexFields(table: string, index: string): string[] {
  if (index === "by_creation_time") return ["_creationTime", "_id"];
  if (index === "by_id") return ["_id"];
  const found = tables[table]?.[" indexes"]().find((i) => i.indexDescriptor === index);
  if (!found) throw new Error(`readWriteSets: index ${table}.${index} is not in the schema`);
  return [...found.fields, "_creationTime", "_id"];
}

function field(doc: Doc, path: string): Value | undefined {
  let v: unknown = doc;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v as Value | undefined;
}

const indexKey = (doc: Doc, fields: string[]) => fields.map((f) => field(doc, f));

function compareKeys(a: Array<Value | undefined>, b: Array<Value | undefined>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Is this version of a document inside the part of the index range the query read? */
export function inRange(range: IndexRangeRead, table: string, doc: Doc | null): boolean {
  if (!doc || table !== range.table) return false;
  if (range.wholeTable) return true;
  for (const [f, value] of range.eqs) if (compareValues(field(doc, f), value) !== 0) return false;
  for (const b of range.bounds) {
    const c = compareValues(field(doc, b.field), b.value);
    if (b.op === "gt" ? c <= 0 : b.op === "gte" ? c < 0 : b.op === "lt" ? c >= 0 : c > 0) return false;
  }
  // Stopped early: read up to its last document (none yet, or filtered: the whole range, conservatively).
  if (!range.exhausted && !range.filtered && range.lastKey) {
    const c = compareKeys(indexKey(doc, range.fields), range.lastKey);
    if (range.order === "asc" ? c > 0 : c < 0) return false;
  }
  return true;
}

/** Would this write re-run a query that read `reads` (or conflict with a mutation that did)? */
export function invalidates(write: WriteRecord, reads: ReadSet): boolean {
  if (reads.ids.has(write.id)) return true;
  return reads.ranges.some((r) => inRange(r, write.table, write.before) || inRange(r, write.table, write.after));
}

/** The writes among `writes` that fall in `reads`. */
export function intersecting(writes: WriteRecord[], reads: ReadSet): WriteRecord[] {
  return writes.filter((w) => invalidates(w, reads));
}

/**
 * Query re-runs one open dashboard sees: for each page commit (its writes), the number of the
 * dashboard's queries (their read sets) it invalidates, summed.
 */
export function countQueryReruns(pageWrites: WriteRecord[][], queryReads: ReadSet[]): number {
  let n = 0;
  for (const writes of pageWrites) n += queryReads.filter((reads) => writes.some((w) => invalidates(w, reads))).length;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// The recording ctx.db.

type RealQuery = {
  withIndex(name: string, range?: (q: unknown) => unknown): RealQuery;
  withSearchIndex(name: string, search: (q: unknown) => unknown): RealQuery;
  fullTableScan(): RealQuery;
  order(o: "asc" | "desc"): RealQuery;
  filter(p: unknown): RealQuery;
  collect(): Promise<Doc[]>;
  take(n: number): Promise<Doc[]>;
  first(): Promise<Doc | null>;
  unique(): Promise<Doc | null>;
  paginate(o: unknown): Promise<{ page: Doc[]; isDone: boolean }>;
  [Symbol.asyncIterator](): AsyncIterator<Doc>;
};
type RealDb = {
  get(a: string, b?: string): Promise<Doc | null>;
  query(table: string): RealQuery;
  normalizeId(table: string, id: string): string | null;
  insert(table: string, value: Record<string, unknown>): Promise<string>;
  patch(a: string, b: unknown, c?: unknown): Promise<void>;
  replace(a: string, b: unknown, c?: unknown): Promise<void>;
  delete(a: string, b?: string): Promise<void>;
};

function recordingRangeBuilder(ops: Array<[RangeOp, string, Value | undefined]>) {
  const builder: Record<RangeOp, (f: string, v: Value | undefined) => unknown> = {
    eq: (f, v) => (ops.push(["eq", f, v]), builder),
    gt: (f, v) => (ops.push(["gt", f, v]), builder),
    gte: (f, v) => (ops.push(["gte", f, v]), builder),
    lt: (f, v) => (ops.push(["lt", f, v]), builder),
    lte: (f, v) => (ops.push(["lte", f, v]), builder),
  };
  return builder;
}

class TrackedQuery {
  constructor(
    private readonly real: RealQuery,
    private readonly range: IndexRangeRead,
    private readonly seen: (table: string, doc: Doc) => void,
    private readonly reads: ReadSet,
  ) {}

  private next(real: RealQuery, change: Partial<IndexRangeRead> = {}) {
    return new TrackedQuery(real, { ...this.range, ...change }, this.seen, this.reads);
  }

  withIndex(name: string, rangeFn?: (q: unknown) => unknown) {
    const ops: Array<[RangeOp, string, Value | undefined]> = [];
    if (rangeFn) rangeFn(recordingRangeBuilder(ops));
    const replay = (q: unknown) =>
      ops.reduce((b, [op, f, v]) => (b as Record<RangeOp, (f: string, v: unknown) => unknown>)[op](f, v), q);
    return this.next(this.real.withIndex(name, rangeFn ? replay : undefined), {
      index: name,
      fields: indexFields(this.range.table, name),
      eqs: ops.filter(([op]) => op === "eq").map(([, f, v]) => [f, v]),
      bounds: ops
        .filter((o): o is ["gt" | "gte" | "lt" | "lte", string, Value | undefined] => o[0] !== "eq")
        .map(([op, f, v]) => ({ op, field: f, value: v })),
      wholeTable: false,
    });
  }
  withSearchIndex(name: string, search: (q: unknown) => unknown) {
    return this.next(this.real.withSearchIndex(name, search), { wholeTable: true, filtered: true });
  }
  fullTableScan() {
    return this.next(this.real.fullTableScan());
  }
  order(o: "asc" | "desc") {
    return this.next(this.real.order(o), { order: o });
  }
  filter(p: unknown) {
    return this.next(this.real.filter(p), { filtered: true });
  }

  /** The range this query reads, recorded now and completed as documents arrive. */
  private open(): IndexRangeRead {
    const range: IndexRangeRead = { ...this.range, eqs: [...this.range.eqs], bounds: [...this.range.bounds] };
    range.exhausted = false;
    range.lastKey = null;
    this.reads.ranges.push(range);
    return range;
  }
  private got(range: IndexRangeRead, doc: Doc) {
    range.lastKey = indexKey(doc, range.fields);
    this.seen(range.table, doc);
  }
  private read(docs: Doc[], exhausted: boolean) {
    const range = this.open();
    for (const d of docs) this.got(range, d);
    range.exhausted = exhausted;
  }

  async collect() {
    const docs = await this.real.collect();
    this.read(docs, true);
    return docs;
  }
  async take(n: number) {
    const docs = await this.real.take(n);
    this.read(docs, docs.length < n);
    return docs;
  }
  async first() {
    const doc = await this.real.first();
    this.read(doc ? [doc] : [], doc === null);
    return doc;
  }
  async unique() {
    const doc = await this.real.unique();
    this.read(doc ? [doc] : [], true);
    return doc;
  }
  async paginate(o: unknown) {
    const result = await this.real.paginate(o);
    this.read(result.page, result.isDone);
    return result;
  }
  /** Iterated lazily (convex-helpers streams): the range grows with each document pulled. */
  [Symbol.asyncIterator](): AsyncIterator<Doc> {
    const inner = this.real[Symbol.asyncIterator]();
    const range = this.open();
    return {
      next: async () => {
        const r = await inner.next();
        if (r.done) range.exhausted = true;
        else this.got(range, r.value);
        return r;
      },
      return: async (value?: unknown) =>
        inner.return ? inner.return(value) : ({ done: true, value: undefined } as IteratorResult<Doc>),
    };
  }
}

function trackedDb(real: RealDb, call: CallRecord): RealDb {
  const tableOf = new Map<string, string>();
  const current = new Map<string, Doc | null>();
  const names = Object.keys(schema.tables);
  const resolveTable = (id: string): string => {
    let t = tableOf.get(id);
    if (t === undefined) {
      t = names.find((n) => real.normalizeId(n, id) !== null) ?? "<unknown>";
      tableOf.set(id, t);
    }
    return t;
  };
  const seen = (table: string, doc: Doc) => {
    tableOf.set(doc._id, table);
    call.reads.ids.set(doc._id, table);
    current.set(doc._id, doc);
  };
  const before = async (table: string | undefined, id: string) => {
    if (current.has(id)) return current.get(id)!;
    const doc = table === undefined ? await real.get(id) : await real.get(table, id);
    current.set(id, doc);
    return doc;
  };
  const wrote = (table: string, id: string, b: Doc | null, after: Doc | null) => {
    current.set(id, after);
    call.writes.push({ table, id, before: b, after });
  };
  const query = (table: string) =>
    new TrackedQuery(
      real.query(table),
      {
        table,
        index: "by_creation_time",
        fields: ["_creationTime", "_id"],
        eqs: [],
        bounds: [],
        wholeTable: true,
        order: "asc",
        filtered: false,
        exhausted: true,
        lastKey: null,
      },
      seen,
      call.reads,
    );
  /** (table, id, value) or (id, value). */
  const split = (a: unknown, b: unknown, c: unknown): [string | undefined, string, unknown] =>
    c !== undefined ? [a as string, b as string, c] : [undefined, a as string, b];
  const overrides: Partial<RealDb> = {
    async get(a: string, b?: string) {
      const [table, id] = b !== undefined ? [a, b] : [undefined, a];
      const doc = table === undefined ? await real.get(id) : await real.get(table, id);
      const t = table ?? resolveTable(id);
      call.reads.ids.set(id, t);
      if (doc) seen(t, doc);
      return doc;
    },
    query: query as unknown as RealDb["query"],
    async insert(table: string, value: Record<string, unknown>) {
      const id = await real.insert(table, value);
      tableOf.set(id, table);
      const after = await real.get(table, id);
      wrote(table, id, null, after);
      return id;
    },
    async patch(a: string, b: unknown, c?: unknown) {
      const [table, id, value] = split(a, b, c);
      const t = table ?? resolveTable(id);
      const prior = await before(table, id);
      await (table === undefined ? real.patch(id, value) : real.patch(table, id, value));
      const after = prior ? ({ ...prior } as Doc) : null;
      if (after)
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (v === undefined) delete after[k];
          else after[k] = v;
        }
      wrote(t, id, prior, after);
    },
    async replace(a: string, b: unknown, c?: unknown) {
      const [table, id, value] = split(a, b, c);
      const t = table ?? resolveTable(id);
      const prior = await before(table, id);
      await (table === undefined ? real.replace(id, value) : real.replace(table, id, value));
      const after = prior
        ? ({ ...(value as object), _id: prior._id, _creationTime: prior._creationTime } as Doc)
        : null;
      wrote(t, id, prior, after);
    },
    async delete(a: string, b?: string) {
      const [table, id] = b !== undefined ? [a, b] : [undefined, a];
      const t = table ?? resolveTable(id);
      const prior = await before(table, id);
      await (table === undefined ? real.delete(id) : real.delete(table, id));
      wrote(t, id, prior, null);
    },
  };
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && prop in overrides) return overrides[prop as keyof RealDb];
      return Reflect.get(target, prop, receiver);
    },
  });
}

// ---------------------------------------------------------------------------------------------------
// Wrapping the registered functions.

type Registered = ((...a: unknown[]) => unknown) & {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  _handler?: (ctx: unknown, args: unknown) => unknown;
};
type ModuleLoader = () => Promise<unknown>;

/**
 * The modules for convex-test, every query's and mutation's `ctx.db` recording into `tracker`; actions
 * are recorded too (their start and end, no reads or writes of their own).
 */
export function withReadWriteTracking<M extends Record<string, ModuleLoader>>(
  modules: M,
  tracker: ReadWriteTracker,
): M {
  const root = "/convex/";
  const cache = new WeakMap<object, Record<string, unknown>>();
  const wrap = (modulePath: string, mod: Record<string, unknown>) => {
    const cached = cache.get(mod);
    if (cached) return cached;
    const out: Record<string, unknown> = { ...mod };
    for (const [name, value] of Object.entries(mod)) {
      const fn = value as Registered;
      if (typeof fn !== "function" || !(fn.isQuery || fn.isMutation || fn.isAction) || !fn._handler) continue;
      const handler = fn._handler;
      const udfPath = `${modulePath}:${name}`;
      const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
      const tracked = async (ctx: { db: RealDb }, args: unknown) => {
        const call: CallRecord = {
          udfPath,
          kind,
          args,
          reads: { ids: new Map(), ranges: [] },
          writes: [],
          startedAt: tracker.tick(),
        };
        tracker.calls.push(call);
        try {
          return await handler(kind === "action" ? ctx : { ...ctx, db: trackedDb(ctx.db, call) }, args);
        } finally {
          call.endedAt = tracker.tick();
        }
      };
      out[name] = Object.assign((...a: unknown[]) => fn(...a), fn, { _handler: tracked });
    }
    cache.set(mod, out);
    return out;
  };
  return Object.fromEntries(
    Object.entries(modules).map(([path, load]) => {
      const modulePath = path.slice(path.lastIndexOf(root) + root.length).replace(/\.[^.]+$/, "");
      return [path, async () => wrap(modulePath, (await load()) as Record<string, unknown>)];
    }),
  ) as M;
}

/** `makeConvex()` (tests/helpers/convex.ts) with every function call's read and write sets recorded. */
export function makeTrackedConvex(tracker = new ReadWriteTracker()) {
  const t = withHttpLimits(
    convexTest({
      schema,
      modules: withReadWriteTracking(withFunctionLimits(modules), tracker),
      transactionLimits: true,
    }),
  );
  return { t, tracker };
}
