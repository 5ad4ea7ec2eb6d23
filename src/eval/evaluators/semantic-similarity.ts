/**
 * `semantic_similarity`: cosine similarity of the embeddings of the reply and the reference, with
 * the configured embedding model; negative cosines count as 0, so the score stays in 0..1. What
 * counts as similar depends on the model: calibrate the threshold per embedding model.
 */
import type { Embedder } from '../../knowledge/contracts.ts';
import type { Evaluator } from '../contracts.ts';
import { graded, hasReference, noReplyReason, notApplicable, thresholdOf } from './shared.ts';
import { round4 } from '../../core/stats.ts';

export function cosine(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`embedding sizes differ: ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function semanticSimilarity(embedder: Embedder | null): Evaluator {
  const e: Evaluator = {
    name: 'semantic_similarity',
    kind: 'reference',
    defaultThreshold: 0.8,
    appliesTo: (c) => embedder !== null && hasReference(c.reference),
    async evaluate(c, out, { setting, signal }) {
      const threshold = thresholdOf(e, c, setting);
      if (!embedder) return notApplicable(e.name, threshold, 'no embedding model is configured');
      if (!hasReference(c.reference)) return notApplicable(e.name, threshold, 'the case has no reference');
      if (out.reply === null || out.reply.trim() === '') return graded(e.name, 0, threshold, out.reply === null ? noReplyReason(out) : 'empty reply');
      const { vectors } = await embedder.embed([out.reply, c.reference], { signal });
      const cos = cosine(vectors[0], vectors[1]);
      return graded(e.name, Math.max(0, cos), threshold, `cosine ${round4(cos)} with ${embedder.ref}`);
    },
  };
  return e;
}
