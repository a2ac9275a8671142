/**
 * Keyboard triage of a list, as gh-dash and Graphite users expect: j / k move between rows, Enter opens
 * the row's link, ? shows the keys. Rows are the container's `[data-row]` elements; the first is in
 * the Tab order (one stop for the whole list), the others are reached with j / k.
 */
import { useEffect, useRef, useState, type RefObject } from "react";

const TYPING = /^(INPUT|SELECT|TEXTAREA)$/;

export function useListKeys<T extends HTMLElement>(): {
  ref: RefObject<T | null>;
  help: boolean;
  closeHelp: () => void;
} {
  const ref = useRef<T>(null);
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.altKey || e.ctrlKey || e.metaKey || TYPING.test(target.tagName) || target.isContentEditable) return;
      const rows = [...(ref.current?.querySelectorAll<HTMLElement>("[data-row]") ?? [])];
      if (rows.length === 0) return;
      const at = rows.findIndex((r) => r === target || r.contains(target));
      if (e.key === "j" || e.key === "k") {
        e.preventDefault();
        const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + (e.key === "j" ? 1 : -1)));
        rows[next]!.focus();
        rows[next]!.scrollIntoView({ block: "nearest" });
      } else if (e.key === "Enter" && at >= 0 && rows[at] === target) {
        rows[at]!.querySelector<HTMLAnchorElement>("a[href]")?.click();
      } else if (e.key === "?") {
        setHelp((h) => !h);
      } else if (e.key === "Escape") {
        setHelp(false);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return { ref, help, closeHelp: () => setHelp(false) };
}

/** The keys, shown on `?`. */
export function ListKeysHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  if (!open) return null;
  return (
    <div className="keys-help" role="dialog" aria-label="Keyboard shortcuts">
      <dl>
        <dt>
          <kbd>j</kbd> / <kbd>k</kbd>
        </dt>
        <dd>next / previous row</dd>
        <dt>
          <kbd>Enter</kbd>
        </dt>
        <dd>open the row on GitHub</dd>
        <dt>
          <kbd>?</kbd>
        </dt>
        <dd>show or hide these keys</dd>
      </dl>
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
