import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Skeleton } from "./Skeleton";

export function SummaryCards({ installationId }: { installationId: Id<"installations"> }) {
  const s = useQuery(api.dashboard.summary.summary, { installationId });
  if (s === undefined) return <Skeleton lines={1} label="Loading summary" />;
  if (s === null) return null;
  const cards = [
    { label: "Repositories", value: s.repositories, className: "" },
    { label: "Open pull requests", value: s.openPullRequests, className: "" },
    { label: "● Green", value: s.openPullRequestsByHealth.green, className: "health-green" },
    { label: "● Yellow", value: s.openPullRequestsByHealth.yellow, className: "health-yellow" },
    { label: "● Red", value: s.openPullRequestsByHealth.red, className: "health-red" },
    { label: "Open issues", value: s.openIssues, className: "" },
  ];
  return (
    <ul className="cards" aria-label="Summary">
      {cards.map((c) => (
        <li key={c.label} className={`card ${c.className}`}>
          <span className="card-value">{c.value.toLocaleString()}</span>
          <span className="card-label">{c.label}</span>
        </li>
      ))}
    </ul>
  );
}
