/**
 * The alert engine's ear on the watchlist (wired by convex/functions.ts): every write of an entry is
 * compared before → after, and the entry's alerts reconciled — at most one open alert per subject,
 * opened in the app and to Slack as every alert is, resolved when its news is overtaken:
 *
 * - `watch:<entry>:archived` — open while the repository is archived.
 * - `watch:<entry>:score` — OpenSSF's score dropped in a new result; resolved by a result that did not drop.
 * - `watch:<entry>:check:<name>` — a check of a new OpenSSF result (or of our own checks, `ours:<name>`)
 *   fell: 2 points or more lower than before, or down to 0 (e.g. Maintained 10 → 0; "?" never counts, and
 *   a point lost as a quiet week ages out is not news); resolved when a new result has it back up.
 * - `watch:<entry>:security` — the security policy found before is gone; resolved when it is back.
 * - `watch:<entry>:release:<tag>` — a new latest release; resolved by the next one.
 *
 * Each entry chooses which of these it raises (`alertOn`); one turned off resolves its open alerts, and
 * a removed entry resolves them all. Cheap: a comparison and one index range of the entry's open alerts.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { WatchListener } from "../watchlist/record";
import { notify } from "./evaluate";

type Entry = Doc<"watchEntries">;
type Choice = keyof Entry["alertOn"];
type News = { choice: Choice; message: string; url?: string };

const shown = (score: number) => (score < 0 ? "?" : String(score));

/** What this write changed that an entry alerts on, by subject; `null` subjects close. */
function news(before: Entry | null, after: Entry): Map<string, News | null> {
  const id = after._id;
  const name = after.fullName;
  const url = after.repository?.htmlUrl;
  const out = new Map<string, News | null>();
  const link = url ? { url } : {};
  // A condition: open while it holds.
  out.set(
    `watch:${id}:archived`,
    after.repository?.archived ? { choice: "archived", message: `${name} was archived.`, ...link } : null,
  );
  // A new OpenSSF result, compared with the one it replaces.
  const [was, now] = [before?.scorecard, after.scorecard];
  if (was && now && (was.date !== now.date || was.commit !== now.commit)) {
    out.set(
      `watch:${id}:score`,
      now.score >= 0 && was.score >= 0 && now.score < was.score
        ? {
            choice: "scoreDrop",
            message: `${name}: OpenSSF Scorecard score dropped ${was.score} → ${now.score}.`,
            ...link,
          }
        : null,
    );
    checksFell(out, id, name, "check", was.checks, now.checks, link, "OpenSSF");
  }
  // Our own checks, recomputed when an entry's processing ends.
  if (before?.ours && after.ours && JSON.stringify(before.ours) !== JSON.stringify(after.ours)) {
    checksFell(out, id, name, "ours", before.ours, after.ours, link, "Syncboard's check");
  }
  // The security policy: gone after being found (an entry whose files were never read says nothing).
  if (before?.files && after.files) {
    const gone = before.files.securityPolicy !== undefined && after.files.securityPolicy === undefined;
    const back = after.files.securityPolicy !== undefined;
    if (gone) {
      out.set(`watch:${id}:security`, {
        choice: "securityPolicyRemoved",
        message: `${name}: its security policy (${before.files.securityPolicy}) was removed.`,
        ...link,
      });
    } else if (back) out.set(`watch:${id}:security`, null);
  }
  // A new latest release (not the first one an entry learns of).
  const [oldRelease, newRelease] = [before?.releases?.latest, after.releases?.latest];
  if (oldRelease && newRelease && oldRelease.tag !== newRelease.tag) {
    out.set(`watch:${id}:release:${newRelease.tag}`, {
      choice: "newRelease",
      message: `${name} released ${newRelease.name ?? newRelease.tag}.`,
      url: newRelease.url,
    });
  }
  return out;
}

function checksFell(
  out: Map<string, News | null>,
  id: string,
  name: string,
  prefix: "check" | "ours",
  was: Array<{ name: string; score: number }>,
  now: Array<{ name: string; score: number }>,
  link: { url?: string },
  source: string,
) {
  const before = new Map(was.map((c) => [c.name, c.score]));
  for (const c of now) {
    const old = before.get(c.name);
    const subject = `watch:${id}:${prefix}:${c.name}`;
    if (old === undefined || old < 0 || c.score < 0) continue;
    out.set(
      subject,
      fell(old, c.score)
        ? {
            choice: "checkFell",
            message: `${name}: ${source} ${c.name} fell ${shown(old)} → ${shown(c.score)}.`,
            ...link,
          }
        : null,
    );
  }
}

/** A check fell: by 2 points or more, or to 0. */
const fell = (before: number, after: number) => after < before && (before - after >= 2 || after === 0);

export const watchlistAlerts: WatchListener = async (ctx, before, after) => {
  const entryId = (after ?? before)?._id;
  if (!entryId) return;
  const open = await openAlerts(ctx, entryId);
  if (!after) {
    for (const alert of open) await resolve(ctx, alert);
    return;
  }
  const changes = news(before, after);
  const now = Date.now();
  for (const alert of open) {
    const choice = choiceOf(alert.subject);
    const turnedOff = choice !== null && !after.alertOn[choice];
    const next = changes.get(alert.subject);
    // A newer release overtakes the previous one's alert.
    const overtaken =
      alert.subject.includes(":release:") &&
      [...changes.keys()].some((s) => s.includes(":release:") && s !== alert.subject);
    if (turnedOff || next === null || overtaken) await resolve(ctx, alert);
  }
  const openSubjects = new Set(open.map((a) => a.subject));
  for (const [subject, n] of changes) {
    if (!n || openSubjects.has(subject) || !after.alertOn[n.choice]) continue;
    const id = await ctx.db.insert("alerts", {
      installationId: after.installationId,
      kind: "watchlist",
      subject,
      openedAt: now,
      message: n.message,
      ...(n.url && { url: n.url }),
      watchEntryId: after._id,
      watchRepository: after.fullName,
    });
    await notify(ctx, (await ctx.db.get(id))!, "opened");
  }
};

function openAlerts(ctx: MutationCtx, entryId: Doc<"watchEntries">["_id"]) {
  return ctx.db
    .query("alerts")
    .withIndex("by_watch_entry_resolved", (q) => q.eq("watchEntryId", entryId).eq("resolvedAt", undefined))
    .collect();
}

async function resolve(ctx: MutationCtx, alert: Doc<"alerts">) {
  const now = Date.now();
  await ctx.db.patch(alert._id, { resolvedAt: now });
  await notify(ctx, { ...alert, resolvedAt: now }, "resolved");
}

function choiceOf(subject: string): Choice | null {
  const part = subject.split(":")[2];
  switch (part) {
    case "archived":
      return "archived";
    case "score":
      return "scoreDrop";
    case "check":
    case "ours":
      return "checkFell";
    case "security":
      return "securityPolicyRemoved";
    case "release":
      return "newRelease";
    default:
      return null;
  }
}
