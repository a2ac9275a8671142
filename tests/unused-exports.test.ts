// @vitest-environment node
/**
 * No dead exports in convex/ (outside _generated) and src/: every export is imported somewhere in
 * the repository (tests and scripts count), or, for a Convex function, referenced through
 * `api`/`internal` (`internal.sync.jobs.claimSlice` uses convex/sync/jobs.ts's `claimSlice`) or by
 * name ("sync/jobs:claimSlice"). Entry points Convex or the app load by convention are exempt.
 * Parsed with the TypeScript compiler API (syntax only), not regexes.
 */
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..");
const CHECKED = ["convex", "src"];
const SCANNED = ["convex", "src", "tests", "scripts", "vite.config.ts", "vitest.config.ts"];
/** Loaded by convention, not imported: "file" (every export) or "file:export". */
const ENTRY_POINTS = new Set([
  "convex/schema.ts:default",
  "convex/http.ts:default",
  "convex/crons.ts:default",
  "convex/auth.config.ts:default",
  "convex/convex.config.ts",
  // @convex-dev/auth's functions, called by its client and HTTP routes by name ("auth:signIn").
  "convex/auth.ts",
  // Operator functions, run by hand from the Convex dashboard.
  "convex/sync/operators.ts",
]);

function sourceFiles(path: string): string[] {
  const abs = join(ROOT, path);
  if (!existsSync(abs)) return [];
  if (statSync(abs).isFile()) return /\.tsx?$/.test(abs) && !abs.endsWith(".d.ts") ? [path] : [];
  return readdirSync(abs)
    .filter((name) => name !== "node_modules" && name !== "_generated" && !name.startsWith("."))
    .flatMap((name) => sourceFiles(join(path, name)));
}

function resolveModule(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const base = join(dirname(from), specifier).replace(/\.js$/, "");
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  }
  return null;
}

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const isDefault = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

/** `a.b.c.d` as ["a", "b", "c", "d"], or null when the chain is not identifiers and names. */
function accessChain(node: ts.Expression): string[] | null {
  if (ts.isIdentifier(node)) return [node.text];
  if (ts.isPropertyAccessExpression(node)) {
    const head = accessChain(node.expression);
    return head && [...head, node.name.text];
  }
  return null;
}

type Analysis = { exports: Map<string, Set<string>>; used: Set<string>; allUsed: Set<string> };

function analyse(): Analysis {
  const exports = new Map<string, Set<string>>();
  const used = new Set<string>(); // "file:name"
  const allUsed = new Set<string>(); // files whose every export is used (namespace imports, export *)
  const files = [...new Set(SCANNED.flatMap(sourceFiles))];
  const convexModules = new Set(files.filter((f) => f.startsWith("convex/")).map((f) => f.replace(/\.tsx?$/, "")));
  /** `convex/sync/jobs:claimSlice` from a reference chain or a function name. */
  const useFunction = (path: string[], name: string) => {
    const module = `convex/${path.join("/")}`;
    if (convexModules.has(module)) used.add(`${module}.ts:${name}`);
  };

  for (const file of files) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("x") ? 4 : 3);
    const names = new Set<string>();
    exports.set(file, names);
    const apiNames = new Set<string>(); // local names bound to _generated/api's `api` / `internal`

    for (const statement of sf.statements) {
      if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
        const spec = statement.moduleSpecifier.text;
        const clause = statement.importClause;
        if (/_generated\/api(\.js)?$/.test(spec) && clause?.namedBindings && ts.isNamedImports(clause.namedBindings))
          for (const el of clause.namedBindings.elements) apiNames.add(el.name.text);
        const target = resolveModule(file, spec);
        if (!target || !clause) continue;
        if (clause.name) used.add(`${target}:default`);
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) allUsed.add(target);
        if (bindings && ts.isNamedImports(bindings))
          for (const el of bindings.elements) used.add(`${target}:${(el.propertyName ?? el.name).text}`);
      } else if (ts.isExportDeclaration(statement)) {
        const target =
          statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
            ? resolveModule(file, statement.moduleSpecifier.text)
            : null;
        if (!statement.exportClause) {
          if (target) allUsed.add(target); // export * from: re-exported wholesale
          continue;
        }
        if (ts.isNamespaceExport(statement.exportClause)) {
          names.add(statement.exportClause.name.text);
          if (target) allUsed.add(target);
          continue;
        }
        for (const el of statement.exportClause.elements) {
          names.add(el.name.text);
          if (target) used.add(`${target}:${(el.propertyName ?? el.name).text}`);
        }
      } else if (ts.isExportAssignment(statement)) {
        names.add("default");
      } else if (isExported(statement)) {
        if (isDefault(statement)) names.add("default");
        else if (ts.isVariableStatement(statement))
          for (const d of statement.declarationList.declarations) bindingNames(d.name).forEach((n) => names.add(n));
        else if (
          (ts.isFunctionDeclaration(statement) ||
            ts.isClassDeclaration(statement) ||
            ts.isInterfaceDeclaration(statement) ||
            ts.isTypeAliasDeclaration(statement) ||
            ts.isEnumDeclaration(statement) ||
            ts.isModuleDeclaration(statement)) &&
          statement.name &&
          ts.isIdentifier(statement.name)
        )
          names.add(statement.name.text);
      }
    }

    const visit = (node: ts.Node) => {
      // api.dir.file.name / internal.dir.file.name (outermost chain only).
      if (ts.isPropertyAccessExpression(node) && !ts.isPropertyAccessExpression(node.parent)) {
        const chain = accessChain(node);
        if (chain && apiNames.has(chain[0]!) && chain.length >= 3) useFunction(chain.slice(1, -1), chain.at(-1)!);
      }
      // "dir/file:name", as makeFunctionReference and the scheduler by name take it.
      if (ts.isStringLiteralLike(node)) {
        const m = /^([\w/.-]+):(\w+)$/.exec(node.text);
        if (m) useFunction(m[1]!.split("/"), m[2]!);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { exports, used, allUsed };
}

function unusedExports(): string[] {
  const { exports, used, allUsed } = analyse();
  const out: string[] = [];
  for (const [file, names] of exports) {
    if (!CHECKED.some((dir) => file.startsWith(`${dir}/`))) continue;
    if (allUsed.has(file) || ENTRY_POINTS.has(file)) continue;
    for (const name of names) {
      const key = `${file}:${name}`;
      if (!used.has(key) && !ENTRY_POINTS.has(key)) out.push(key);
    }
  }
  return out.sort();
}

describe("exports", () => {
  it("the analysis sees imports, Convex references and entry points", () => {
    const { exports, used } = analyse();
    expect(exports.get("convex/schema.ts")).toContain("default");
    expect(used.has("convex/model/ingest.ts:applyRecords")).toBe(true); // internal.model.ingest.applyRecords in tests
    expect(used.has("convex/dashboard/summary.ts:summary")).toBe(true); // api.dashboard.summary.summary
  });

  it("every export in convex/ and src/ is used", () => {
    const unused = unusedExports();
    if (unused.length > 0) console.log(`unused exports (${unused.length}):\n${unused.join("\n")}`);
    expect(unused).toEqual([]);
  });
});
