/**
 * The bench's reporter: prints the tables the bench logs (marked with `TABLE_MARK`) and nothing else
 * — no runner banner, no benchmark statistics (each measurement runs once; its figures are in the
 * tables), no other console output. A failure is still reported, on stderr.
 */
import type { Reporter, TestModule } from "vitest/node";

type UserConsoleLog = Parameters<NonNullable<Reporter["onUserConsoleLog"]>>[0];

export const TABLE_MARK = "\u0000bench-tables\u0000";

export default class TablesReporter implements Reporter {
  onUserConsoleLog(log: UserConsoleLog) {
    if (log.content.startsWith(TABLE_MARK)) process.stdout.write(log.content.slice(TABLE_MARK.length));
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>) {
    const failures = [
      ...errors.map(String),
      ...modules.flatMap((m) => [
        ...m.errors().map((e) => `${m.moduleId}: ${e.message}`),
        ...[...m.children.allTests()].flatMap((t) =>
          (t.result().errors ?? []).map((e) => `${t.fullName}: ${e.message}\n${e.stack ?? ""}`),
        ),
      ]),
    ];
    if (failures.length > 0) process.stderr.write(`bench failed:\n${failures.join("\n")}\n`);
  }
}
