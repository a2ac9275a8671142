/**
 * The installation's settings, in sections (one at a time, named in the URL: `?section=notifications`):
 * the working agreements (one form, one Save), notifications (Slack destinations, each real time or a
 * daily digest), and repositories (each one's deployments, searchable, one Save for all changes).
 * Every member sees them; the account's administrators (the account, the installer, organisation
 * owners) change them. The last change says who made it and when.
 */
import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { useUrlState } from "../lib/urlState";
import { AgreementsForm } from "./Agreements";
import { RepositoryDeploymentSettings } from "./RepositoryDeploymentSettings";
import { Skeleton } from "./Skeleton";
import { PushNotifications } from "./PushNotifications";
import { SlackNotifications } from "./SlackNotifications";

const SECTIONS = [
  { key: "agreements", label: "Working agreements" },
  { key: "notifications", label: "Notifications" },
  { key: "repositories", label: "Repositories" },
] as const;

export function Settings({ installationId }: { installationId: Id<"installations"> }) {
  const settings = useQuery(api.settings.get, { installationId });
  const { values, set } = useUrlState({ section: "agreements" });
  const section = SECTIONS.find((s) => s.key === values.section)?.key ?? "agreements";
  if (settings === undefined) return <Skeleton lines={3} label="Loading settings" />;
  if (settings === null) return <p className="empty">The settings of this account are not available to you.</p>;
  return (
    <div className="settings">
      <nav aria-label="Settings sections" className="subtabs">
        {SECTIONS.map((s) => (
          <a
            key={s.key}
            href={`?section=${s.key}`}
            aria-current={s.key === section ? "page" : undefined}
            onClick={(e) => {
              e.preventDefault();
              set({ section: s.key });
            }}
          >
            {s.label}
          </a>
        ))}
      </nav>
      {!settings.canEdit && (
        <p className="muted">Only the account&apos;s owners and the person who installed the App can change these.</p>
      )}
      {section === "agreements" && (
        <section className="panel" aria-labelledby="agreements-heading">
          <h3 id="agreements-heading">Working agreements</h3>
          <AgreementsForm
            installationId={installationId}
            saved={settings.agreements}
            staleAfterDays={settings.staleAfterDays}
            canEdit={settings.canEdit}
          />
          <p className="muted">
            {settings.updatedAt !== null
              ? `Last changed by ${settings.updatedByLogin} on ${new Date(settings.updatedAt).toLocaleString()}.`
              : "The defaults apply; nobody has changed them yet."}
          </p>
        </section>
      )}
      {section === "notifications" && (
        <div className="panel">
          <PushNotifications installationId={installationId} />
          <SlackNotifications installationId={installationId} />
        </div>
      )}
      {section === "repositories" && (
        <div className="panel">
          <RepositoryDeploymentSettings installationId={installationId} canEdit={settings.canEdit} />
        </div>
      )}
    </div>
  );
}
