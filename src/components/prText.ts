/**
 * Words for a pull request's health and whose turn it is, shared by the PR table and the inbox (the
 * code → words tables themselves live in convex/messages.ts).
 */
import { HEALTH_REASON_TEXT, WAITING_REASON_TEXT } from "../../convex/messages";

export type Health = "green" | "yellow" | "red";

/** Health as text and icon, never colour alone. */
export const HEALTH_TEXT: Record<Health, string> = { green: "✓ Green", yellow: "● Yellow", red: "✕ Red" };

/** The health reasons in words, comma separated; unknown codes as they are. */
export const healthReasonsText = (reasons: readonly string[]) =>
  reasons.map((r) => HEALTH_REASON_TEXT[r as keyof typeof HEALTH_REASON_TEXT] ?? r).join(", ");

/** A code this table does not know yet is shown as words ("some_code" → "Some code"), never raw. */
export const waitingReasonText = (reason: string) =>
  WAITING_REASON_TEXT[reason as keyof typeof WAITING_REASON_TEXT] ??
  reason.charAt(0).toUpperCase() + reason.slice(1).replaceAll("_", " ");

/**
 * Who a pull request waits on, in words: logins as they are, "team:<slug>" as "<slug> (team)",
 * and the signed-in user (when known) as "you", first.
 */
export function waitingOnText(waitingOn: readonly string[], me?: string): string {
  const isMe = (w: string) => me !== undefined && w.toLowerCase() === me.toLowerCase();
  const word = (w: string) => (w.startsWith("team:") ? `${w.slice(5)} (team)` : w);
  return [...(waitingOn.some(isMe) ? ["you"] : []), ...waitingOn.filter((w) => !isMe(w)).map(word)].join(", ");
}
