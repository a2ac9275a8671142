/**
 * The OpenSSF Scorecard API (https://api.scorecard.dev, no authentication; `SCORECARD_API_URL`
 * overrides the host): a repository's latest published result, validated with zod. Not every
 * repository is scanned by OpenSSF: a 404 is `null` ("not scanned by OpenSSF"), never an error.
 * 429 and 5xx are `transient` (the caller backs off); the data is CDLA-Permissive-2.0: show its source.
 *
 * Usage: `const result = await fetchScorecard("facebook", "react")`.
 */
import { z } from "zod";
import { GitHubError } from "./errors";

const DEFAULT_HOST = "https://api.scorecard.dev";
const TIMEOUT_MS = 20_000;

const check = z.object({
  name: z.string(),
  score: z.number().int().min(-1).max(10),
  reason: z.string().nullable().optional(),
  documentation: z.object({ url: z.string().optional() }).partial().nullable().optional(),
});
const result = z.object({
  date: z.string(),
  repo: z.object({ name: z.string(), commit: z.string() }),
  scorecard: z.object({ version: z.string().optional() }).partial().optional(),
  score: z.number().min(-1).max(10),
  checks: z.array(check),
});

type ScorecardResult = {
  score: number;
  date: string;
  commit: string;
  version?: string;
  checks: Array<{ name: string; score: number; reason: string; url?: string }>;
};

/** The viewer page credited beside the result. */
export const scorecardViewerUrl = (fullName: string) => `https://scorecard.dev/viewer/?uri=github.com/${fullName}`;

export async function fetchScorecard(owner: string, name: string): Promise<ScorecardResult | null> {
  const host = (process.env.SCORECARD_API_URL ?? DEFAULT_HOST).replace(/\/$/, "");
  const url = `${host}/projects/github.com/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let response: Response;
  try {
    response = await Promise.race([
      fetch(url, { headers: { accept: "application/json" } }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new GitHubError("transient", `Scorecard: no response within ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    if (error instanceof GitHubError) throw error;
    throw new GitHubError("transient", `Scorecard: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 404) return null;
  if (response.status === 429 || response.status >= 500) {
    throw new GitHubError("transient", `Scorecard answered ${response.status}`);
  }
  if (!response.ok) throw new GitHubError("bad_request", `Scorecard answered ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new GitHubError("invalid_response", "Scorecard: the answer is not JSON");
  }
  const parsed = result.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GitHubError("invalid_response", `Scorecard: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const r = parsed.data;
  return {
    score: r.score,
    date: r.date,
    commit: r.repo.commit,
    ...(r.scorecard?.version && { version: r.scorecard.version }),
    checks: r.checks.map((c) => ({
      name: c.name,
      score: c.score,
      reason: c.reason ?? "",
      ...(c.documentation?.url && { url: c.documentation.url }),
    })),
  };
}
