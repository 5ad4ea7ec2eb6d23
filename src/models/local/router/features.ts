/**
 * TF-IDF features over word n-grams (of lightly stemmed words), ordered word pairs a few positions
 * apart, and character n-grams taken inside word boundaries (of the words as written, so typos and
 * inflections still share most of their n-grams).
 *
 * N-grams are identified by a 32-bit FNV-1a hash instead of by their text: extraction allocates no
 * substrings (prediction stays well under a millisecond), and the saved vocabulary is a compact list
 * of integers. The vocabulary is still learned from the training data (with a minimum document
 * frequency), so unseen n-grams are ignored rather than folded onto known ones; with the few hundred
 * thousand n-grams of even a large intent set, hash collisions are rare and harmless.
 */
import { stem, tokenize } from './text.ts';

export interface FeatureConfig {
  /** Smallest and largest word n-gram, e.g. [1, 2] for words and adjacent word pairs. */
  wordNgrams: [number, number];
  /** Smallest and largest character n-gram, taken within " word " (padded with spaces). */
  charNgrams: [number, number];
  /** N-grams seen in fewer training texts than this are dropped. */
  minDf: number;
  /** Weight of the word block and of the character block; each block is L2-normalised first. */
  wordWeight: number;
  charWeight: number;
  /** Collapse digit runs to `0`. */
  digits: boolean;
  /** Also count ordered word pairs up to this many positions apart (0 or 1: none beyond n-grams). */
  pairWindow: number;
  /** Strip common English inflections from words before word n-grams and pairs (see text.ts). */
  stem: boolean;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  wordNgrams: [1, 2],
  charNgrams: [2, 5],
  minDf: 1,
  wordWeight: 1,
  charWeight: 1,
  digits: true,
  pairWindow: 5,
  stem: true,
};

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** Compressed sparse rows: row r holds indices/values[indptr[r] .. indptr[r+1]). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

const FNV_PRIME = 0x01000193;
const WORD_BASIS = 0x811c9dc5 | 0;
const CHAR_BASIS = (0x811c9dc5 ^ 0x5bd1e995) | 0;
const PAIR_BASIS = 0x27d4eb2f;
const SPACE = 32;

// The lowest bit of a key says which block it belongs to: 0 word, 1 character.
const WORD_BLOCK = 0;
const CHAR_BLOCK = 1;

/** Counts the n-gram keys of one text into `counts`. */
function countGrams(text: string, config: FeatureConfig, counts: Map<number, number>): void {
  const tokens = tokenize(text, { digits: config.digits });
  const add = (hash: number, block: number) => {
    const key = (hash & ~1) | block;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const [wMin, wMax] = config.wordNgrams;
  const words = config.stem ? tokens.map(stem) : tokens;
  for (let start = 0; start < words.length; start++) {
    let h = WORD_BASIS;
    for (let n = 1; n <= wMax && start + n <= words.length; n++) {
      if (n > 1) h = Math.imul(h ^ SPACE, FNV_PRIME);
      const token = words[start + n - 1];
      for (let c = 0; c < token.length; c++) h = Math.imul(h ^ token.charCodeAt(c), FNV_PRIME);
      if (n >= wMin) add(h, WORD_BLOCK);
    }
  }
  // Words a few positions apart ("card ... arrived", "transfer ... pending") carry the intent when the
  // words between them vary; adjacent pairs are already bigrams.
  if (config.pairWindow > 1) {
    const unigram = words.map((word) => {
      let h = WORD_BASIS;
      for (let c = 0; c < word.length; c++) h = Math.imul(h ^ word.charCodeAt(c), FNV_PRIME);
      return h;
    });
    for (let i = 0; i < words.length; i++) {
      for (let j = i + 2; j <= i + config.pairWindow && j < words.length; j++) {
        add(Math.imul(Math.imul(unigram[i] ^ PAIR_BASIS, FNV_PRIME) ^ unigram[j], FNV_PRIME), WORD_BLOCK);
      }
    }
  }
  const [cMin, cMax] = config.charNgrams;
  if (cMax <= 0) return;
  for (const token of tokens) {
    const len = token.length + 2;
    const at = (i: number) => (i === 0 || i === len - 1 ? SPACE : token.charCodeAt(i - 1));
    for (let start = 0; start < len; start++) {
      let h = CHAR_BASIS;
      for (let n = 1; n <= cMax && start + n <= len; n++) {
        h = Math.imul(h ^ at(start + n - 1), FNV_PRIME);
        if (n >= cMin) add(h, CHAR_BLOCK);
      }
    }
  }
}

export interface SerializedFeatureSpace {
  config: FeatureConfig;
  /** Base64 of the Int32 n-gram keys, in feature order. */
  keys: string;
  /** Base64 of the Float32 inverse document frequencies, in feature order. */
  idf: string;
}

export class FeatureSpace {
  readonly config: FeatureConfig;
  readonly keys: Int32Array;
  readonly idf: Float32Array;
  private readonly index: Map<number, number>;

  private constructor(config: FeatureConfig, keys: Int32Array, idf: Float32Array) {
    this.config = config;
    this.keys = keys;
    this.idf = idf;
    this.index = new Map();
    keys.forEach((key, i) => this.index.set(key, i));
  }

  get size(): number {
    return this.keys.length;
  }

  /** Learns the vocabulary and IDF from `texts` and returns the space with the texts' matrix. */
  static fit(texts: string[], config: FeatureConfig = DEFAULT_FEATURES): { space: FeatureSpace; matrix: CsrMatrix } {
    const docs: Map<number, number>[] = [];
    const df = new Map<number, number>();
    for (const text of texts) {
      const counts = new Map<number, number>();
      countGrams(text, config, counts);
      for (const key of counts.keys()) df.set(key, (df.get(key) ?? 0) + 1);
      docs.push(counts);
    }
    const keys: number[] = [];
    const idf: number[] = [];
    const n = texts.length;
    for (const [key, count] of df) {
      if (count < config.minDf) continue;
      keys.push(key);
      // Smoothed IDF, as if one extra document held every n-gram: never zero, never infinite.
      idf.push(Math.log((1 + n) / (1 + count)) + 1);
    }
    const space = new FeatureSpace(config, Int32Array.from(keys), Float32Array.from(idf));
    const rows = docs.map((counts) => space.weigh(counts));
    return { space, matrix: toCsr(rows, space.size) };
  }

  static fromJSON(data: SerializedFeatureSpace): FeatureSpace {
    const keys = new Int32Array(decodeBase64(data.keys));
    const idf = new Float32Array(decodeBase64(data.idf));
    if (keys.length !== idf.length) throw new Error('feature keys and idf differ in length');
    // Models saved before stemming and word pairs existed have neither in their config and were
    // trained without them, so a missing setting means off rather than today's default.
    const saved: Partial<FeatureConfig> = data.config;
    return new FeatureSpace({ ...DEFAULT_FEATURES, pairWindow: 0, stem: false, ...saved }, keys, idf);
  }

  toJSON(): SerializedFeatureSpace {
    return { config: this.config, keys: encodeBase64(this.keys), idf: encodeBase64(this.idf) };
  }

  /** The TF-IDF vector of one text; n-grams outside the vocabulary are ignored. */
  transform(text: string): SparseVector {
    const counts = new Map<number, number>();
    countGrams(text, this.config, counts);
    return this.weigh(counts);
  }

  /** Sublinear TF times IDF, each block L2-normalised then scaled by its weight. */
  private weigh(counts: Map<number, number>): SparseVector {
    const indices: number[] = [];
    const values: number[] = [];
    const norms = [0, 0];
    for (const [key, count] of counts) {
      const i = this.index.get(key);
      if (i === undefined) continue;
      const v = (1 + Math.log(count)) * this.idf[i];
      indices.push(i);
      values.push(v);
      norms[key & 1] += v * v;
    }
    const scale = [
      norms[WORD_BLOCK] > 0 ? this.config.wordWeight / Math.sqrt(norms[WORD_BLOCK]) : 0,
      norms[CHAR_BLOCK] > 0 ? this.config.charWeight / Math.sqrt(norms[CHAR_BLOCK]) : 0,
    ];
    const out = new Float32Array(values.length);
    for (let j = 0; j < values.length; j++) out[j] = values[j] * scale[this.keys[indices[j]] & 1];
    return { indices: Int32Array.from(indices), values: out };
  }
}

export function toCsr(rows: SparseVector[], cols: number): CsrMatrix {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, r) => (indptr[r + 1] = indptr[r] + row.indices.length));
  const indices = new Int32Array(indptr[rows.length]);
  const values = new Float32Array(indptr[rows.length]);
  rows.forEach((row, r) => {
    indices.set(row.indices, indptr[r]);
    values.set(row.values, indptr[r]);
  });
  return { rows: rows.length, cols, indptr, indices, values };
}

export function encodeBase64(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** Decodes into a fresh, aligned buffer so typed-array views over it are valid. */
export function decodeBase64(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return copy;
}
