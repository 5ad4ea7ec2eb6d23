/**
 * Scores a router on labelled examples: accuracy, macro-F1 and per-utterance classify latency.
 * A gold label the router was never trained on can never be predicted, so it counts as an error.
 */
import { nearestRank } from '../../../core/stats.ts';
import type { LabeledText } from '../contracts.ts';
import type { TopicRouter } from './router.ts';

export interface RouterEvaluation {
  accuracy: number;
  /** Unweighted mean of per-label F1 over every label that is gold or predicted at least once. */
  macro_f1: number;
  examples: number;
  classes: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /** Gold labels of the data that the router does not know. */
  unknown_labels: string[];
}

export function evaluateRouter(router: TopicRouter, examples: LabeledText[]): RouterEvaluation {
  // Warm up so the first timings do not include JIT compilation.
  for (const e of examples.slice(0, 50)) router.predict(e.text);
  const tp = new Map<string, number>();
  const goldCount = new Map<string, number>();
  const predCount = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const latencies = new Float64Array(examples.length);
  let correct = 0;
  examples.forEach((example, i) => {
    const start = performance.now();
    const { label } = router.predict(example.text);
    latencies[i] = performance.now() - start;
    inc(goldCount, example.label);
    inc(predCount, label);
    if (label === example.label) {
      correct++;
      inc(tp, label);
    }
  });
  const labels = new Set([...goldCount.keys(), ...predCount.keys()]);
  let f1Sum = 0;
  for (const label of labels) {
    const t = tp.get(label) ?? 0;
    const denominator = (goldCount.get(label) ?? 0) + (predCount.get(label) ?? 0);
    f1Sum += denominator ? (2 * t) / denominator : 0;
  }
  latencies.sort();
  const known = new Set(router.labels);
  return {
    accuracy: examples.length ? correct / examples.length : 0,
    macro_f1: labels.size ? f1Sum / labels.size : 0,
    examples: examples.length,
    classes: goldCount.size,
    p50_ms: nearestRank(latencies, 50),
    p95_ms: nearestRank(latencies, 95),
    p99_ms: nearestRank(latencies, 99),
    unknown_labels: [...goldCount.keys()].filter((l) => !known.has(l)),
  };
}
