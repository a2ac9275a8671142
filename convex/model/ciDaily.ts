/**
 * CI outcomes per repository and UTC day of the result (`ciDaily`, read by repository health). A
 * `ciResults` row — the latest state of one (sha, kind, name) — counts once, by that state, on the day
 * of its result: passed or failed (pending counts nothing); a row that failed and then passed (a
 * re-run, `flaky`) counts as flaky too. The write path adds contribution(after) − contribution(before)
 * here and `flush` writes each touched day document once per transaction; `verifyCiDaily` recounts.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx, type MutationCtx } from "../_generated/server";
import { dayOf } from "./contribution";

type CiCounts = { passed: number; failed: number; flaky: number };
type CiRow = Pick<Doc<"ciResults">, "state" | "updatedAt" | "flaky">;

/** What one CI row adds to its day (null: nothing, a pending check). */
function contribution(row: CiRow | null): { day: number; counts: CiCounts } | null {
  if (!row || row.state === "pending") return null;
  return {
    day: dayOf(row.updatedAt),
    counts: {
      passed: row.state === "success" ? 1 : 0,
      failed: row.state === "failure" ? 1 : 0,
      flaky: row.flaky === true ? 1 : 0,
    },
  };
}

/** The `ciDaily` deltas of one write-path transaction, keyed by repository and day. */
export class CiDailyDeltas {
  private deltas = new Map<string, { repositoryId: Id<"repositories">; day: number; counts: CiCounts }>();

  constructor(
    private readonly ctx: MutationCtx,
    private readonly installationId: Id<"installations">,
  ) {}

  /** A CI row of the repository changed from `before` to `after`. */
  change(repositoryId: Id<"repositories">, before: CiRow | null, after: CiRow) {
    for (const [c, sign] of [
      [contribution(before), -1],
      [contribution(after), 1],
    ] as const) {
      if (!c) continue;
      const key = `${repositoryId}\u0000${c.day}`;
      const d = this.deltas.get(key) ?? { repositoryId, day: c.day, counts: { passed: 0, failed: 0, flaky: 0 } };
      d.counts.passed += sign * c.counts.passed;
      d.counts.failed += sign * c.counts.failed;
      d.counts.flaky += sign * c.counts.flaky;
      this.deltas.set(key, d);
    }
  }

  async flush() {
    const { db } = this.ctx;
    for (const { repositoryId, day, counts } of this.deltas.values()) {
      if (counts.passed === 0 && counts.failed === 0 && counts.flaky === 0) continue;
      const doc = await db
        .query("ciDaily")
        .withIndex("by_repository_day", (q) => q.eq("repositoryId", repositoryId).eq("day", day))
        .unique();
      if (doc) {
        await db.patch(doc._id, {
          passed: doc.passed + counts.passed,
          failed: doc.failed + counts.failed,
          flaky: doc.flaky + counts.flaky,
        });
      } else {
        await db.insert("ciDaily", { installationId: this.installationId, repositoryId, day, ...counts });
      }
    }
    this.deltas.clear();
  }
}

/** CI rows recounted per query page: one index range, far below a query's read limit. */
const RECOUNT_PAGE = 4_000;

/** One page of a repository's CI rows, counted per day. */
export const recountCiPage = internalQuery({
  args: { repositoryId: v.id("repositories"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, cursor }) => {
    const rows = await ctx.db
      .query("ciResults")
      .withIndex("by_repo_sha_name", (q) => q.eq("repositoryId", repositoryId))
      .paginate({ numItems: RECOUNT_PAGE, cursor });
    const byDay = new Map<number, { day: number } & CiCounts>();
    for (const row of rows.page) {
      const c = contribution(row);
      if (!c) continue;
      let d = byDay.get(c.day);
      if (!d) byDay.set(c.day, (d = { day: c.day, passed: 0, failed: 0, flaky: 0 }));
      d.passed += c.counts.passed;
      d.failed += c.counts.failed;
      d.flaky += c.counts.flaky;
    }
    return { days: [...byDay.values()], isDone: rows.isDone, continueCursor: rows.continueCursor };
  },
});

/** One page of a repository's stored `ciDaily` documents. */
export const storedCiPage = internalQuery({
  args: { repositoryId: v.id("repositories"), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { repositoryId, cursor }) => {
    const docs = await ctx.db
      .query("ciDaily")
      .withIndex("by_repository_day", (q) => q.eq("repositoryId", repositoryId))
      .paginate({ numItems: RECOUNT_PAGE, cursor });
    return {
      days: docs.page.map((d) => ({ day: d.day, passed: d.passed, failed: d.failed, flaky: d.flaky })),
      isDone: docs.isDone,
      continueCursor: docs.continueCursor,
    };
  },
});

type CiPage = { days: Array<{ day: number } & CiCounts>; isDone: boolean; continueCursor: string };

/** `verifyAggregates`' CI part: the repository's `ciDaily` against a recount of its CI rows. */
export async function verifyCiDaily(
  ctx: ActionCtx,
  repositoryId: Id<"repositories">,
  label: string,
): Promise<string[]> {
  const sum = async (fn: typeof internal.model.ciDaily.recountCiPage) => {
    const out = new Map<number, string>();
    const acc = new Map<number, CiCounts>();
    for (let cursor: string | null = null, done = false; !done;) {
      const page: CiPage = await ctx.runQuery(fn, { repositoryId, cursor });
      for (const d of page.days) {
        const a = acc.get(d.day) ?? { passed: 0, failed: 0, flaky: 0 };
        acc.set(d.day, { passed: a.passed + d.passed, failed: a.failed + d.failed, flaky: a.flaky + d.flaky });
      }
      [cursor, done] = [page.continueCursor, page.isDone];
    }
    for (const [day, c] of acc) {
      if (c.passed !== 0 || c.failed !== 0 || c.flaky !== 0) out.set(day, JSON.stringify(c));
    }
    return out;
  };
  const [recount, stored] = [
    await sum(internal.model.ciDaily.recountCiPage),
    await sum(internal.model.ciDaily.storedCiPage),
  ];
  const differences: string[] = [];
  for (const day of new Set([...recount.keys(), ...stored.keys()])) {
    if (recount.get(day) !== stored.get(day)) {
      differences.push(
        `${label} ci day ${day}: stored ${stored.get(day) ?? "none"}, recount ${recount.get(day) ?? "none"}`,
      );
    }
  }
  return differences;
}
