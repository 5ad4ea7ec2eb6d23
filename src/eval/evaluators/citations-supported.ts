/**
 * `citations_supported`: the share of the reply's citations whose passage supports the sentence
 * citing it, as the grounding stage measured it on the trace (lexical support, no model), or from
 * the reply's sources when the trace has no grounding stage. Applies to knowledge cases (the case
 * expects sources). An answer that cites nothing scores 0 unless `options.requireCitations` is
 * false; an abstention or a missing reply cites nothing and is not applicable.
 */
import type { CaseOutput, Evaluator } from '../contracts.ts';
import { abstained } from './abstention.ts';
import { booleanOption, graded, noReplyReason, notApplicable, quoteList, thresholdOf } from './shared.ts';

interface Counts {
  made: number;
  supported: number;
  /** Sentences (from the grounding stage) or documents (from the sources) without support. */
  unsupported: { label: string; items: string[] };
  invalid: number[];
}

function citationCounts(out: CaseOutput): Counts {
  const g = out.stages?.grounding;
  if (g) return { made: g.made, supported: g.supported, unsupported: { label: 'unsupported claims', items: g.unsupported }, invalid: g.invalid };
  return {
    made: out.sources.length,
    supported: out.sources.filter((s) => s.supported).length,
    unsupported: { label: 'unsupported sources', items: out.sources.filter((s) => !s.supported).map((s) => s.document) },
    invalid: [],
  };
}

export const citationsSupported: Evaluator = {
  name: 'citations_supported',
  kind: 'deterministic',
  defaultThreshold: 0.8,
  appliesTo: (c) => (c.expectedSources?.length ?? 0) > 0,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(citationsSupported, c, setting);
    const required = booleanOption(citationsSupported, c, setting, 'requireCitations') ?? true;
    if (out.reply === null) return notApplicable(citationsSupported.name, threshold, noReplyReason(out));
    const { made, supported, unsupported, invalid } = citationCounts(out);
    if (made === 0) {
      const seen = abstained(out);
      if (seen === null || seen.abstained) return notApplicable(citationsSupported.name, threshold, seen ? `${seen.how}, citing nothing` : 'empty reply');
      if (!required) return notApplicable(citationsSupported.name, threshold, 'the reply cites nothing');
      return graded(citationsSupported.name, 0, threshold, 'the reply answers without citing any source');
    }
    const parts = [`${supported}/${made} citations supported by their passage`];
    if (unsupported.items.length) parts.push(`${unsupported.label}: ${quoteList(unsupported.items, 3)}`);
    if (invalid.length) parts.push(`markers citing no passage: ${invalid.map((n) => `[${n}]`).join(' ')}`);
    return graded(citationsSupported.name, supported / made, threshold, parts.join('; '));
  },
};
