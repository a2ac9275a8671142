/**
 * Histograms of durations: one bin layout per scale and one quantile convention for every figure, page,
 * alert and score, so a figure shown on two pages is one number.
 *
 * Bins grow geometrically: bin 0 is [0, unit), bin k ≥ 1 is [unit·2^((k−1)/n), unit·2^(k/n)) for n bins
 * per octave, and the last bin is open. `DURATIONS` (pull request stages, restores, reviewer response)
 * has eight bins per octave from a minute up to 2^20 minutes (about two years): a bin spans 9% of its
 * values (a quantile is within about 4.5% of the exact one), and nothing a team measures reaches the
 * open bin.
 *
 * Quantiles are interpolated linearly within the bin the rank falls in (p × n samples, counted from the
 * smallest); in the open last bin they read as its lower bound. A histogram is stored sparse: bin index
 * → count, zeros left out.
 */

type Scale = { unitMs: number; perOctave: number; octaves: number };
/** Sparse counts by bin index (as object keys, so the stored form is a Convex record). */
export type Hist = Record<string, number>;

export const DURATIONS: Scale = { unitMs: 60_000, perOctave: 8, octaves: 20 };

/** Bins of a scale: bin 0, then `perOctave × octaves` finite bins, then the open one. */
const binCount = (s: Scale) => s.perOctave * s.octaves + 2;

export function binOf(s: Scale, ms: number): number {
  const units = Math.max(0, ms) / s.unitMs;
  if (!(units >= 1)) return 0;
  // The epsilon keeps exact powers (e.g. 2 units) in the bin they start rather than the one below.
  return Math.min(binCount(s) - 1, Math.floor(Math.log2(units) * s.perOctave + 1e-9) + 1);
}

/** [low, high) of a bin, in ms; the last bin's high is Infinity. */
export function binBounds(s: Scale, bin: number): [number, number] {
  if (bin <= 0) return [0, s.unitMs];
  const edge = (k: number) => s.unitMs * 2 ** (k / s.perOctave);
  return [edge(bin - 1), bin >= binCount(s) - 1 ? Infinity : edge(bin)];
}

/** `a + sign × b`, zeros dropped. */
export function addHist(a: Hist, b: Hist, sign = 1): Hist {
  const out: Hist = { ...a };
  for (const [bin, n] of Object.entries(b)) {
    const sum = (out[bin] ?? 0) + sign * n;
    if (sum === 0) delete out[bin];
    else out[bin] = sum;
  }
  return out;
}

/** One sample of `ms`. */
export const sampleOf = (s: Scale, ms: number): Hist => ({ [binOf(s, ms)]: 1 });

export const histTotal = (h: Hist) => Object.values(h).reduce((a, b) => a + b, 0);

/** A dense array (index = bin) as a sparse histogram. */
export const fromDense = (counts: readonly number[]): Hist =>
  Object.fromEntries(counts.flatMap((n, bin) => (n !== 0 ? [[String(bin), n]] : [])));

/** The `p` quantile (0..1) in ms, interpolated within its bin; null for an empty histogram. */
export function quantileMs(s: Scale, hist: Hist, p: number): number | null {
  const bins = Object.entries(hist)
    .map(([bin, n]) => [Number(bin), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (const [bin, n] of bins) {
    if (seen + n >= rank) {
      const [lo, hi] = binBounds(s, bin);
      return hi === Infinity ? lo : lo + ((rank - seen) / n) * (hi - lo);
    }
    seen += n;
  }
  return binBounds(s, bins.at(-1)![0])[0];
}

/** The `p` quantile in hours, to 0.1 h (the unit every page shows durations in); null when empty. */
export function quantileHours(hist: Hist, p: number, s: Scale = DURATIONS): number | null {
  const ms = quantileMs(s, hist, p);
  return ms === null ? null : Math.round((ms / 3_600_000) * 10) / 10;
}
