/**
 * What every evaluator needs: the threshold and options of its resolved setting (checked, so a
 * typo in a suite is an error naming the field rather than a silent default), and the shapes of
 * the scores it returns.
 */
import { InputError } from '../../core/errors.ts';
import type { CaseOutput, EvaluatorSetting, Evaluator, Score, SuiteCase } from '../contracts.ts';
import { round4 } from '../../core/stats.ts';

type Named = Pick<Evaluator, 'name' | 'defaultThreshold'>;

function settingError(c: SuiteCase, evaluator: string, field: string, message: string): InputError {
  // Where the setting lives in a suite file (suite-wide or on the case).
  const path = `evaluators.${evaluator}.${field}`;
  return new InputError(`case ${c.id} (${c.location.file}:${c.location.line}): ${path} ${message}`, [
    { file: c.location.file, line: c.location.line, path, message },
  ]);
}

/** The pass threshold of a 0..1 quality score: the setting's, else the evaluator's default. */
export function thresholdOf(e: Named, c: SuiteCase, setting: EvaluatorSetting): number {
  const t = setting.threshold ?? e.defaultThreshold;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 1) throw settingError(c, e.name, 'threshold', `must be a number from 0 to 1, got ${JSON.stringify(t)}`);
  return t;
}

export function optionOf(setting: EvaluatorSetting, key: string): unknown {
  return setting.options?.[key];
}

export function stringOption(e: Named, c: SuiteCase, setting: EvaluatorSetting, key: string): string | undefined {
  const v = optionOf(setting, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw settingError(c, e.name, `options.${key}`, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function booleanOption(e: Named, c: SuiteCase, setting: EvaluatorSetting, key: string): boolean | undefined {
  const v = optionOf(setting, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw settingError(c, e.name, `options.${key}`, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function numberOption(e: Named, c: SuiteCase, setting: EvaluatorSetting, key: string, min = 0): number | undefined {
  const v = optionOf(setting, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw settingError(c, e.name, `options.${key}`, `must be a number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** A required option that is absent: the evaluator was enabled without what it needs. */
export function missingOption(e: Named, c: SuiteCase, key: string, what: string): InputError {
  return settingError(c, e.name, `options.${key}`, `is required: ${what}`);
}

export function invalidOption(e: Named, c: SuiteCase, key: string, message: string): InputError {
  return settingError(c, e.name, `options.${key}`, message);
}


/** A 0..1 score judged against its threshold. */
export function graded(evaluator: string, score: number, threshold: number, reason: string): Score {
  const s = round4(score);
  return { evaluator, score: s, passed: s >= threshold, threshold, reason };
}

/** The evaluator had nothing to measure on this case: neither a pass nor a failure. */
export function notApplicable(evaluator: string, threshold: number, reason: string): Score {
  return { evaluator, score: null, passed: null, threshold, reason: `not applicable: ${reason}` };
}

/** Why there is no reply to score, from the output's status and error. */
export function noReplyReason(out: Pick<CaseOutput, 'status' | 'error' | 'blocked'>): string {
  if (out.blocked) return `no reply (the ${out.blocked.stage} guard blocked the turn: ${out.blocked.reason})`;
  return `no reply (case ${out.status}${out.error ? `: ${out.error}` : ''})`;
}

export const hasReference = (reference: string | undefined): reference is string => reference !== undefined && reference.trim() !== '';

/** Whether a case says what a right answer is: a reference, an expected outcome, or both. */
export const hasExpectation = (c: SuiteCase): boolean => hasReference(c.reference) || hasReference(c.expectedOutcome);

/** A case about the content of an answer (rather than routing or actions): model-graded answer checks apply. */
export function isAnswerCase(c: SuiteCase): boolean {
  return hasExpectation(c) || (c.expectedSources?.length ?? 0) > 0;
}

/** The message the (last) reply answers: the utterance, or the last user turn of the conversation. */
export function questionOf(c: SuiteCase): string {
  if (c.conversation) return c.conversation.findLast((t) => t.role === 'user')?.content ?? '';
  return c.utterance ?? '';
}

/** Phrases quoted for a reason, trimmed so one long phrase does not swamp the report. */
export function quoteList(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).map((s) => JSON.stringify(s.length > 80 ? `${s.slice(0, 79)}…` : s));
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}
