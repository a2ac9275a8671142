// @vitest-environment node
/**
 * Dependencies point one way (issue 21): the write path emits what changed and the rooms that react
 * subscribe through convex/functions.ts, so `convex/model/` imports none of them; and no files of
 * `convex/` import each other in a circle. Value imports only: `import type` leaves nothing at run time.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { expect, test } from "vitest";

const ROOT = resolve(__dirname, "..");

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === "_generated") return [];
    if (statSync(join(ROOT, path)).isDirectory()) return files(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const base = resolve(ROOT, dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate)) return relative(ROOT, candidate);
  }
  return null;
}

/** Each file's value imports (type-only ones left out), within convex/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files("convex")) {
    const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest);
    const out: string[] = [];
    for (const s of source.statements) {
      if (!ts.isImportDeclaration(s) && !ts.isExportDeclaration(s)) continue;
      if (ts.isImportDeclaration(s) && s.importClause?.isTypeOnly) continue;
      if (ts.isExportDeclaration(s) && (s.isTypeOnly || !s.moduleSpecifier)) continue;
      const spec = (s.moduleSpecifier as ts.StringLiteral).text;
      const target = resolveImport(file, spec);
      if (target) out.push(target);
    }
    graph.set(file, out);
  }
  return graph;
}

test("the write path imports none of the rooms that react to it", () => {
  const graph = importGraph();
  const reacting = ["convex/alerts/", "convex/notify/", "convex/sync/", "convex/metrics/", "convex/dashboard/"];
  const found = [...graph].flatMap(([file, deps]) =>
    file.startsWith("convex/model/")
      ? deps.filter((d) => reacting.some((room) => d.startsWith(room))).map((d) => `${file} → ${d}`)
      : [],
  );
  expect(found).toEqual([]);
});

test("no files of convex/ import each other in a circle", () => {
  const graph = importGraph();
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(" → "));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

test("only convex/builders.ts makes public functions (each checks its caller there)", () => {
  // HTTP endpoints (webhooks/receive.ts) check the caller by GitHub's signature instead.
  const makers = new Set(["query", "mutation", "action"]);
  const offenders: string[] = [];
  for (const file of files("convex")) {
    if (file === join("convex", "builders.ts")) continue;
    const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest);
    for (const s of source.statements) {
      if (!ts.isImportDeclaration(s) || s.importClause?.isTypeOnly) continue;
      if (!(s.moduleSpecifier as ts.StringLiteral).text.endsWith("_generated/server")) continue;
      const named = s.importClause?.namedBindings;
      if (!named || !ts.isNamedImports(named)) continue;
      for (const el of named.elements) {
        if (!el.isTypeOnly && makers.has((el.propertyName ?? el.name).text)) offenders.push(`${file}: ${el.name.text}`);
      }
    }
  }
  expect(offenders).toEqual([]);
});
