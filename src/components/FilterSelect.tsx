import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";

/**
 * One filter of a list as a labelled select: "Any" (the empty value) first, then the choices; a value
 * from the URL that is not (or not yet) among the choices stays selectable, so a shared link keeps it.
 */
export function FilterSelect({
  label,
  value,
  onChange,
  choices,
  any = "Any",
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  choices: ReadonlyArray<{ value: string; label: string }> | undefined;
  any?: string;
}) {
  return (
    <label>
      {label}{" "}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{any}</option>
        {value && !choices?.some((c) => c.value === value) && <option value={value}>{value}</option>}
        {choices?.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The repository filter of a list: the repositories the caller may read, by full name (`?repo=`). */
export function RepositoryFilter({
  installationId,
  value,
  onChange,
}: {
  installationId: Id<"installations">;
  value: string;
  onChange: (value: string) => void;
}) {
  const options = useQuery(api.dashboard.analytics.filterOptions, { installationId });
  return (
    <FilterSelect
      label="Repository"
      any="All"
      value={value}
      onChange={onChange}
      choices={options?.repositories.map((r) => ({ value: r.fullName, label: r.fullName }))}
    />
  );
}
