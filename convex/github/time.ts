/** GitHub timestamps → epoch ms. ISO strings, or epoch seconds (push payloads' repository). */
export function parseGitHubTime(t: string | number | null | undefined): number | undefined {
  if (t === null || t === undefined) return undefined;
  if (typeof t === "number") return t * 1000;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
