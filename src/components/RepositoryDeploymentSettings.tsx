/**
 * Per repository, DORA's fallback: the Actions workflow whose completed runs on the default branch
 * count as deployments, for repositories that deploy without GitHub deployments. Every member sees
 * the choices; administrators change them (the mutation checks it too).
 */
import { useMutation, useQuery } from "convex/react";
import { errorText } from "./errorText";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Empty, Skeleton } from "./Skeleton";

export function RepositoryDeploymentSettings({
  installationId,
  canEdit,
}: {
  installationId: Id<"installations">;
  canEdit: boolean;
}) {
  const repositories = useQuery(api.settings.repositorySettings, { installationId });
  return (
    <section aria-labelledby="deployments-heading" className="deployment-settings">
      <h3 id="deployments-heading">Deployments (DORA)</h3>
      <p className="muted">
        By default a repository&apos;s deployments are its GitHub deployments to a production environment. A repository
        that deploys from an Actions workflow without creating deployments can count that workflow&apos;s completed runs
        on its default branch instead: give the workflow&apos;s name or file name (e.g. <code>deploy.yml</code>).
      </p>
      {!canEdit && (
        <p className="muted">Only the account&apos;s owners and the person who installed the App can change this.</p>
      )}
      {repositories === undefined ? (
        <Skeleton lines={3} label="Loading repositories" />
      ) : repositories === null || repositories.length === 0 ? (
        <Empty>No repository settings to show.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="repos cards-when-narrow">
            <thead>
              <tr>
                <th scope="col">Repository</th>
                <th scope="col">Deployments come from</th>
              </tr>
            </thead>
            <tbody>
              {repositories.map((r) => (
                <tr key={r.repositoryId}>
                  <td>{r.fullName}</td>
                  <td data-label="Deployments come from">
                    {canEdit ? (
                      <WorkflowForm repositoryId={r.repositoryId} fullName={r.fullName} saved={r.deploymentWorkflow} />
                    ) : (
                      (r.deploymentWorkflow && `workflow ${r.deploymentWorkflow}`) || "GitHub deployments"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function WorkflowForm({
  repositoryId,
  fullName,
  saved,
}: {
  repositoryId: Id<"repositories">;
  fullName: string;
  saved: string | null;
}) {
  const update = useMutation(api.settings.updateRepositorySettings);
  const [workflow, setWorkflow] = useState(saved ?? "");
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async (value: string | null) => {
    setSaving(true);
    setMessage(null);
    try {
      await update({ repositoryId, deploymentWorkflow: value });
      setMessage(value ? `Runs of ${value} count as deployments.` : "GitHub deployments count.");
      if (value === null) setWorkflow("");
    } catch (error) {
      setMessage(errorText(error, "The setting could not be saved."));
    } finally {
      setSaving(false);
    }
  };
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save(workflow.trim() || null);
      }}
    >
      <label>
        <span className="visually-hidden">Deployment workflow of {fullName}</span>
        <input
          value={workflow}
          onChange={(e) => setWorkflow(e.target.value)}
          placeholder="GitHub deployments"
          size={16}
          disabled={saving}
          spellCheck={false}
        />
      </label>{" "}
      <button type="submit" disabled={saving || workflow.trim() === (saved ?? "")}>
        Save
      </button>
      {saved !== null && (
        <button type="button" disabled={saving} onClick={() => void save(null)}>
          Use GitHub deployments
        </button>
      )}
      {message && (
        <span role="status" className="muted">
          {" "}
          {message}
        </span>
      )}
    </form>
  );
}
