import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { factMatcher, keyFacts } from '../../../src/eval/evaluators/facts.ts';
import { localJudge, localJudgement } from '../../../src/eval/evaluators/local-judge.ts';
import { rougeL } from '../../../src/eval/evaluators/rouge-l.ts';
import { semanticSimilarity } from '../../../src/eval/evaluators/semantic-similarity.ts';
import { answerTokens, lcsLength, normalizeAnswer, tokenOverlap } from '../../../src/eval/evaluators/text.ts';
import { tokenF1 } from '../../../src/eval/evaluators/token-f1.ts';
import { resolveEmbedder } from '../../../src/models/embed.ts';
import { startScriptedLlm, type ScriptedLlm } from '../../fixtures/scripted-llm.ts';
import { caseOutput, failedOutput, run, suiteCase } from './cases.ts';

describe('answer normalisation', () => {
  test('lower-cases, drops punctuation and articles, collapses whitespace, as SQuAD does', () => {
    assert.equal(normalizeAnswer('  The refund, of an order,\nis   "A1001-B"! '), 'refund of order is a1001b');
  });

  test('is Unicode-aware: accents kept, compatibility forms folded, Han characters split', () => {
    assert.equal(normalizeAnswer('Ｃafé — ＡＢＣ'), 'café abc');
    assert.deepEqual(answerTokens('東京で10時'), ['東', '京', 'で', '10', '時']);
  });

  test('token overlap counts repeated tokens once per occurrence', () => {
    const o = tokenOverlap(['a', 'a', 'b'], ['a', 'b', 'b']);
    assert.equal(o.precision, 2 / 3);
    assert.equal(o.recall, 2 / 3);
    assert.equal(lcsLength(['x', 'a', 'y', 'b'], ['a', 'b']), 2);
  });
});

describe('token_f1', () => {
  const c = suiteCase({ reference: 'Refunds are paid within 5 business days.' });

  test('scores an exact answer 1 whatever its case and punctuation', async () => {
    const s = await run(tokenF1, c, caseOutput({ reply: 'refunds are paid within 5 business days' }));
    assert.deepEqual([s.score, s.passed, s.threshold], [1, true, 0.5]);
  });

  test('scores the F1 of the shared tokens', async () => {
    // reply tokens: refunds take 5 days (4); reference: refunds are paid within 5 business days (7); shared 3.
    const s = await run(tokenF1, c, caseOutput({ reply: 'Refunds take 5 days.' }));
    assert.equal(s.score, Math.round(((2 * (3 / 4) * (3 / 7)) / (3 / 4 + 3 / 7)) * 1e4) / 1e4);
    assert.match(s.reason, /precision 0\.75, recall 0\.4286/);
  });

  test('an empty or missing reply scores 0; a case without reference is not applicable', async () => {
    assert.equal((await run(tokenF1, c, caseOutput({ reply: '' }))).score, 0);
    assert.equal((await run(tokenF1, c, failedOutput())).passed, false);
    assert.equal(tokenF1.appliesTo(suiteCase({ reference: '  ' }), {}), false);
    assert.equal((await run(tokenF1, suiteCase(), caseOutput({ reply: 'x' }))).passed, null);
  });
});

describe('rouge_l', () => {
  const c = suiteCase({ reference: 'return the shoes within 30 days' });

  test('rewards the tokens in reference order, not just shared tokens', async () => {
    const inOrder = await run(rougeL, c, caseOutput({ reply: 'You can return the shoes within 30 days.' }));
    const shuffled = await run(rougeL, c, caseOutput({ reply: 'Days 30 within shoes the return.' }));
    assert.ok(inOrder.score! > 0.8, String(inOrder.score));
    assert.ok(shuffled.score! < 0.4, String(shuffled.score));
  });

  test('a beta above 1 weighs recall more, for chatty replies', async () => {
    const reply = caseOutput({ reply: 'Sure! You can return the shoes within 30 days, and we will refund the full price to your card.' });
    const f1 = await run(rougeL, c, reply);
    const recall = await run(rougeL, c, reply, { options: { beta: 3 } });
    assert.ok(recall.score! > f1.score!);
    assert.match(recall.reason, /beta 3/);
  });

  test('no reply scores 0', async () => {
    assert.equal((await run(rougeL, c, failedOutput())).score, 0);
  });
});

describe('semantic_similarity over an embeddings endpoint', () => {
  let llm: ScriptedLlm;
  before(async () => {
    llm = await startScriptedLlm();
  });
  after(() => llm.close());
  beforeEach(() => llm.reset());
  const c = suiteCase({ reference: 'Refunds are paid to the original card within five days.' });

  test('scores the cosine of the reply and reference embeddings, naming the model', async () => {
    const e = semanticSimilarity(resolveEmbedder('openai-compatible/nomic-embed', { OPENAI_COMPATIBLE_BASE_URL: llm.url }));
    const close = await run(e, c, caseOutput({ reply: 'Refunds are paid to the original card within five days.' }));
    assert.equal(close.score, 1);
    assert.match(close.reason, /with openai-compatible\/nomic-embed/);
    const far = await run(e, c, caseOutput({ reply: 'Our store in Berlin opens at nine.' }), { threshold: 0.5 });
    assert.equal(far.passed, false);
    assert.deepEqual(llm.embeddingRequests.at(-1)?.input, ['Our store in Berlin opens at nine.', c.reference]);
  });

  test('applies only with an embedder and a reference, and does not call it without a reply', async () => {
    assert.equal(semanticSimilarity(null).appliesTo(c, {}), false);
    const e = semanticSimilarity(resolveEmbedder('openai-compatible/nomic-embed', { OPENAI_COMPATIBLE_BASE_URL: llm.url }));
    assert.equal(e.appliesTo(c, {}), true);
    assert.equal(e.appliesTo(suiteCase(), {}), false);
    assert.equal((await run(e, c, failedOutput())).score, 0);
    assert.equal(llm.embeddingRequests.length, 0);
  });

  test('an embedding failure is thrown for the caller to record', async () => {
    llm.enqueue({ status: 401, message: 'bad key' });
    const e = semanticSimilarity(resolveEmbedder('openai-compatible/nomic-embed', { OPENAI_COMPATIBLE_BASE_URL: llm.url }));
    await assert.rejects(async () => run(e, c, caseOutput({ reply: 'x' })), /bad key/);
  });
});

describe('key facts of a reference', () => {
  test('finds numbers, identifiers, links and names, each once', () => {
    const facts = keyFacts('Order A1001 shipped with UPS from New York; label RMA-2231 at https://acme.example/r. Mail support@acme.com. Order A1001 costs $1,299.00 for the 30-day plan.');
    assert.deepEqual(
      facts.map((f) => `${f.kind}:${f.text}`),
      ['id:https://acme.example/r', 'id:support@acme.com', 'id:A1001', 'id:RMA-2231', 'number:1,299.00', 'number:30', 'name:UPS', 'name:New York'],
    );
  });

  test('a capitalised first word of a sentence is no name; digits in Japanese text are numbers', () => {
    assert.deepEqual(keyFacts('Refunds take 5 days.').map((f) => f.text), ['5']);
    assert.deepEqual(keyFacts('東京の店舗は10時に開きます。').map((f) => `${f.kind}:${f.text}`), ['number:10']);
  });

  test('matches numbers by value or in words, ids ignoring case and separators, names ignoring case', () => {
    const states = factMatcher('Order a1001 goes via ups; rma 2231 refunds $1299 in five days from new york.');
    assert.equal(states({ kind: 'number', text: '1,299.00' }), true);
    assert.equal(states({ kind: 'number', text: '5' }), true);
    assert.equal(states({ kind: 'id', text: 'RMA-2231' }), true);
    assert.equal(states({ kind: 'id', text: 'A100' }), false);
    assert.equal(states({ kind: 'name', text: 'New York' }), true);
    assert.equal(states({ kind: 'name', text: 'York City' }), false);
    assert.equal(states({ kind: 'number', text: '10' }), false);
  });
});

describe('local_judge', () => {
  const reference = 'Refunds are paid within 5 business days to the original card.';
  const c = suiteCase({ reference });

  test('passes a paraphrase or a chatty reply that states every key fact', async () => {
    const paraphrase = await run(localJudge, c, caseOutput({ reply: 'Refunds go back to the card you paid with within 5 business days [1].' }));
    assert.equal(paraphrase.passed, true);
    assert.match(paraphrase.reason, /local judge \(lexical\): all 1 key facts stated; token F1 0\.\d+, ROUGE-L 0\.\d+/);
    const chatty = await run(localJudge, c, caseOutput({
      reply: 'Thanks for reaching out! Once we receive the item, the refund is issued to your original payment card, usually within 5 business days [1]. Anything else?',
    }));
    assert.equal(chatty.passed, true);
  });

  test('fails a reply with a wrong key fact however close its wording, listing the missing fact', async () => {
    const s = await run(localJudge, c, caseOutput({ reply: 'Refunds are paid within 10 business days to the original card.' }));
    assert.deepEqual([s.score, s.passed], [0, false]);
    assert.match(s.reason, /key facts 0\/1, missing "5"/);
  });

  test('a reply with half the facts stays under the default threshold', async () => {
    const s = await run(localJudge, suiteCase({ reference: 'We ship to Canada and Mexico.' }), caseOutput({ reply: 'We ship to Canada.' }));
    assert.equal(s.passed, false);
    assert.match(s.reason, /missing "Mexico"/);
  });

  test('without key facts the score is the mean of token F1 and ROUGE-L', () => {
    const v = localJudgement('support answers on weekdays', 'support answers on weekdays only');
    assert.ok(Math.abs(v.score - (0.8889 + 0.8889) / 2) < 1e-3, String(v.score));
    assert.match(v.reason, /no key facts in the reference/);
  });

  test('abstention decides: matching an abstaining reference passes, abstaining on an answerable one fails', () => {
    assert.equal(localJudgement("I don't know.", 'The knowledge base does not say.').score, 1);
    assert.equal(localJudgement("I don't have information about that.", reference).score, 0);
    assert.equal(localJudgement('Refunds take 5 days.', 'There is no information about refunds.').score, 0);
  });

  test('an empty or missing reply scores 0; without a reference it does not apply', async () => {
    assert.equal((await run(localJudge, c, caseOutput({ reply: '  ' }))).score, 0);
    assert.equal((await run(localJudge, c, failedOutput())).passed, false);
    assert.equal(localJudge.appliesTo(suiteCase(), {}), false);
  });

  test('scores Unicode references and replies', async () => {
    const s = await run(localJudge, suiteCase({ reference: 'Die Filiale in München öffnet um 9 Uhr.' }), caseOutput({ reply: 'Unsere Filiale in München öffnet um 9 Uhr.' }));
    assert.equal(s.passed, true);
  });
});
