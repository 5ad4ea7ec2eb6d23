/**
 * Model-graded evaluators share this: a versioned prompt file (src/eval/judges/<name>.v<n>.md)
 * filled with the case's texts, one call to the judge model at temperature 0, and a strict reading
 * of its verdict. The judge answers `{"score": 0..1, "reason": "..."}`; anything else is an
 * evaluator error, never a pass, and the pass decision is the threshold on the score, not the
 * judge's opinion of it. Every reason names the prompt version and the judge model, so a score can
 * be traced to the exact wording that produced it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { callModel } from '../../models/call.ts';
import type { LlmHandle } from '../../models/registry.ts';
import type { CaseOutput, Evaluator, EvaluatorSetting, Score, SuiteCase } from '../contracts.ts';
import { graded, hasReference, notApplicable, questionOf, thresholdOf } from './shared.ts';

export interface JudgePrompt {
  name: string;
  version: number;
  /** `faithfulness.v1`: recorded with every score. */
  id: string;
  template: string;
  placeholders: string[];
}

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/** Reads src/eval/judges/<name>.v<version>.md; evaluators call it at module load, so a missing file fails at startup. */
export function loadJudgePrompt(name: string, version: number): JudgePrompt {
  const id = `${name}.v${version}`;
  const template = readFileSync(new URL(`../judges/${id}.md`, import.meta.url), 'utf8');
  const placeholders = [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))];
  return { name, version, id, template, placeholders };
}

/** Fills every placeholder in one pass, so text inside a value is never taken for a placeholder. */
export function renderPrompt(prompt: JudgePrompt, values: Record<string, string>): string {
  const missing = prompt.placeholders.filter((p) => values[p] === undefined);
  if (missing.length) throw new Error(`judge prompt ${prompt.id} needs ${missing.map((m) => `{${m}}`).join(', ')}`);
  return prompt.template.replace(PLACEHOLDER, (whole, key: string) => values[key] ?? whole);
}

const verdictSchema = z.object({
  score: z.number().min(0).max(1),
  reason: z.string().trim().min(1),
});

export type JudgeVerdict = z.infer<typeof verdictSchema>;

/** The verdict in the judge's reply, or what is wrong with it. */
export function parseVerdict(reply: string, finishReason = 'stop'): JudgeVerdict | { problem: string } {
  const quoted = JSON.stringify(reply.length > 200 ? `${reply.slice(0, 200)}…` : reply);
  if (finishReason === 'length') return { problem: `cut at the output limit: ${quoted}` };
  // A fenced block is the one liberty taken with "JSON only" often enough to accept.
  const body = reply.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { problem: `not JSON: ${quoted}` };
  }
  const parsed = verdictSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'verdict'}: ${i.message}`).join('; ');
    return { problem: `${issues}: ${quoted}` };
  }
  return parsed.data;
}

/** Stands in for a reference or expected outcome the case does not give. */
export const NOT_GIVEN = '(not given)';

export const NO_EXPECTATION = 'the case has neither a reference nor an expectedOutcome';

/** The case's reference and expected outcome as prompt values, each marked when not given. */
export function expectationValues(c: SuiteCase): { reference: string; expected_outcome: string } {
  return {
    reference: hasReference(c.reference) ? clip(c.reference) : NOT_GIVEN,
    expected_outcome: hasReference(c.expectedOutcome) ? clip(c.expectedOutcome) : NOT_GIVEN,
  };
}

// Bounds what one case can cost in judge tokens; the judge is told when a text was cut.
const MAX_TEXT_CHARS = 8_000;
const MAX_PASSAGE_CHARS = 2_000;
const MAX_CONTEXT_CHARS = 16_000;

export function clip(text: string, max = MAX_TEXT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)} [… cut, ${text.length - max} more characters]` : text;
}

/** The passages handed to the answer model, numbered as the model saw them ([1] first). */
export function formatContext(context: CaseOutput['context']): string {
  const blocks: string[] = [];
  let used = 0;
  for (const [i, p] of context.entries()) {
    const block = `[${i + 1}] (${p.document || 'unknown document'})\n${clip(p.text.trim(), MAX_PASSAGE_CHARS)}`;
    if (used + block.length > MAX_CONTEXT_CHARS) {
      blocks.push(`[… ${context.length - i} more passages not shown]`);
      break;
    }
    blocks.push(block);
    used += block.length;
  }
  return blocks.join('\n\n');
}

/** The question, with the earlier turns of a conversation before it. */
export function formatQuestion(c: SuiteCase): string {
  const question = clip(questionOf(c));
  const turns = c.conversation ?? [];
  const lastUser = turns.findLastIndex((t) => t.role === 'user');
  const earlier = lastUser > 0 ? turns.slice(0, lastUser) : [];
  if (earlier.length === 0) return question;
  return `Earlier in the conversation:\n${earlier.map((t) => `${t.role}: ${clip(t.content, 1_000)}`).join('\n')}\n\nLast message:\n${question}`;
}

/** What a judge evaluator does with one case before (or instead of) asking the judge. */
export type JudgeInputs = { values: Record<string, string> } | { notApplicable: string } | { fail: string };

export interface JudgeSpec {
  name: string;
  prompt: JudgePrompt;
  defaultThreshold: number;
  /** Whether the case has what this judge needs (the judge model itself is checked separately). */
  wants(c: SuiteCase, setting: EvaluatorSetting): boolean;
  inputs(c: SuiteCase, out: CaseOutput): JudgeInputs;
}

export function judgeEvaluator(spec: JudgeSpec, judge: LlmHandle | null): Evaluator {
  const e: Evaluator = {
    name: spec.name,
    kind: 'model',
    defaultThreshold: spec.defaultThreshold,
    appliesTo: (c, setting) => judge !== null && spec.wants(c, setting),
    async evaluate(c, out, { setting, signal }): Promise<Score> {
      const threshold = thresholdOf(e, c, setting);
      if (!judge) return notApplicable(spec.name, threshold, 'no judge model is configured');
      const inputs = spec.inputs(c, out);
      if ('notApplicable' in inputs) return notApplicable(spec.name, threshold, inputs.notApplicable);
      if ('fail' in inputs) return graded(spec.name, 0, threshold, inputs.fail);
      const step = await callModel({
        handle: judge,
        messages: [{ role: 'user', content: renderPrompt(spec.prompt, inputs.values) }],
        temperature: 0,
        maxOutputTokens: 1_024,
        abortSignal: signal,
      });
      const by = `[judge ${judge.ref}, prompt ${spec.prompt.id}]`;
      const verdict = parseVerdict(step.text, step.finishReason);
      if ('problem' in verdict) {
        return { evaluator: spec.name, score: null, passed: null, threshold, reason: `no usable verdict ${by}`, error: `malformed judge verdict: ${verdict.problem}` };
      }
      return graded(spec.name, verdict.score, threshold, `${verdict.reason} ${by}`);
    },
  };
  return e;
}
