// @vitest-environment node
/**
 * The rooms of `convex/` hold by construction: a source scan with the TypeScript type checker over
 * `convex/tsconfig.json`'s program.
 *
 * 1. Every database write (`<x>.db.insert/patch/replace/delete(...)`, or on a variable named `db`, or on
 *    anything typed as a DatabaseWriter) is resolved to the table it writes — `insert`'s first
 *    argument's string literal type, the `Id<"table">` of patch/replace/delete (or their table-name
 *    first argument) — and must sit in a file of that table's owner. A write whose table cannot be
 *    resolved fails too.
 * 2. Only `convex/github/` talks to GitHub: no other module imports `@octokit/*` or uses `fetch`, with one
 *    narrow exception: `convex/notify/send.ts` posts notifications to Slack incoming webhooks (URLs
 *    checked to be Slack's, `convex/notify/webhookUrl.ts`). It may not import `@octokit/*` either.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const READ_MODEL = [
  "repositories",
  "pullRequests",
  "reviews",
  "reviewRequests",
  "ciResults",
  "issues",
  "commits",
  "comments",
  "activityEvents",
  "installationCounters",
  "publicCounters",
  "reviewerOpenRequests",
  "installationSettings",
] as const;

/** Table → the files (exact paths) or folders (ending in "/") that may write it. */
const OWNERS: Record<string, readonly string[]> = {
  ...Object.fromEntries(READ_MODEL.map((table) => [table, ["convex/model/"]])),
  installations: ["convex/model/", "convex/sync/transitions.ts", "convex/sync/clock.ts"],
  syncJobs: ["convex/sync/transitions.ts", "convex/sync/maintenance.ts"],
  rateLimits: ["convex/github/"],
  githubTokens: ["convex/github/"],
  webhookDeliveries: ["convex/webhooks/"],
  webhookPayloads: ["convex/webhooks/"],
  redeliveryRequests: ["convex/webhooks/"],
  syncHourly: ["convex/sync/health.ts"],
  webhookHourly: ["convex/sync/health.ts"],
  notificationDestinations: ["convex/notify/"],
  destinationChanges: ["convex/notify/"],
  notificationDeliveries: ["convex/notify/"],
  users: ["convex/memberships.ts", "convex/auth.ts"],
  orgMemberships: ["convex/memberships.ts", "convex/auth.ts"],
  alerts: ["convex/alerts/"],
  alertReads: ["convex/alerts/"],
  alertClocks: ["convex/alerts/"],
  alertQueue: ["convex/alerts/"],
  alertPullRequests: ["convex/alerts/"],
  agreementDaily: ["convex/alerts/"],
  deployments: ["convex/model/upsert.ts", "convex/model/deployments.ts", "convex/model/purge.ts"],
  repositorySettings: ["convex/model/settings.ts", "convex/model/purge.ts"],
  teams: ["convex/people/"],
  teamMembers: ["convex/people/"],
  repositoryGrants: ["convex/people/"],
  metricBuckets: ["convex/metrics/"],
  metricState: ["convex/metrics/"],
  watchEntries: ["convex/watchlist/"],
  watchCommits: ["convex/watchlist/"],
  watchNotes: ["convex/watchlist/"],
  savedReports: ["convex/reports/"],
  // Legacy tables the metrics engine replaced: only emptied.
  ...Object.fromEntries(
    [
      "dailyActivity",
      "scopedDailyActivity",
      "reviewerDaily",
      "cycleDaily",
      "deploymentDaily",
      "ciDaily",
      "userDailyActivity",
    ].map((t) => [t, ["convex/metrics/backfill.ts"]]),
  ),
  repositoryHealth: ["convex/metrics/repositoryHealth.ts", "convex/metrics/backfill.ts"],
};

/** Files outside convex/github/ that may use `fetch`, and what for (never GitHub). */
const FETCH_ALLOWED: Record<string, string> = {
  "convex/notify/send.ts": "Slack incoming webhooks",
};

const WRITE_METHODS = new Set(["insert", "patch", "replace", "delete"]);

type Write = { at: string; file: string; method: string; tables: string[] | null; type: string };
type Finding = { at: string; what: string };

const isOwner = (file: string, table: string) =>
  (OWNERS[table] ?? []).some((owner) => (owner.endsWith("/") ? file.startsWith(owner) : file === owner));

/** The string literal(s) a type stands for (through type parameters' constraints and unions), or null. */
function literals(checker: ts.TypeChecker, type: ts.Type): string[] | null {
  if (type.flags & ts.TypeFlags.TypeParameter) {
    const constraint = checker.getBaseConstraintOfType(type);
    return constraint && constraint !== type ? literals(checker, constraint) : null;
  }
  if (type.isStringLiteral()) return [type.value];
  if (type.isUnion()) {
    const parts = type.types.map((t) => literals(checker, t));
    return parts.every((p): p is string[] => p !== null) ? [...new Set(parts.flat())] : null;
  }
  return null;
}

/** The table an `Id<"table">` (GenericId: `string & { __tableName: "table" }`) belongs to. */
function idTables(checker: ts.TypeChecker, type: ts.Type, at: ts.Node): string[] | null {
  if (type.flags & ts.TypeFlags.TypeParameter) {
    const constraint = checker.getBaseConstraintOfType(type);
    return constraint && constraint !== type ? idTables(checker, constraint, at) : null;
  }
  if (type.isUnion()) {
    const parts = type.types.map((t) => idTables(checker, t, at));
    return parts.every((p): p is string[] => p !== null) ? [...new Set(parts.flat())] : null;
  }
  const tableName = checker.getPropertyOfType(checker.getApparentType(type), "__tableName");
  if (tableName) return literals(checker, checker.getTypeOfSymbolAtLocation(tableName, at));
  // Fallback: the printed type, e.g. `Id<"issues">`.
  const printed = checker.typeToString(type);
  const m = /^(?:Generic)?Id<"([^"]+)">$/.exec(printed);
  return m ? [m[1]!] : null;
}

function scan() {
  const configPath = path.join(ROOT, "convex/tsconfig.json");
  const config = ts.readConfigFile(configPath, (f) => ts.sys.readFile(f));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(configPath));
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const checker = program.getTypeChecker();

  const writes: Write[] = [];
  const github: Finding[] = [];
  let files = 0;

  for (const sf of program.getSourceFiles()) {
    const file = path.relative(ROOT, sf.fileName).split(path.sep).join("/");
    if (sf.isDeclarationFile || !file.startsWith("convex/") || file.startsWith("convex/_generated/")) continue;
    files++;
    const inGithub = file.startsWith("convex/github/");
    const where = (node: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;

    const isDbWriter = (object: ts.Expression) => {
      const named =
        (ts.isIdentifier(object) && object.text === "db") ||
        (ts.isPropertyAccessExpression(object) && object.name.text === "db");
      return named || /DatabaseWriter/.test(checker.typeToString(checker.getTypeAtLocation(object)));
    };

    const isGlobalFetch = (symbol: ts.Symbol | undefined) =>
      !!symbol?.declarations?.length && symbol.declarations.every((d) => d.getSourceFile().isDeclarationFile);

    const visit = (node: ts.Node): void => {
      // Rule 1: database writes.
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        WRITE_METHODS.has(node.expression.name.text) &&
        isDbWriter(node.expression.expression)
      ) {
        const method = node.expression.name.text;
        const [first] = node.arguments;
        let tables: string[] | null = null;
        let type = "(no argument)";
        if (first) {
          const t = checker.getTypeAtLocation(first);
          type = checker.typeToString(t);
          // insert("table", …), and the table-name-first forms of patch/replace/delete.
          tables = literals(checker, t) ?? (method === "insert" ? null : idTables(checker, t, first));
        }
        writes.push({ at: where(node), file, method, tables, type });
      }
      // Rule 2: GitHub is reached only from convex/github/.
      if (!inGithub) {
        const specifier =
          (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
          node.moduleSpecifier &&
          ts.isStringLiteral(node.moduleSpecifier)
            ? node.moduleSpecifier.text
            : ts.isCallExpression(node) &&
                (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
                  (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
                node.arguments[0] &&
                ts.isStringLiteralLike(node.arguments[0])
              ? node.arguments[0].text
              : ts.isImportEqualsDeclaration(node) &&
                  ts.isExternalModuleReference(node.moduleReference) &&
                  ts.isStringLiteral(node.moduleReference.expression)
                ? node.moduleReference.expression.text
                : undefined;
        if (specifier?.startsWith("@octokit/")) github.push({ at: where(node), what: `imports ${specifier}` });

        if (ts.isIdentifier(node) && node.text === "fetch") {
          const parent = node.parent;
          let symbol: ts.Symbol | undefined;
          if (ts.isShorthandPropertyAssignment(parent) && parent.name === node) {
            symbol = checker.getShorthandAssignmentValueSymbol(parent);
          } else if (
            (ts.isPropertyAssignment(parent) ||
              ts.isMethodDeclaration(parent) ||
              ts.isPropertyDeclaration(parent) ||
              ts.isPropertySignature(parent) ||
              ts.isVariableDeclaration(parent) ||
              ts.isParameter(parent) ||
              ts.isFunctionDeclaration(parent)) &&
            parent.name === node
          ) {
            symbol = undefined; // a declaration named fetch, not the global
          } else {
            symbol = checker.getSymbolAtLocation(node);
          }
          if (isGlobalFetch(symbol) && !(file in FETCH_ALLOWED)) {
            const call = ts.isPropertyAccessExpression(parent) && parent.name === node ? parent.parent : parent;
            const called = ts.isCallExpression(call) && (call.expression === node || call.expression === parent);
            github.push({ at: where(node), what: called ? "calls fetch(" : "uses the global fetch" });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { writes, github, files };
}

describe("rooms hold by construction (source scan of convex/)", () => {
  let result: ReturnType<typeof scan>;
  beforeAll(() => {
    result = scan();
  }, 120_000);

  test("the scan sees the code (sanity)", () => {
    expect(result.files).toBeGreaterThan(30);
    // The single write path and the transitions are certainly in it.
    expect(result.writes.some((w) => w.file === "convex/model/upsert.ts" && w.method === "insert")).toBe(true);
    expect(result.writes.some((w) => w.file === "convex/sync/transitions.ts" && w.tables?.includes("syncJobs"))).toBe(
      true,
    );
  });

  test("every database write resolves to a table", () => {
    const unresolved = result.writes
      .filter((w) => w.tables === null || w.tables.length === 0)
      .map((w) => `${w.at}  db.${w.method}(…) — first argument's type: ${w.type}`);
    expect(unresolved, `writes whose table the type checker cannot resolve:\n${unresolved.join("\n")}`).toEqual([]);
  });

  test("every table is written only by its owner", () => {
    const violations = result.writes.flatMap((w) =>
      (w.tables ?? [])
        .filter((table) => !isOwner(w.file, table))
        .map(
          (table) =>
            `${w.at}  db.${w.method}(…) writes "${table}"; allowed owners: ${
              OWNERS[table]?.join(", ") ?? "(none declared for this table)"
            }`,
        ),
    );
    expect(violations, `writes outside their table's owner:\n${violations.join("\n")}`).toEqual([]);
  });

  test("only convex/github/ talks to GitHub (no @octokit/* import, no fetch)", () => {
    const violations = result.github.map((f) => `${f.at}  ${f.what}`);
    expect(violations, `GitHub reached outside convex/github/:\n${violations.join("\n")}`).toEqual([]);
  });
});
