import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCitations } from '../../../src/knowledge/grounding/citations.ts';
import { assembleContext, contextPassages, type ContextChunk } from '../../../src/knowledge/grounding/handoff.ts';
import { processQuery } from '../../../src/knowledge/grounding/query.ts';
import { chunkRelevance, retrievalAccuracy } from '../../../src/knowledge/grounding/relevance.ts';
import {
  chunksStage,
  groundingStage,
  handoffStage,
  queryStage,
  renderStages,
  responseStage,
  retrieverStage,
  type RagStages,
} from '../../../src/knowledge/grounding/stages.ts';
import type { Retrieval, RetrievedChunk } from '../../../src/knowledge/retrieve.ts';

function retrieved(chunkId: number, rank: number, text: string, documentPath: string, extra: Partial<RetrievedChunk> = {}): RetrievedChunk {
  return {
    chunkId,
    documentId: chunkId * 10,
    sourceName: 'handbook',
    documentPath,
    title: documentPath.replace(/\.md$/, ''),
    sectionPath: [],
    text,
    tokens: 0,
    link: null,
    rank,
    score: [0.0325, 0.0318, 0.0298][rank - 1],
    fulltext: { rank, score: [3.4, 3.4, 1.2][rank - 1] },
    vector: rank === 3 ? null : { rank, similarity: [0.71, 0.7][rank - 1] },
    rerank: null,
    ...extra,
  };
}

const chunks = [
  retrieved(101, 1, 'Tents can be returned within 30 days of delivery if unused.', 'policies/returns.md'),
  retrieved(102, 2, 'Tents can be returned within 30 days of delivery if unused.', 'archive/returns-2023.md'),
  retrieved(103, 3, 'Standard shipping takes 3 to 5 business days.', 'faq/shipping.md'),
];

const retrieval: Retrieval = {
  chunks,
  candidates: { fulltext: 8, vector: 6 },
  timings: { fulltextMs: 3.2, embedMs: 40.1, vectorMs: 2.5, rerankMs: null, totalMs: 46.04 },
  embedding: { model: 'openai/text-embedding-3-small', latencyMs: 40.1, inputTokens: 6, costUsd: 0 },
  reranking: null,
};

function turnStages(answer: string): RagStages {
  const question = 'How long do I have to return a tent?';
  const context: ContextChunk[] = chunks.map((c) => ({ id: c.chunkId, text: c.text, score: c.score, title: c.title, sectionPath: c.sectionPath, documentPath: c.documentPath, link: c.link }));
  const assembled = assembleContext(context, { budgetTokens: 1_000, topK: 4 });
  const passages = contextPassages(assembled, context);
  const check = checkCitations(answer, new Map(passages.map((p) => [p.n, p])));
  return {
    query: queryStage(processQuery(question), { query: question, method: 'none', reason: 'no earlier messages' }),
    retriever: retrieverStage(retrieval),
    chunks: chunksStage(chunkRelevance(question, context), retrievalAccuracy(chunks.map((c) => ({ path: c.documentPath, source: c.sourceName })), ['returns.md'])),
    handoff: handoffStage(assembled, check),
    response: responseStage(question, answer),
    grounding: groundingStage(check),
  };
}

describe('stage records', () => {
  test('record one turn’s six stages as plain JSON', () => {
    const stages = turnStages('Tents can be returned within 30 days of delivery if unused [1]. Shipping is free on returns [2].');
    assert.deepEqual(Object.keys(stages), ['query', 'retriever', 'chunks', 'handoff', 'response', 'grounding']);
    assert.deepEqual(JSON.parse(JSON.stringify(stages)), stages);

    assert.equal(stages.query.language, 'en');
    assert.equal(stages.query.rewritten, null);
    assert.equal(stages.retriever.latencyMs, 46.04);
    assert.deepEqual(stages.retriever.candidates, { fulltext: 8, vector: 6 });
    assert.equal(stages.retriever.fused, 3);
    assert.deepEqual(stages.retriever.scores[2], { id: 103, document: 'faq/shipping.md', source: 'handbook', rank: 3, score: 0.0298, fulltext: 1.2, vector: null, rerank: null });
    assert.deepEqual(stages.chunks.relevance.map((r) => r.rank), [1, 2, 3]);
    assert.equal(stages.chunks.expected?.precision, 0.3333);
    assert.deepEqual(stages.handoff.dropped, [{ id: 102, rank: 2, reason: 'duplicate', duplicateOf: 101 }]);
    // Passage 2 is the shipping chunk, third in retrieval.
    assert.deepEqual(stages.handoff.citedPositions, [{ n: 1, id: 101, rank: 1 }, { n: 2, id: 103, rank: 3 }]);
    assert.equal(stages.response.abstained, false);
    assert.equal(stages.response.method, 'offline');
    assert.deepEqual(stages.grounding, { made: 2, supported: 1, unsupported: ['Shipping is free on returns.'], invalid: [], supportRate: 0.5 });
  });

  test('record the rewrite when it changed the query', () => {
    const q = queryStage(processQuery('and for kayaks?'), { query: 'and for kayaks? return window', method: 'history', reason: 'follow-up' });
    assert.equal(q.rewritten, 'and for kayaks? return window');
  });

  test('record an abstention with relevance 0 and a model-graded score when given', () => {
    const abstained = responseStage('Do you sell bikes?', "I don't have information about that.");
    assert.deepEqual([abstained.abstained, abstained.relevance], [true, 0]);
    const graded = responseStage('Do you sell bikes?', 'We sell road bikes [1].', { graded: { relevance: 0.9, model: 'openai/gpt-4o-mini' } });
    assert.deepEqual([graded.method, graded.relevance, graded.model], ['model', 0.9, 'openai/gpt-4o-mini']);
  });

  test('record no support rate when nothing was cited', () => {
    assert.equal(groundingStage(checkCitations('Hello!', new Map())).supportRate, null);
  });
});

describe('renderStages', () => {
  test('prints one line per stage, numbered, and the unsupported sentences under grounding', () => {
    const lines = renderStages(turnStages('Tents can be returned within 30 days of delivery if unused [1]. Shipping is free on returns [2].'));
    assert.deepEqual(lines, [
      '1 query       "How long do I have to return a tent?" (en, 10 tokens)',
      '2 retriever   46 ms · 8 full-text + 6 vector → 3 fused · best 0.0325',
      '3 chunks      relevance 1.00 1.00 0.00 (mean 0.67) · recall 1.00, precision 0.33',
      '4 hand-off    40 of 1000 tokens · 2 included, 1 dropped (1 duplicate) · cited [1] rank 1, [2] rank 3',
      '5 response    96 chars, 24 tokens · answered · relevance 1.00 (offline)',
      '6 grounding   1 of 2 citations supported (50%) · 1 unsupported sentence',
      '              unsupported: "Shipping is free on returns."',
    ]);
  });

  test('shows flags, the rewrite, invalid markers and a missing source', () => {
    const stages = turnStages('Tents can be returned within 30 days [9].');
    stages.query = queryStage(processQuery('x'.repeat(3000), { maxTokens: 20 }), { query: 'x', method: 'model', reason: 'rewritten by the model', model: 'openai/gpt-4o-mini' });
    stages.chunks.expected = { recall: 0, precision: 0, hits: [], missing: ['warranty.md'] };
    const lines = renderStages(stages);
    assert.match(lines[0], /^1 query {7}"x{59}…" \(und, \d+ tokens, over-long, truncated\) · rewritten by openai\/gpt-4o-mini → "x"$/);
    assert.match(lines[2], /missing warranty\.md$/);
    assert.match(lines[5], /0 of 1 citation supported \(0%\) · 1 unsupported sentence · invalid \[9\]$/);
  });
});
