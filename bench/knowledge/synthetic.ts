/**
 * A deterministic synthetic corpus in BEIR shape, for measuring speed (not quality): pseudo-words
 * with a Zipf distribution like natural text (its most frequent words real English function words),
 * documents of 60–260 words under a short title, and queries drawn from one document's words, that
 * document being the relevant one.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { rng } from '../../src/core/random.ts';

export interface SyntheticOptions {
  docs: number;
  queries: number;
  seed?: number;
  vocabulary?: number;
}

export interface SyntheticDoc {
  id: string;
  title: string;
  text: string;
}

export interface SyntheticQuery {
  id: string;
  text: string;
  relevant: string;
}

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'cl', 'dr', 'gr', 'pl', 'st', 'tr'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
const CODAS = ['', '', 'n', 'r', 'l', 'm', 'x'];
/** The most frequent ranks are real function words, so text search drops them as it would in English. */
const FUNCTION_WORDS = `the of and to a in is that for it as was with be by on not he this are or his from at which but have an they you were
her she there been one all we their has would when if so no will can more who them some its into only other than then these
what also may could about our out any very most such where how do should both each through those while being between after
before under over because against during without again further once here why own same few nor too just`.split(/\s+/);
const FUNCTION_SET = new Set(FUNCTION_WORDS);

function vocabulary(size: number, rand: () => number): string[] {
  const words = new Set<string>(FUNCTION_WORDS);
  while (words.size < size) {
    const syllables = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let i = 0; i < syllables; i++) {
      w += ONSETS[Math.floor(rand() * ONSETS.length)] + VOWELS[Math.floor(rand() * VOWELS.length)] + CODAS[Math.floor(rand() * CODAS.length)];
    }
    words.add(w);
  }
  return [...words];
}

/** Samples word ranks with probability ∝ 1/rank (Zipf, s = 1) by inverting the cumulative sum. */
function zipfSampler(n: number, rand: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += 1 / (i + 1);
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function* syntheticDocs(opts: SyntheticOptions): Generator<SyntheticDoc> {
  const rand = rng(opts.seed ?? 42);
  const words = vocabulary(opts.vocabulary ?? 30_000, rand);
  const rank = zipfSampler(words.length, rand);
  const sentence = (n: number) => Array.from({ length: n }, () => words[rank()]).join(' ');
  for (let d = 0; d < opts.docs; d++) {
    const title = sentence(3 + Math.floor(rand() * 6));
    const sentences: string[] = [];
    let remaining = 60 + Math.floor(rand() * 200);
    while (remaining > 0) {
      const n = Math.min(remaining, 8 + Math.floor(rand() * 14));
      const s = sentence(n);
      sentences.push(`${s[0].toUpperCase()}${s.slice(1)}.`);
      remaining -= n;
    }
    yield { id: `d${d}`, title: title[0].toUpperCase() + title.slice(1), text: sentences.join(' ') };
  }
}

/**
 * Queries over the documents syntheticDocs yields for the same options: 3–7 words drawn from one
 * document at their frequency in it (so function words and common words come up, as in real
 * questions), at least two of them content words, sometimes with an unrelated word.
 */
export function syntheticQueries(opts: SyntheticOptions): SyntheticQuery[] {
  const rand = rng((opts.seed ?? 42) ^ 0x5eed);
  const wanted = new Map<number, number>();
  while (wanted.size < Math.min(opts.queries, opts.docs)) {
    const doc = Math.floor(rand() * opts.docs);
    if (!wanted.has(doc)) wanted.set(doc, wanted.size);
  }
  const noise = vocabulary(opts.vocabulary ?? 30_000, rng(opts.seed ?? 42));
  const queries: SyntheticQuery[] = [];
  let d = 0;
  for (const doc of syntheticDocs(opts)) {
    const q = wanted.get(d++);
    if (q === undefined) continue;
    const tokens = `${doc.title} ${doc.text}`.toLowerCase().replace(/[.]/g, '').split(' ');
    const picked = new Set<string>();
    const size = 3 + Math.floor(rand() * 5);
    // At least two content words, as a question about something has.
    const content = () => [...picked].filter((w) => !FUNCTION_SET.has(w)).length;
    for (let tries = 0; (picked.size < size || content() < 2) && tries < 1000; tries++) {
      const word = tokens[Math.floor(rand() * tokens.length)];
      if (picked.size < size || !FUNCTION_SET.has(word)) picked.add(word);
    }
    if (rand() < 0.3) picked.add(noise[Math.floor(rand() * noise.length)]);
    queries.push({ id: `q${q}`, text: [...picked].join(' '), relevant: doc.id });
  }
  return queries.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/** Writes corpus.jsonl, queries.jsonl and qrels/test.tsv into dir, as BEIR distributes them. */
export async function writeBeirFiles(dir: string, opts: SyntheticOptions): Promise<{ corpus: string; queries: string; qrels: string }> {
  await mkdir(join(dir, 'qrels'), { recursive: true });
  const paths = { corpus: join(dir, 'corpus.jsonl'), queries: join(dir, 'queries.jsonl'), qrels: join(dir, 'qrels', 'test.tsv') };
  const corpus = createWriteStream(paths.corpus);
  for (const doc of syntheticDocs(opts)) {
    if (!corpus.write(`${JSON.stringify({ _id: doc.id, title: doc.title, text: doc.text })}\n`)) await once(corpus, 'drain');
  }
  corpus.end();
  await once(corpus, 'finish');
  const queries = syntheticQueries(opts);
  await writeFile(paths.queries, queries.map((q) => `${JSON.stringify({ _id: q.id, text: q.text })}\n`).join(''));
  await writeFile(paths.qrels, `query-id\tcorpus-id\tscore\n${queries.map((q) => `${q.id}\t${q.relevant}\t1\n`).join('')}`);
  return paths;
}
