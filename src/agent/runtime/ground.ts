import { checkCitations, type CitationCheck } from '../../knowledge/grounding/citations.ts';
import { assembleContext, contextPassages, passageHeading, type AssembledContext, type ContextChunk, type ContextPassage } from '../../knowledge/grounding/handoff.ts';
import { processQuery } from '../../knowledge/grounding/query.ts';
import { chunkRelevance, retrievalAccuracy } from '../../knowledge/grounding/relevance.ts';
import { rewriteQuery } from '../../knowledge/grounding/rewrite.ts';
import { chunksStage, groundingStage, handoffStage, queryStage, responseStage, retrieverStage, type ChunksStage, type QueryStage, type RagStages, type RetrieverStage } from '../../knowledge/grounding/stages.ts';
import { retrieve, type RetrievedChunk } from '../../knowledge/retrieve.ts';
import { sourceIdsByName } from '../../knowledge/store.ts';
import type { Citation, Passage } from '../../models/local/contracts.ts';
import type { TurnTracer } from '../../trace/tracer.ts';
import type { RetrievalSettings } from '../schema.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import type { TurnContext } from './turn.ts';
import type { AnswerSource } from './types.ts';

/**
 * The ground step of the turn pipeline: process the question (normalise, rewrite a follow-up with
 * the history), retrieve from the topic's knowledge sources, and hand the best chunks to the answer
 * model within a token budget. Each part is a span, and the measurements become the first four of
 * the six RAG stages; the last two are taken from the answer by `measureAnswer`.
 */

export interface Grounding {
  /** The passages handed to the answer model, numbered as they are cited. */
  passages: ContextPassage[];
  context: AssembledContext;
  chunks: RetrievedChunk[];
  stages: { query: QueryStage; retriever: RetrieverStage; chunks: ChunksStage };
}

/** The passage id a chunk gets in the local answerer, and its citations. */
const passageId = (chunkId: number | string) => `chunk:${chunkId}`;

/** The retrieval settings of a topic: the agent's, with the topic's overrides. */
export function topicRetrieval(agent: PreparedAgent, topicName: string): RetrievalSettings {
  const overrides = agent.topics.get(topicName)?.retrieval ?? {};
  return { ...agent.definition.retrieval, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}

/** Null when the topic has no knowledge to read: the agent declares none, or none is ingested yet. */
export async function ground(
  ctx: TurnContext,
  agent: PreparedAgent,
  topicName: string,
  utterance: string,
  history: { role: 'user' | 'assistant'; content: string }[],
  tracer: TurnTracer,
  opts: { expectedSources?: string[] } = {},
): Promise<Grounding | null> {
  const declared = agent.definition.knowledge.map((k) => k.name);
  if (declared.length === 0) return null;
  const limited = agent.topics.get(topicName)?.knowledge ?? [];
  const names = limited.length > 0 ? limited : declared;
  const settings = topicRetrieval(agent, topicName);

  const querySpan = tracer.start('retrieve', 'query', { utterance });
  const processed = processQuery(utterance);
  const rewrite = processed.empty
    ? { query: processed.normalized, method: 'none' as const, reason: 'empty query' }
    : await rewriteQuery({ question: processed.normalized, history, handle: agent.rewriteModel ?? undefined });
  const query = queryStage(processed, rewrite);
  querySpan.end({
    model: rewrite.model ?? null,
    inputTokens: rewrite.inputTokens ?? 0,
    outputTokens: rewrite.outputTokens ?? 0,
    costUsd: rewrite.costUsd ?? 0,
    output: rewrite.query,
    attributes: { language: processed.language, tokens: processed.tokens, empty: processed.empty, over_long: processed.overLong, rewrite: rewrite.method, reason: rewrite.reason },
  });

  const sources = await sourceIds(ctx, agent.definition.name, names);
  const retrieveSpan = tracer.start('retrieve', 'retrieve', { query: rewrite.query, sources: names, top_k: settings.topK });
  let retrieval;
  try {
    retrieval = await retrieve(ctx.db, {
      projectId: ctx.projectId,
      sourceIds: processed.empty ? [] : [...sources.values()],
      query: rewrite.query,
      settings,
      embedder: agent.embedder,
      reranker: agent.reranker,
    });
  } catch (err) {
    retrieveSpan.fail(err);
    throw err;
  }
  const usage = [retrieval.embedding, retrieval.reranking].filter((u) => u !== null);
  retrieveSpan.end({
    model: usage.map((u) => u.model).join(', ') || null,
    inputTokens: usage.reduce((n, u) => n + u.inputTokens, 0),
    costUsd: usage.reduce((n, u) => n + u.costUsd, 0),
    // Texts go on the hand-off span, for the chunks the model saw; here ids and scores keep the trace small.
    output: retrieval.chunks.map((c) => ({ chunk: c.chunkId, rank: c.rank, score: c.score, document: c.documentPath, section: c.sectionPath.join(' › ') })),
    attributes: {
      sources_searched: [...sources.keys()],
      sources_missing: names.filter((n) => !sources.has(n)),
      candidates: retrieval.candidates,
      timings: retrieval.timings,
    },
  });

  const handoffSpan = tracer.start('retrieve', 'handoff', { budget_tokens: settings.contextTokens, top_k: settings.topK });
  const contextChunks: ContextChunk[] = retrieval.chunks.map((c) => ({
    id: c.chunkId,
    text: c.text,
    tokens: c.tokens,
    score: c.score,
    title: c.title,
    sectionPath: c.sectionPath,
    documentPath: c.documentPath,
    link: c.link,
  }));
  const context = assembleContext(contextChunks, { budgetTokens: settings.contextTokens, topK: settings.topK });
  const passages = contextPassages(context, contextChunks);
  handoffSpan.end({ output: passages.map((p) => ({ n: p.n, chunk: p.id, document: p.documentPath, section: p.sectionPath.join(' › '), text: p.text })), attributes: { context_tokens: context.tokens, included: context.included.length, dropped: context.dropped } });

  const relevance = chunkRelevance(rewrite.query, retrieval.chunks.map((c) => ({ id: c.chunkId, text: c.text, title: c.title, sectionPath: c.sectionPath })));
  // Measured at the cut the answer model gets to see: the top k retrieved.
  const expected = opts.expectedSources ? retrievalAccuracy(retrieval.chunks.slice(0, settings.topK).map((c) => ({ path: c.documentPath, source: c.sourceName })), opts.expectedSources) : null;
  return { passages, context, chunks: retrieval.chunks, stages: { query, retriever: retrieverStage(retrieval), chunks: chunksStage(relevance, expected) } };
}

/**
 * Source ids by name, remembered per store once every name is found: a source keeps its id for
 * good (sources are only ever added), and one that is not ingested yet is looked up again next turn.
 */
const knownSources = new WeakMap<TurnContext['db'], Map<string, Map<string, number>>>();

async function sourceIds(ctx: TurnContext, agentName: string, names: string[]): Promise<Map<string, number>> {
  const key = JSON.stringify([ctx.projectId, agentName, names]);
  const cached = knownSources.get(ctx.db)?.get(key);
  if (cached) return cached;
  const found = await sourceIdsByName(ctx.db, ctx.projectId, agentName, names);
  if (found.size === names.length) {
    const perDb = knownSources.get(ctx.db) ?? new Map<string, Map<string, number>>();
    perDb.set(key, found);
    knownSources.set(ctx.db, perDb);
  }
  return found;
}

/** The passages as the local extractive answerer reads them. */
export function localPassages(grounding: Grounding): Passage[] {
  return grounding.passages.map((p) => ({ id: passageId(p.id), text: p.text, source: passageHeading(p.title, p.sectionPath) }));
}

export interface MeasuredAnswer {
  stages: RagStages;
  sources: AnswerSource[];
  citations: Citation[];
}

/**
 * Checks the answer's citations against the passages they point to and completes the six stages.
 * The local answerer numbers its citations itself (`local`); a model cites the handed-off numbers.
 */
export function measureAnswer(agent: PreparedAgent, grounding: Grounding, question: string, answer: string, opts: { abstained?: boolean; local?: Citation[] }): MeasuredAnswer {
  const byId = new Map(grounding.passages.map((p) => [passageId(p.id), p]));
  // Citation number → passage, in the numbering the answer used.
  const numbered = new Map<number, ContextPassage>();
  if (opts.local) {
    for (const c of opts.local) {
      const p = byId.get(c.passageId);
      if (p) numbered.set(c.n, p);
    }
  } else {
    for (const p of grounding.passages) numbered.set(p.n, p);
  }
  const voice = agent.definition.voice;
  const check: CitationCheck = checkCitations(answer, numbered, { boilerplate: [voice.greeting, voice.signoff].filter((s): s is string => !!s) });
  const supportedBy = new Map<number, boolean>();
  for (const s of check.sentences) {
    for (const n of s.citations) supportedBy.set(n, (supportedBy.get(n) ?? false) || (s.supported === true && s.bestCitation === n));
  }
  const sources: AnswerSource[] = check.citedPassages.flatMap((n) => {
    const p = numbered.get(n);
    if (!p) return [];
    const chunk = grounding.chunks.find((c) => c.chunkId === p.id);
    return [{
      n,
      chunkId: Number(p.id),
      source: chunk?.sourceName ?? '',
      document: p.documentPath ?? '',
      title: p.title,
      section: p.sectionPath.join(' › '),
      link: p.link ?? null,
      supported: supportedBy.get(n) ?? false,
    }];
  });
  const citations: Citation[] = opts.local ?? sources.map((s) => ({ n: s.n, passageId: passageId(s.chunkId), source: passageHeading(s.title, s.section ? s.section.split(' › ') : []), quote: clip(numbered.get(s.n)?.text ?? '') }));
  // Positions are reported in hand-off numbering, whatever numbering the answer used.
  const cited = check.citedPassages.flatMap((n) => {
    const p = numbered.get(n);
    return p ? [p.n] : [];
  });
  const stages: RagStages = {
    ...grounding.stages,
    handoff: handoffStage(grounding.context, { citedPassages: [...new Set(cited)] }),
    response: responseStage(question, answer, { abstained: opts.abstained }),
    grounding: groundingStage(check),
  };
  return { stages, sources, citations };
}

const clip = (text: string) => (text.length > 240 ? `${text.slice(0, 237).trimEnd()}…` : text);
