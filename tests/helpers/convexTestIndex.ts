/**
 * A Vite transform for convex-test (tests only). convex-test answers every index query by scanning
 * every document of the database, so seeding thousands of pull requests through the write path is
 * quadratic (6,000 PRs took ~5 minutes). This keeps, beside its document map, a per-table id set
 * and lazily built equality buckets per (table, equality fields of a range); an index range's
 * equalities narrow the candidates to their bucket plus the transaction's pending writes (all of
 * them, not the first only: a range on (installation, figure, scope, key) of the metric buckets
 * would otherwise scan every bucket of the installation). Every candidate is still checked
 * with convex-test's own range filters and sorted by its own comparator, so results are unchanged.
 * It also routes every staged write to the document-limit check (tests/helpers/limits.ts).
 * Fails loudly if convex-test's code changes shape.
 */
import type { Plugin } from "vite";

const CLASS_FIELDS = `    _documents = {};
    _tableIds = new Map();
    _eqBuckets = new Map();
    _tableIdsFor(t) { let s = this._tableIds.get(t); if (!s) { s = new Set(); this._tableIds.set(t, s); } return s; }
    _bucketKey(v) { return v === undefined ? "u" : v === null ? "n" : typeof v === "object" ? "j" + JSON.stringify(v) : typeof v + ":" + String(v); }
    _bucketKeyOf(fieldPaths, doc) { return fieldPaths.map((f) => this._bucketKey(evaluateFieldPath(f, doc))).join("\u0001"); }
    _eqBucketsFor(t, fieldPaths) {
        const key = t + "\u0000" + fieldPaths.join("\u0001");
        let entry = this._eqBuckets.get(key);
        if (!entry) {
            entry = { table: t, fieldPaths, buckets: new Map() };
            this._eqBuckets.set(key, entry);
            for (const id of this._tableIdsFor(t)) this._bucketAdd(entry, id, this._documents[id]);
        }
        return entry.buckets;
    }
    _bucketAdd(entry, id, doc) {
        const k = this._bucketKeyOf(entry.fieldPaths, doc);
        let s = entry.buckets.get(k); if (!s) { s = new Set(); entry.buckets.set(k, s); } s.add(id);
    }
    _reindex(id, before, after) {
        const t = tableNameFromId(id);
        if (after) this._tableIdsFor(t).add(id); else this._tableIdsFor(t).delete(id);
        for (const entry of this._eqBuckets.values()) {
            if (entry.table !== t) continue;
            if (before) entry.buckets.get(this._bucketKeyOf(entry.fieldPaths, before))?.delete(id);
            if (after) this._bucketAdd(entry, id, after);
        }
    }
    _iterateIndexCandidates(tableName, range, callback) {
        const eqs = range.filter((f) => f.type === "Eq");
        if (eqs.length === 0) return this._iterateDocs(tableName, callback);
        const key = eqs.map((f) => this._bucketKey(evaluateQueryValue(f.value))).join("\u0001");
        const ids = new Set(this._eqBucketsFor(tableName, eqs.map((f) => f.fieldPath)).get(key) ?? []);
        for (let i = 0; i < this._writes.length; i++) {
            for (const id of Object.keys(this._writes[i])) if (tableNameFromId(id) === tableName) ids.add(id);
        }
        for (const id of ids) {
            const document = this.get(tableName, id);
            if (document !== null) callback(document);
        }
    }`;

const EDITS: Array<[string, string]> = [
  // Not an index: every staged write (insert, patch, replace; functions, t.run, scheduler, storage)
  // goes to the value-limit check of tests/helpers/limits.ts, which convex-test has no hook for.
  [
    "        this._writes[this._writes.length - 1][id] = newValue;",
    `        if (newValue !== null)
            globalThis[Symbol.for("syncboard.convexTest.onWrite")]?.(tableNameFromId(id), newValue, executionContextStorage.getStore()?.udfPath);
        this._writes[this._writes.length - 1][id] = newValue;`,
  ],
  ["    _documents = {};", CLASS_FIELDS],
  [
    `                if (write === null) {
                    delete this._documents[_id];
                }
                else {
                    this._documents[_id] =
                        commitTs === null ? write : resolveCommittedValues(write, commitTs);
                }`,
    `                const before = this._documents[_id];
                if (write === null) {
                    delete this._documents[_id];
                }
                else {
                    this._documents[_id] =
                        commitTs === null ? write : resolveCommittedValues(write, commitTs);
                }
                this._reindex(_id, before, this._documents[_id]);`,
  ],
  [
    "        const ids = new Set(Object.keys(this._documents).filter(isInTable));",
    "        const ids = new Set(this._tableIdsFor(tableName));",
  ],
  [
    `                validateIndexRangeExpression(source, fields);
                this._iterateDocs(tableName, (doc) => {`,
    `                validateIndexRangeExpression(source, fields);
                this._iterateIndexCandidates(tableName, source.range, (doc) => {`,
  ],
];

export function convexTestIndex(): Plugin {
  return {
    name: "convex-test-index",
    enforce: "pre",
    transform(code, id) {
      if (!/convex-test[\\/]dist[\\/]index\.js$/.test(id)) return null;
      let out = code;
      for (const [from, to] of EDITS) {
        if (out.split(from).length !== 2)
          throw new Error(`convex-test changed shape; cannot patch: ${from.slice(0, 80)}`);
        out = out.replace(from, to);
      }
      return { code: out, map: null };
    },
  };
}
