/**
 * "Save as report" on the Analytics page and the pull request list: the view's filters (from its URL),
 * a name, private or shared, and (on Analytics) the figures; saved, it opens at its own URL. Come from
 * one's own report, "Update “name”" keeps the view as that report's instead.
 */
import { useMutation, useQuery } from "convex/react";
import { useId, useState, type FormEvent } from "react";
import { useLocation, useSearch } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { MAX_NAME, reportPath, type ReportFigure, type ReportPage } from "../../convex/reports/definition";
import { FIGURE_LABEL, filtersFromSearch } from "../lib/reports";
import { errorText } from "./errorText";

const FIGURES: Record<ReportPage, ReportFigure[]> = { analytics: ["cycle_time", "dora"], pulls: ["pull_requests"] };

export function SaveReport({
  installationId,
  account,
  page,
}: {
  installationId: Id<"installations">;
  account: string;
  page: ReportPage;
}) {
  const save = useMutation(api.reports.saved.save);
  const search = useSearch();
  const [, navigate] = useLocation();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [figures, setFigures] = useState<ReportFigure[]>(FIGURES[page]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const filters = filtersFromSearch(page, new URLSearchParams(search));
      const { reportId } = await save({ installationId, name, shared, page, filters, figures });
      navigate(reportPath(account, reportId));
    } catch (err) {
      setError(errorText(err, "The report could not be saved; try again."));
      setBusy(false);
    }
  }
  if (!open)
    return (
      <div className="save-report-toggle">
        <UpdateReport installationId={installationId} account={account} page={page} />
        <button type="button" onClick={() => setOpen(true)} aria-expanded={false}>
          Save as report
        </button>
      </div>
    );
  return (
    <form className="save-report" aria-label="Save as report" onSubmit={submit}>
      <label>
        Report name{" "}
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={MAX_NAME}
          required
          autoFocus
          placeholder="e.g. Platform delivery"
        />
      </label>
      {FIGURES[page].length > 1 && (
        <fieldset>
          <legend>Figures</legend>
          {FIGURES[page].map((f) => (
            <label key={f}>
              <input
                type="checkbox"
                checked={figures.includes(f)}
                onChange={(e) => setFigures((now) => (e.target.checked ? [...now, f] : now.filter((x) => x !== f)))}
              />{" "}
              {FIGURE_LABEL[f]}
            </label>
          ))}
        </fieldset>
      )}
      <label>
        <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} aria-describedby={id} />{" "}
        Share with everyone in {account}
      </label>
      <span id={id} className="muted">
        Each person sees only the repositories they may read.
      </span>
      <button type="submit" className="primary" disabled={busy || figures.length === 0}>
        Save report
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

/**
 * On a page opened from one's own report (`?report=<id>`, ReportView's "Open in …"): "Update “name”" keeps
 * the view now shown as that report's filters.
 */
function UpdateReport({
  installationId,
  account,
  page,
}: {
  installationId: Id<"installations">;
  account: string;
  page: ReportPage;
}) {
  const search = useSearch();
  const [, navigate] = useLocation();
  const reportId = new URLSearchParams(search).get("report");
  const report = useQuery(api.reports.saved.get, reportId ? { installationId, reportId } : "skip");
  const update = useMutation(api.reports.saved.update);
  const [error, setError] = useState<string | null>(null);
  if (!report || !report.mine || report.page !== page) return null;
  async function run() {
    setError(null);
    try {
      await update({ reportId: report!.id, filters: filtersFromSearch(page, new URLSearchParams(search)) });
      navigate(reportPath(account, report!.id));
    } catch (err) {
      setError(errorText(err, "The report could not be updated; try again."));
    }
  }
  return (
    <>
      <button type="button" className="primary" onClick={() => void run()}>
        Update “{report.name}”
      </button>
      {error && <span role="alert">{error}</span>}
    </>
  );
}
