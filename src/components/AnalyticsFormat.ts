/** What the Analytics panels share: the filters' shape, the stages' names, hours and days as text. */
import type { FunctionArgs } from "convex/server";
import { api } from "../../convex/_generated/api";
import type { Stage } from "../../convex/dashboard/analytics";

/** The range and filters every analytics query takes (the drill-down narrows `from`/`to`). */
export type AnalyticsFilters = Omit<FunctionArgs<typeof api.dashboard.analytics.mergedPullRequests>, "paginationOpts">;

/** convex/dashboard/analytics.ts's STAGES (its module is server code: only its types come here). */
export const STAGES: readonly Stage[] = ["coding", "pickup", "review", "merge", "deploy", "cycle", "lead"];

export const STAGE_LABEL: Record<Stage, string> = {
  coding: "Coding",
  pickup: "Pickup",
  review: "Review",
  merge: "Merge",
  deploy: "Deploy",
  cycle: "Cycle time",
  lead: "Lead time",
};

export const STAGE_HELP: Record<Stage, string> = {
  coding: "first commit → ready for review",
  pickup: "ready for review → first review",
  review: "first review → last approval",
  merge: "approval → merge",
  deploy: "merge → first successful production deployment",
  cycle: "first commit → merge",
  lead: "first commit → deployed",
};

/** Hours in words (convex/messages.ts: the weekly report summary words them the same way). */
export { formatHours } from "../../convex/messages";

const DAY_MS = 86_400_000;

/** A UTC day number as its ISO date (2026-11-25). */
export const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** An instant as ISO 8601 in UTC, or empty. */
export const isoTime = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());

export const dayRangeText = (from: number, to: number) =>
  from === to ? isoDay(from) : `${isoDay(from)} – ${isoDay(to)}`;
