import { useEffect, useState } from "react";

/** The current time, re-rendering every `everyMs` (for "3 minutes ago" and countdowns). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** How long since `ms`, in words: "less than a minute", "5 minutes", "3 hours", "2 days". */
export function elapsed(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 45) return "less than a minute";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? "" : "s"}`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? "" : "s"}`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? "" : "s"}`;
}

export function timeAgo(ms: number, now: number): string {
  return now - ms < 44_500 ? "just now" : `${elapsed(ms, now)} ago`;
}

export const localTime = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

const DAY_MS = 86_400_000;
/** The UTC day number (whole days since 1970-01-01) of an instant: what the trends queries take as `today`. */
const utcDay = (ms: number) => Math.floor(ms / DAY_MS);

/**
 * Today's UTC day number, re-rendering at the next UTC midnight. Convex queries do not re-run when
 * time passes, so day-based windows take the day from here: a new day is a new argument.
 */
export function useUtcDay(): number {
  const [day, setDay] = useState(() => utcDay(Date.now()));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      const now = Date.now();
      setDay(utcDay(now));
      clearTimeout(timer);
      // Timers may fire early or, after a sleep, late: recheck at the next midnight, and on focus.
      timer = setTimeout(check, (utcDay(now) + 1) * DAY_MS - now + 50);
    };
    check();
    document.addEventListener("visibilitychange", check);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", check);
    };
  }, []);
  return day;
}
