export function Skeleton({ lines = 3, label }: { lines?: number; label: string }) {
  return (
    <div className="skeleton" role="status" aria-label={label} aria-busy="true">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" />
      ))}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A paginated list's "more" button, then a loading line while the next page comes. */
export function MorePages({
  status,
  loadMore,
  pageSize,
  label,
  loadingLabel,
}: {
  status: "LoadingFirstPage" | "CanLoadMore" | "LoadingMore" | "Exhausted";
  loadMore: (numItems: number) => void;
  pageSize: number;
  label: string;
  loadingLabel: string;
}) {
  if (status === "CanLoadMore")
    return (
      <button type="button" onClick={() => loadMore(pageSize)}>
        {label}
      </button>
    );
  return status === "LoadingMore" ? <Skeleton lines={1} label={loadingLabel} /> : null;
}
