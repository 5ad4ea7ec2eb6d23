import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Evaluator } from '../../../src/eval/contracts.ts';
import { builtinEvaluators, resolveSetting, scoreCase } from '../../../src/eval/evaluators/registry.ts';
import { resolveEmbedder } from '../../../src/models/embed.ts';
import { resolveModel, type LlmHandle } from '../../../src/models/registry.ts';
import { startScriptedLlm, type ScriptedLlm } from '../../fixtures/scripted-llm.ts';
import { caseOutput, failedOutput, suiteCase } from './cases.ts';

const DETERMINISTIC = ['topic_match', 'action_sequence', 'action_arguments', 'contains', 'not_contains', 'regex', 'json_schema', 'latency_ms', 'tokens', 'cost_usd', 'abstention', 'citations_supported'];
const REFERENCE = ['token_f1', 'rouge_l', 'semantic_similarity', 'local_judge'];
const MODEL = ['correctness', 'faithfulness', 'answer_relevance', 'context_precision', 'context_recall', 'citation_support'];

describe('builtinEvaluators', () => {
  test('lists every evaluator by its snake_case name and kind, with or without models', () => {
    const all = builtinEvaluators();
    assert.deepEqual([...all.keys()], [...DETERMINISTIC, ...REFERENCE, ...MODEL]);
    for (const [name, e] of all) {
      assert.equal(e.name, name);
      assert.match(name, /^[a-z][a-z0-9_]*$/);
      const kind = DETERMINISTIC.includes(name) ? 'deterministic' : REFERENCE.includes(name) ? 'reference' : 'model';
      assert.equal(e.kind, kind, name);
    }
  });
});

describe('resolveSetting', () => {
  const e = { name: 'regex' };

  test('the case overrides the suite key by key, options merged', () => {
    const suite = { regex: { threshold: 0.5, options: { pattern: 'a', flags: 'i' } } };
    const own = { regex: { enabled: false, options: { pattern: 'b' } } };
    assert.deepEqual(resolveSetting(e, suite, own), { threshold: 0.5, enabled: false, options: { pattern: 'b', flags: 'i' } });
  });

  test('leaves the threshold unset when neither sets it, so the evaluator default applies', () => {
    assert.deepEqual(resolveSetting(e, {}, undefined), {});
    assert.deepEqual(resolveSetting(e, { regex: { threshold: 0.9 } }, { regex: { threshold: 0.2 } }), { threshold: 0.2 });
  });
});

describe('scoreCase', () => {
  const evaluators = builtinEvaluators();

  test('runs the evaluators the case has data for, and no others', async () => {
    const c = suiteCase({ expectedTopic: 'orders', mustInclude: ['A1001'], reference: 'Order A1001 has shipped.' });
    const scores = await scoreCase(evaluators, c, caseOutput({ topic: 'orders', reply: 'Order A1001 has shipped.' }));
    assert.deepEqual(scores.map((s) => s.evaluator), ['topic_match', 'contains', 'token_f1', 'rouge_l', 'local_judge']);
    assert.ok(scores.every((s) => s.passed === true));
  });

  test('runs configured evaluators from suite settings, skips disabled ones per case', async () => {
    const suite = { latency_ms: { options: { max: 100 } }, regex: { options: { pattern: 'shipped' } }, topic_match: { enabled: false } };
    const c = suiteCase({ expectedTopic: 'orders', evaluators: { regex: { enabled: false } } });
    const scores = await scoreCase(evaluators, c, caseOutput({ topic: 'billing', reply: 'It shipped.', latencyMs: 250 }), suite);
    assert.deepEqual(scores.map((s) => [s.evaluator, s.passed]), [['latency_ms', false]]);
  });

  test('an explicitly enabled evaluator runs even without its data, and says it does not apply', async () => {
    const scores = await scoreCase(evaluators, suiteCase(), caseOutput({ reply: 'x' }), { contains: { enabled: true } });
    assert.equal(scores.length, 1);
    assert.equal(scores[0].passed, null);
    assert.match(scores[0].reason, /not applicable: the case has no mustInclude/);
  });

  test('a thrown evaluator becomes an error score and the others still run', async () => {
    const broken: Evaluator = { name: 'broken', kind: 'deterministic', defaultThreshold: 0.5, appliesTo: () => true, evaluate: () => { throw new Error('boom'); } };
    const map = new Map([...evaluators, ['broken', broken]]);
    const scores = await scoreCase(map, suiteCase({ mustInclude: ['x'] }), caseOutput({ reply: 'x' }), { regex: { options: { pattern: '(' } } });
    const byName = new Map(scores.map((s) => [s.evaluator, s]));
    assert.equal(byName.get('contains')?.passed, true);
    assert.deepEqual({ ...byName.get('broken') }, { evaluator: 'broken', score: null, passed: null, threshold: 0.5, reason: 'evaluator error', error: 'boom' });
    assert.match(byName.get('regex')?.error ?? '', /case case-1 \(suites\/support\.yaml:12\): evaluators\.regex\.options\.pattern is not a valid regular expression/);
  });

  test('a setting naming no evaluator is reported, unless it is disabled', async () => {
    const scores = await scoreCase(evaluators, suiteCase({ evaluators: { faithfulnes: { threshold: 0.9 }, old_metric: { enabled: false } } }), caseOutput());
    assert.equal(scores.length, 1);
    assert.match(scores[0].error ?? '', /unknown evaluator "faithfulnes" \(known: topic_match, /);
  });

  test('model-graded evaluators do not run without a judge model, even on a case with a reference', async () => {
    const scores = await scoreCase(evaluators, suiteCase({ reference: 'Yes.', expectedSources: ['faq.md'] }), failedOutput());
    // exactly the evaluators that need no model and apply to a case with a reference and sources
    assert.deepEqual(scores.map((s) => s.evaluator), ['citations_supported', 'token_f1', 'rouge_l', 'local_judge']);
  });
});

describe('scoreCase with a judge and an embedding model over HTTP', () => {
  let llm: ScriptedLlm;
  let judge: LlmHandle;
  before(async () => {
    // Judge calls run concurrently, so each verdict is chosen by the prompt it answers.
    llm = await startScriptedLlm({
      respond: (req) => {
        const prompt = String(req.messages.at(-1)?.content);
        const name = /^# Judge: ([a-z ]+) \(v1\)/.exec(prompt)?.[1] ?? 'unknown';
        return name === 'faithfulness' ? { text: 'not a verdict' } : { text: JSON.stringify({ score: 0.9, reason: `${name} ok` }) };
      },
    });
    const handle = resolveModel('openai-compatible/judge', { OPENAI_COMPATIBLE_BASE_URL: llm.url });
    assert.equal(handle.kind, 'llm');
    judge = handle;
  });
  after(() => llm.close());

  test('every applicable evaluator scores; a malformed verdict is an error on its evaluator only', async () => {
    const evaluators = builtinEvaluators({ judge, embedder: resolveEmbedder('openai-compatible/embed', { OPENAI_COMPATIBLE_BASE_URL: llm.url }) });
    const c = suiteCase({ utterance: 'How long do refunds take?', reference: 'Refunds take 5 business days.', expectedSources: ['refunds.md'] });
    const out = caseOutput({
      topic: 'faq',
      reply: 'Refunds take 5 business days [1].',
      context: [{ document: 'refunds.md', source: 'kb', text: 'Refunds are paid within 5 business days.' }],
      sources: [{ document: 'refunds.md', source: 'kb', supported: true }],
    });
    const scores = await scoreCase(evaluators, c, out);
    const byName = new Map(scores.map((s) => [s.evaluator, s]));
    assert.deepEqual([...byName.keys()], ['citations_supported', 'token_f1', 'rouge_l', 'semantic_similarity', 'local_judge', ...MODEL]);
    for (const name of MODEL.filter((n) => n !== 'faithfulness')) {
      assert.equal(byName.get(name)?.passed, true, name);
      assert.match(byName.get(name)?.reason ?? '', new RegExp(`${name.replace('_', ' ')} ok \\[judge openai-compatible/judge, prompt ${name}\\.v1\\]`));
    }
    assert.equal(byName.get('faithfulness')?.passed, null);
    assert.match(byName.get('faithfulness')?.error ?? '', /^malformed judge verdict: not JSON/);
  });

  test('a cancelled run throws rather than recording errors', async () => {
    const evaluators = builtinEvaluators({ judge });
    const controller = new AbortController();
    controller.abort(new Error('run cancelled'));
    const c = suiteCase({ reference: 'Refunds take 5 business days.' });
    await assert.rejects(scoreCase(evaluators, c, caseOutput({ reply: 'Refunds take 5 days.' }), {}, controller.signal), /run cancelled/);
  });
});
