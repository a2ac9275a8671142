/**
 * An honest empty state: a page with nothing to show says whether that is because the first sync has
 * not finished or the App reads no repository — never "all clear" for an installation that is not there yet.
 */
import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";

type Readiness = "loading" | "first-sync" | "no-repositories" | "ready";

/** Whether the installation has anything to show yet. */
export function useReadiness(installationId: Id<"installations">): Readiness {
  const s = useQuery(api.dashboard.summary.summary, { installationId });
  if (!s) return "loading";
  if (s.lastSyncedAt === null) return "first-sync";
  return s.repositories === 0 ? "no-repositories" : "ready";
}

export function NotReadyYet({ installationId, account }: { installationId: Id<"installations">; account: string }) {
  const readiness = useReadiness(installationId);
  if (readiness === "first-sync")
    return (
      <p className="notice" role="status">
        <strong>The first sync of {account} has not finished.</strong> Pull requests, reviews and checks appear here as
        it goes (its progress is above); an empty list does not mean all clear yet.
      </p>
    );
  if (readiness === "no-repositories")
    return (
      <p className="notice" role="status">
        <strong>The App reads no repository of {account}.</strong> Add repositories to the App on GitHub (the
        account&apos;s Settings → GitHub Apps → Syncboard → Repository access); they appear here within a minute.
      </p>
    );
  return null;
}
