/**
 * A page's filters and order in its URL (`?health=red&sort=age`), so a list is shared, bookmarked and
 * restored by the back button. Defaults are left out of the URL; a change replaces the history entry.
 */
import { useCallback, useMemo } from "react";
import { useLocation, useSearch } from "wouter";

export function useUrlState<K extends string>(defaults: Record<K, string>) {
  const search = useSearch();
  const [path, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const values = useMemo(() => {
    const out = { ...defaults };
    for (const key of Object.keys(defaults) as K[]) out[key] = params.get(key) ?? defaults[key];
    return out;
  }, [params]);
  const set = useCallback(
    (change: Partial<Record<K, string>>) => {
      const next = new URLSearchParams(params);
      for (const [key, value] of Object.entries(change) as Array<[K, string]>) {
        if (value === "" || value === defaults[key]) next.delete(key);
        else next.set(key, value);
      }
      const query = next.toString();
      navigate(`${path}${query ? `?${query}` : ""}`, { replace: true });
    },
    [params, path, navigate],
  );
  const changed = (Object.keys(defaults) as K[]).some((k) => values[k] !== defaults[k]);
  return { values, set, changed };
}
