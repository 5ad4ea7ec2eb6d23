/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, 2009): an item's fused score is the sum over
 * the rankings that contain it of weight / (k + rank). It needs only ranks, so lists whose scores are
 * not comparable (BM25 and cosine similarity) combine without calibration.
 */
import { InputError } from '../core/errors.ts';

export const RRF_K = 60;

export interface FusionOptions<T> {
  /** Identifies the same item across lists (a chunk id). */
  key: (item: T) => string | number;
  /** Damping constant; larger values flatten the advantage of top ranks. Default 60. */
  k?: number;
  /** One weight per list, default 1 each. */
  weights?: number[];
  /** Keep at most this many fused items. */
  limit?: number;
}

export interface Fused<T> {
  item: T;
  score: number;
  /** 1-based rank in the fused list. */
  rank: number;
  /** The item's 1-based rank in each input list, null where it is absent. */
  ranks: (number | null)[];
}

/**
 * Fuses rankings given best first. The item kept is its first occurrence (earliest list). Ties in
 * fused score go to the item with the better single rank, then to the earlier-seen one, so the
 * result is deterministic.
 */
export function reciprocalRankFusion<T>(lists: readonly (readonly T[])[], opts: FusionOptions<T>): Fused<T>[] {
  const k = opts.k ?? RRF_K;
  if (!(k >= 0) || !Number.isFinite(k)) throw new InputError(`RRF k must be a number ≥ 0, got ${k}`, [{ path: 'k', message: 'expected ≥ 0' }]);
  if (opts.weights && opts.weights.length !== lists.length) {
    throw new InputError(`RRF needs one weight per list: ${lists.length} lists, ${opts.weights.length} weights`, [{ path: 'weights', message: `expected ${lists.length} numbers` }]);
  }
  const entries = new Map<string | number, { item: T; score: number; ranks: (number | null)[]; best: number; seen: number }>();
  lists.forEach((list, l) => {
    const weight = opts.weights?.[l] ?? 1;
    list.forEach((item, i) => {
      const id = opts.key(item);
      let entry = entries.get(id);
      if (!entry) {
        entry = { item, score: 0, ranks: lists.map(() => null), best: Infinity, seen: entries.size };
        entries.set(id, entry);
      }
      // A list naming an item twice counts its better rank only.
      if (entry.ranks[l] !== null) return;
      entry.ranks[l] = i + 1;
      entry.score += weight / (k + i + 1);
      entry.best = Math.min(entry.best, i + 1);
    });
  });
  const fused = [...entries.values()].sort((a, b) => b.score - a.score || a.best - b.best || a.seen - b.seen);
  return fused.slice(0, opts.limit ?? fused.length).map((e, i) => ({ item: e.item, score: e.score, rank: i + 1, ranks: e.ranks }));
}
