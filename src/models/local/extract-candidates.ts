import { findDates, findDateTimes, findTimes } from './extract-dates.ts';
import { stem, tokenize } from './sentences.ts';

/**
 * What argument extraction reads from a schema property (its kind and cue words) and the
 * candidate values it finds in text: emails, dates, numbers, ids, enum options and so on.
 */

export type JSONSchema = Record<string, unknown>;

export type Kind = 'enum' | 'boolean' | 'email' | 'date' | 'date-time' | 'uri' | 'pattern' | 'number' | 'id' | 'phone' | 'text' | 'unsupported';

export interface Property {
  name: string;
  schema: JSONSchema;
  type: string | undefined;
  kind: Kind;
  /** Stems that, near a candidate, say the candidate is this property's value, with weights. */
  cues: Map<string, number>;
  money: boolean;
  quantity: boolean;
  percent: boolean;
}

export interface Candidate {
  kind: Kind;
  start: number;
  end: number;
  value: unknown;
  base: number;
  /** Set when the candidate was found for one property only (enum, pattern, boolean, text). */
  property?: string;
  money?: boolean;
  percent?: boolean;
  unit?: string;
}

export interface Span {
  start: number;
  end: number;
}

const ID_WORDS = new Set(['id', 'number', 'code', 'no', 'num', 'ref', 'reference', 'sku']);
const GENERIC_CUES = new Set(['id', 'number', 'code', 'value', 'field', 'string', 'format', 'eg', 'ie', 'example']);
const SYNONYMS: Record<string, string[]> = {
  quantity: ['qty', 'count', 'unit', 'item', 'piec', 'pc', 'copy'],
  amount: ['$', 'price', 'cost', 'total', 'pay', 'charg', 'refund', 'usd', 'dollar', 'eur', 'euro'],
  price: ['cost', 'amount', '$'],
  start: ['from', 'begin', 'start'],
  end: ['to', 'until', 'till', 'through'],
  email: ['mail', 'e'],
  phone: ['call', 'mobile', 'cell', 'tel', 'text'],
  reason: ['because', 'since', 'due'],
};
const MONEY = /amount|price|cost|total|refund|fee|charge|payment|balance|budget|salary|usd|eur|gbp|dollar|euro|\$/i;
const QUANTITY = /quantity|qty|count|number of|how many|items|units|seats|guests|people|nights|copies|pieces|tickets/i;
const PERCENT = /percent|rate|discount|%/i;
export const COUNT_UNITS = new Set(['item', 'unit', 'piec', 'pc', 'pcs', 'x', 'copy', 'seat', 'ticket', 'people', 'person', 'guest', 'night', 'box', 'pair', 'bottl', 'bag']);
const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, fifteen: 15, twenty: 20, dozen: 12,
};
const YES = /^(?:yes|yeah|yep|yup|sure|ok|okay|correct|please do|affirmative|true|y)\b/i;
const NO = /^(?:no|nope|nah|false|n|negative|don'?t|do not)\b/i;
const NEGATION = new Set(['no', 'not', 'dont', 'without', 'never', 'nope', 'instead', 'rather']);

/** `orderId` / `order_id` -> ['order', 'id']. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function schemaType(schema: JSONSchema): string | undefined {
  const t = schema.type;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  return typeof t === 'string' ? t : undefined;
}

function kindOf(name: string, schema: JSONSchema, type: string | undefined): Kind {
  const nw = nameWords(name);
  const last = nw.at(-1) ?? '';
  const format = typeof schema.format === 'string' ? schema.format : '';
  if (Array.isArray(schema.enum)) return 'enum';
  if (type === 'boolean') return 'boolean';
  if (type === 'integer' || type === 'number') return ID_WORDS.has(last) && !QUANTITY.test(name) ? 'id' : 'number';
  if (type !== undefined && type !== 'string') return 'unsupported';
  if (format === 'email' || format === 'idn-email' || (!format && nw.includes('email'))) return 'email';
  if (format === 'date-time') return 'date-time';
  if (format === 'date' || (!format && last === 'date')) return 'date';
  if (/^(?:uri|url|iri|uri-reference|iri-reference)$/.test(format) || (!format && /^(?:url|uri|link|website)$/.test(last))) return 'uri';
  if (typeof schema.pattern === 'string') return 'pattern';
  if (nw.some((w) => w === 'phone' || w === 'mobile' || w === 'tel' || w === 'telephone')) return 'phone';
  if (ID_WORDS.has(last)) return 'id';
  return 'text';
}

/** What to look for, and which nearby words point at it, for one schema property. */
export function describeProperty(name: string, schema: JSONSchema): Property {
  const type = schemaType(schema);
  const description = typeof schema.description === 'string' ? schema.description : '';
  const cues = new Map<string, number>();
  const add = (s: string, w: number) => {
    if (s.length < 2 && s !== '$') return;
    if (!GENERIC_CUES.has(s)) cues.set(s, Math.max(cues.get(s) ?? 0, w));
  };
  for (const w of nameWords(name)) {
    add(stem(w), 1);
    for (const syn of SYNONYMS[w] ?? []) add(syn, 0.75);
  }
  for (const t of tokenize(description)) add(t, 0.5);
  const about = `${name} ${description}`;
  const multipleOf = typeof schema.multipleOf === 'number' ? schema.multipleOf : undefined;
  const money = MONEY.test(about) || multipleOf === 0.01;
  return {
    name,
    schema,
    type,
    kind: kindOf(name, schema, type),
    cues,
    money,
    quantity: !money && (QUANTITY.test(about) || (type === 'integer' && !PERCENT.test(about))),
    percent: PERCENT.test(about),
  };
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
export const inside = (spans: Span[], s: Span) => spans.some((x) => overlaps(x, s));

export interface WordAt extends Span {
  stem: string;
  raw: string;
}

export function wordsAt(text: string): WordAt[] {
  const out: WordAt[] = [];
  for (const m of text.matchAll(/\$|[\p{L}\p{N}]+(?:['’][\p{L}]+)?|[,;.!?:]/gu)) {
    const raw = m[0].toLowerCase().replace(/['’]/g, '');
    out.push({ start: m.index, end: m.index + m[0].length, raw, stem: stem(raw) });
  }
  return out;
}

export const BOUNDARY = new Set([',', ';', '.', '!', '?', 'and', 'but', 'or']);

export function negated(c: Span, all: WordAt[]): boolean {
  const before = all.filter((w) => w.end <= c.start).slice(-3);
  return before.some((w) => NEGATION.has(w.raw));
}

/** Candidates every property kind draws on: found once per text. */
export function scan(text: string, now: Date, wantPhones: boolean): Candidate[] {
  const emails: Candidate[] = [...text.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g)].map((m) => ({
    kind: 'email', start: m.index, end: m.index + m[0].length, value: m[0].replace(/\.$/, ''), base: 3,
  }));
  const uris: Candidate[] = [...text.matchAll(/\bhttps?:\/\/[^\s<>"'`]+/gi)].map((m) => {
    const value = m[0].replace(/[.,;:!?)\]]+$/, '');
    return { kind: 'uri', start: m.index, end: m.index + value.length, value, base: 3 };
  });
  const dateTimes: Candidate[] = findDateTimes(text, now).map((d) => ({ kind: 'date-time', ...d, base: 3 }));
  const dates: Candidate[] = findDates(text, now).map((d) => ({ kind: 'date', ...d, base: 2.5 }));
  const times: Span[] = findTimes(text);
  let strong: Span[] = [...emails, ...uris, ...dateTimes, ...dates, ...times];

  const phones: Candidate[] = [];
  if (wantPhones) {
    for (const m of text.matchAll(/(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d(?!\w)/g)) {
      const digits = m[0].replace(/\D/g, '');
      const span = { start: m.index, end: m.index + m[0].length };
      if (digits.length < 7 || digits.length > 15 || inside(strong, span)) continue;
      if (!/[\s().-]/.test(m[0]) && !m[0].startsWith('+') && digits.length < 10) continue;
      phones.push({ kind: 'phone', ...span, value: m[0].trim(), base: 2.5 });
    }
    strong = [...strong, ...phones];
  }

  const ids: Candidate[] = [];
  for (const m of text.matchAll(/(?<![\w@.\-$€£])#?[A-Za-z0-9]+(?:[-_/][A-Za-z0-9]+)*(?![\w@-])/g)) {
    const token = m[0].replace(/^#/, '');
    const span = { start: m.index, end: m.index + m[0].length };
    if (!/\d/.test(token) || inside(strong, span)) continue;
    const letters = /[A-Za-z]/.test(token);
    if (!letters && token.length < 4) continue;
    // "2nd", "5kg", "3pm": ordinals and measures, not identifiers.
    if (/^\d+(?:st|nd|rd|th|kg|g|lbs?|km|cm|mm|m|gb|mb|tb|x|k|h|hrs?|mins?|am|pm|pcs)$/i.test(token)) continue;
    if (token.replace(/[-_/]/g, '').length < 3) continue;
    ids.push({ kind: 'id', ...span, value: token, base: (letters ? 2 : 1.5) + (m[0].startsWith('#') ? 0.5 : 0) });
  }
  const mixedIds = ids.filter((i) => /[A-Za-z]/.test(String(i.value)));

  const numbers: Candidate[] = [];
  const numberRe = /(?<![\w.,])((?:USD|EUR|GBP)\s?|[$€£]\s?)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d.]\d)(\s?%)?(?:\s?([A-Za-z]+))?/g;
  for (const m of text.matchAll(numberRe)) {
    const numberEnd = m.index + m[0].length - (m[5]?.length ?? 0);
    const span = { start: m.index, end: numberEnd };
    if (inside(strong, span) || inside(mixedIds, span)) continue;
    const unit = m[5] ? stem(m[5].toLowerCase()) : undefined;
    const money = Boolean(m[1]) || /^(?:usd|eur|gbp|dollar|euro|pound|buck|cent)$/.test(unit ?? '');
    const value = Number(`${m[2].replace(/,/g, '')}${m[3] ?? ''}`);
    numbers.push({ kind: 'number', ...span, value, base: 1, money, percent: Boolean(m[4]), unit });
  }
  for (const m of text.matchAll(/\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|a dozen|dozen)\b(?:\s+([A-Za-z]+))?/gi)) {
    const word = m[1].toLowerCase().replace('a ', '');
    const span = { start: m.index, end: m.index + m[1].length };
    if (inside(strong, span)) continue;
    numbers.push({ kind: 'number', ...span, value: NUMBER_WORDS[word], base: 0.75, unit: m[2] ? stem(m[2].toLowerCase()) : undefined });
  }
  return [...emails, ...uris, ...dateTimes, ...dates, ...phones, ...ids, ...numbers];
}

export function enumCandidates(p: Property, all: WordAt[]): Candidate[] {
  const out: Candidate[] = [];
  const stems = all.map((w) => w.stem);
  for (const option of p.schema.enum as unknown[]) {
    if (typeof option === 'number') {
      for (const w of all) if (Number(w.raw) === option) out.push({ kind: 'enum', start: w.start, end: w.end, value: option, base: 3, property: p.name });
      continue;
    }
    if (typeof option !== 'string' || option === '') continue;
    const target = nameWords(option).map(stem);
    if (target.length === 0) continue;
    for (let i = 0; i + target.length <= stems.length; i++) {
      if (target.every((t, j) => stems[i + j] === t)) {
        out.push({ kind: 'enum', start: all[i].start, end: all[i + target.length - 1].end, value: option, base: 3 + 0.1 * target.length, property: p.name });
      }
    }
  }
  // A longer option ("store credit") beats a shorter one found inside it ("credit").
  return out.filter((c) => !out.some((o) => o !== c && o.start <= c.start && o.end >= c.end && o.end - o.start > c.end - c.start));
}

export function patternCandidates(p: Property, text: string): Candidate[] {
  const source = String(p.schema.pattern);
  const anchored = (() => {
    try {
      return new RegExp(source, 'u');
    } catch {
      return new RegExp(source);
    }
  })();
  const bare = source.replace(/^\^/, '').replace(/(?<!\\)\$$/, '');
  const out: Candidate[] = [];
  const search = (flags: string, normalize: (s: string) => string) => {
    let re: RegExp;
    try {
      re = new RegExp(bare, `${flags}u`);
    } catch {
      re = new RegExp(bare, flags);
    }
    for (const m of text.matchAll(re)) {
      if (!m[0]) continue;
      const start = m.index;
      const end = start + m[0].length;
      // A match inside a longer word or number is not the value ("1234" inside "912345").
      if (/[\p{L}\p{N}]/u.test(text[start - 1] ?? '') || /[\p{L}\p{N}]/u.test(text[end] ?? '')) continue;
      const value = normalize(m[0]);
      if (anchored.test(value)) out.push({ kind: 'pattern', start, end, value, base: 3, property: p.name });
    }
  };
  search('g', (s) => s);
  // People type ids in lower case ("ord-5512"); accept them when upper case fits the pattern.
  if (out.length === 0) search('gi', (s) => s.toUpperCase());
  return out;
}

export function booleanCandidates(p: Property, text: string, all: WordAt[], bareAnswer: boolean): Candidate[] {
  const target = nameWords(p.name)
    .filter((w) => !['is', 'has', 'should', 'use', 'with', 'want', 'wants', 'enable', 'include', 'needs', 'add'].includes(w))
    .map(stem);
  const content = all.filter((w) => !BOUNDARY.has(w.raw));
  if (target.length > 0) {
    for (let i = 0; i < content.length; i++) {
      const window = content.slice(i, i + target.length + 2).map((w) => w.stem);
      if (content[i].stem === target[0] && target.every((t) => window.includes(t))) {
        const span = { start: content[i].start, end: content[Math.min(content.length - 1, i + target.length - 1)].end };
        return [{ kind: 'boolean', ...span, value: !negated(span, all), base: 2, property: p.name }];
      }
    }
  }
  if (!bareAnswer) return [];
  const trimmed = text.trim();
  if (YES.test(trimmed)) return [{ kind: 'boolean', start: 0, end: 0, value: true, base: 2, property: p.name }];
  if (NO.test(trimmed)) return [{ kind: 'boolean', start: 0, end: 0, value: false, base: 2, property: p.name }];
  return [];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Free text introduced by its name ("my name is Jane Doe") or, for reasons, by "because". */
export function textCandidates(p: Property, text: string): Candidate[] {
  const head = nameWords(p.name).at(-1);
  if (!head) return [];
  const intro = [`${escapeRegExp(head)}s?\\s*(?:is|was|would be|will be|:|=|-)\\s*`];
  if (/reason|cause|why/.test(p.name.toLowerCase())) intro.push('\\b(?:because|since|due to)\\s+');
  const re = new RegExp(`\\b(?:${intro.join('|')})(?:that\\s+)?([^.!?\\n,;]+?)(?=\\s+and\\s+(?:my|the|it|i)\\b|[.!?\\n,;]|$)`, 'gi');
  const out: Candidate[] = [];
  for (const m of text.matchAll(re)) {
    const value = m[1].trim();
    if (!value) continue;
    const start = m.index + m[0].length - m[1].length;
    out.push({ kind: 'text', start, end: start + m[1].length, value, base: 1.5, property: p.name });
  }
  return out;
}
