/** A pull request on which nothing happened for days (the installation's stale threshold). */
export function StaleBadge() {
  return (
    <span className="badge stale" title="Nothing has happened on this pull request for days">
      stale
    </span>
  );
}
