/**
 * Per repository, DORA's fallback: the Actions workflow whose completed runs on the default branch
 * count as deployments, for repositories that deploy without GitHub deployments. Searchable; one form
 * and one Save for every change. Every member sees the choices; administrators change them (the
 * mutation checks it too).
 */
import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { plural } from "../lib/plural";
import { errorText } from "./errorText";
import { Empty, Skeleton } from "./Skeleton";

export function RepositoryDeploymentSettings({
  installationId,
  canEdit,
}: {
  installationId: Id<"installations">;
  canEdit: boolean;
}) {
  const repositories = useQuery(api.settings.repositorySettings, { installationId });
  const update = useMutation(api.settings.updateRepositorySettings);
  const [search, setSearch] = useState("");
  /** Edited workflows by repository ("" = GitHub deployments). */
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const savedOf = (id: string) => repositories?.find((r) => r.repositoryId === id)?.deploymentWorkflow ?? "";
  const changes = Object.entries(drafts).filter(([id, value]) => value.trim() !== savedOf(id));
  const shown = (repositories ?? []).filter((r) => r.fullName.toLowerCase().includes(search.trim().toLowerCase()));
  const save = async () => {
    setSaving(true);
    setMessage(null);
    const done: string[] = [];
    try {
      for (const [id, value] of changes) {
        const workflow = value.trim() || null;
        await update({ repositoryId: id as Id<"repositories">, deploymentWorkflow: workflow });
        const name = repositories?.find((r) => r.repositoryId === id)?.fullName ?? id;
        done.push(workflow ? `${name}: runs of ${workflow} count as deployments` : `${name}: GitHub deployments count`);
      }
      setDrafts({});
      setMessage(`Saved. ${done.join("; ")}.`);
    } catch (error) {
      setMessage(errorText(error, "The settings could not be saved."));
    } finally {
      setSaving(false);
    }
  };
  return (
    <section aria-labelledby="deployments-heading" className="deployment-settings">
      <h3 id="deployments-heading">Deployments (DORA)</h3>
      <p className="muted">
        By default a repository&apos;s deployments are its GitHub deployments to a production environment. A repository
        that deploys from an Actions workflow without creating deployments can count that workflow&apos;s completed runs
        on its default branch instead: give the workflow&apos;s name or file name (e.g. <code>deploy.yml</code>).
      </p>
      {repositories === undefined ? (
        <Skeleton lines={3} label="Loading repositories" />
      ) : repositories === null || repositories.length === 0 ? (
        <Empty>No repository settings to show.</Empty>
      ) : (
        <form
          aria-label="Deployments per repository"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <div className="filters">
            <label>
              Find a repository{" "}
              <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name" />
            </label>
            <span className="muted">{plural(shown.length, "repository", "repositories")}</span>
          </div>
          <div className="table-scroll">
            <table className="repos dense cards-when-narrow">
              <thead>
                <tr>
                  <th scope="col">Repository</th>
                  <th scope="col">Deployments come from</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.repositoryId}>
                    <td>{r.fullName}</td>
                    <td data-label="Deployments come from">
                      {canEdit ? (
                        <label>
                          <span className="visually-hidden">Deployment workflow of {r.fullName}</span>
                          <input
                            value={drafts[r.repositoryId] ?? r.deploymentWorkflow ?? ""}
                            onChange={(e) => setDrafts({ ...drafts, [r.repositoryId]: e.target.value })}
                            placeholder="GitHub deployments"
                            size={16}
                            disabled={saving}
                            spellCheck={false}
                          />
                        </label>
                      ) : (
                        (r.deploymentWorkflow && `workflow ${r.deploymentWorkflow}`) || "GitHub deployments"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canEdit && (
            <p>
              <button type="submit" className="primary" disabled={saving || changes.length === 0}>
                {saving ? "Saving…" : changes.length > 1 ? `Save ${changes.length} changes` : "Save"}
              </button>{" "}
              <span className="muted">An empty field means GitHub deployments.</span>
            </p>
          )}
          {message && <p role="status">{message}</p>}
        </form>
      )}
    </section>
  );
}
