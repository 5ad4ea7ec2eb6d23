import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError } from '../../core/errors.ts';
import type { ArgumentExtraction } from './contracts.ts';
import {
  BOUNDARY, COUNT_UNITS, booleanCandidates, describeProperty, enumCandidates, inside, nameWords, negated,
  patternCandidates, scan, schemaType, textCandidates, wordsAt,
  type Candidate, type JSONSchema, type Property, type Span, type WordAt,
} from './extract-candidates.ts';

/**
 * Schema-driven action-argument extraction for the `local` provider. The action's JSON Schema
 * says what to look for (an email, a date, an enum value, an amount, an id); the text is scanned
 * for candidates of each kind, and each property takes the candidate that fits it best, judged
 * by the property's name and description words near the candidate. Nothing is invented: a
 * property without a fitting candidate is reported missing with a question to ask.
 */

export interface ExtractOptions {
  /** The reference for "today", "next friday", "March 3" (year). Defaults to the clock. */
  now?: Date;
  /**
   * The property the previous turn asked about. Defaults to the first required property missing
   * from `known` when `known` is given, which is what `question` asked for.
   */
  asked?: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
// ajv-formats is CommonJS; its `default` property is the plugin both at runtime and in its types.
addFormats.default(ajv);
const validators = new WeakMap<JSONSchema, ValidateFunction>();

function validatorFor(schema: JSONSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    try {
      // Reloaded agents bring new schema objects with the same `$id`, which Ajv refuses to add twice.
      const { $id: _id, ...withoutId } = schema;
      validate = ajv.compile(withoutId);
    } catch (err) {
      throw new InputError('the action input is not a valid JSON Schema', [{ path: 'input', message: (err as Error).message }]);
    }
    validators.set(schema, validate);
  }
  return validate;
}

/** Cue words close to the candidate, within its clause: 1 when adjacent, fading with distance. */
function proximity(p: Property, c: Span, all: WordAt[]): number {
  let score = 0;
  const before = all.filter((w) => w.end <= c.start).reverse();
  const after = all.filter((w) => w.start >= c.end);
  const walk = (list: WordAt[], limit: number, weight: number) => {
    let distance = 0;
    for (const w of list) {
      if (BOUNDARY.has(w.raw)) break;
      if (++distance > limit) break;
      const cue = p.cues.get(w.stem) ?? p.cues.get(w.raw);
      if (cue) score = Math.max(score, (weight * cue) / distance);
    }
  };
  walk(before, 5, 1);
  walk(after, 3, 0.8);
  return score;
}

function fits(p: Property, c: Candidate): boolean {
  if (c.property !== undefined) return c.property === p.name;
  const schema = p.schema;
  if (p.kind === 'number' || (p.kind === 'id' && (p.type === 'integer' || p.type === 'number'))) {
    const n = c.kind === 'number' ? Number(c.value) : c.kind === 'id' && /^\d+$/.test(String(c.value)) ? Number(c.value) : NaN;
    if (!Number.isFinite(n)) return false;
    if (p.type === 'integer' && !Number.isInteger(n)) return false;
    if (typeof schema.minimum === 'number' && n < schema.minimum) return false;
    if (typeof schema.maximum === 'number' && n > schema.maximum) return false;
    if (typeof schema.exclusiveMinimum === 'number' && n <= schema.exclusiveMinimum) return false;
    if (typeof schema.exclusiveMaximum === 'number' && n >= schema.exclusiveMaximum) return false;
    if (p.kind === 'number' && p.quantity && c.money) return false;
    return p.kind === 'id' ? c.kind === 'id' : true;
  }
  return c.kind === p.kind;
}

function hint(p: Property, c: Candidate): number {
  if (c.kind !== 'number') return 0;
  let h = 0;
  if (p.money) h += c.money ? 1.5 : 0;
  else if (c.money) h -= 1;
  if (p.percent) h += c.percent ? 1.5 : 0;
  else if (c.percent) h -= 1;
  if (p.quantity && c.unit && COUNT_UNITS.has(c.unit)) h += 1;
  if (c.unit && p.cues.has(c.unit)) h += 0.75;
  return h;
}

function coerce(p: Property, value: unknown): unknown {
  if ((p.type === 'integer' || p.type === 'number') && typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return value;
}

/** The reply to a question, minus "sure, it's" and the like. */
function bareReply(text: string): string {
  return text
    .trim()
    .replace(/^(?:sure|ok(?:ay)?|yes|yeah|well|hi|hello|so)\b[,!.]?\s*/i, '')
    .replace(/^(?:it['’]?s|it is|that['’]?s|that is|(?:my|the) [\w ]{1,30}? is)\s+/i, '')
    .replace(/[.!?\s]+$/, '')
    .trim();
}

/**
 * Finds the schema's arguments in the text. `known` holds arguments from earlier turns; pass it
 * (even `{}`) when this text answers the question asked for a missing argument. New values win.
 */
export function extractArguments(schema: JSONSchema, text: string, known?: Record<string, unknown>, options: ExtractOptions = {}): ArgumentExtraction {
  const validate = validatorFor(schema);
  const properties = (typeof schema.properties === 'object' && schema.properties !== null ? schema.properties : {}) as Record<string, JSONSchema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const props = Object.entries(properties).map(([name, s]) => describeProperty(name, s ?? {}));
  const asked = options.asked ?? (known ? required.find((r) => known[r] === undefined) : undefined);

  const all = wordsAt(text);
  const shared = scan(text, options.now ?? new Date(), props.some((p) => p.kind === 'phone'));
  const booleans = props.filter((p) => p.kind === 'boolean');
  const candidates = [...shared];
  for (const p of props) {
    if (p.kind === 'enum') candidates.push(...enumCandidates(p, all));
    if (p.kind === 'pattern') candidates.push(...patternCandidates(p, text));
    if (p.kind === 'text') candidates.push(...textCandidates(p, text));
    if (p.kind === 'boolean') {
      const bare = asked === p.name || (booleans.length === 1 && all.length <= 6);
      candidates.push(...booleanCandidates(p, text, all, bare));
    }
  }

  const pairs: { p: Property; c: Candidate; score: number }[] = [];
  for (const p of props) {
    for (const c of candidates) {
      if (!fits(p, c)) continue;
      const neg = c.kind !== 'boolean' && negated(c, all) ? 2 : 0;
      const score = c.base + proximity(p, c, all) + hint(p, c) + (asked === p.name ? 1.5 : 0) - neg;
      pairs.push({ p, c, score });
    }
  }
  pairs.sort((a, b) => b.score - a.score || a.c.start - b.c.start || props.indexOf(a.p) - props.indexOf(b.p));

  const found: Record<string, unknown> = {};
  const used: Span[] = [];
  for (const { p, c } of pairs) {
    if (p.name in found) continue;
    if (c.end > c.start && inside(used, c)) continue;
    found[p.name] = coerce(p, c.value);
    if (c.end > c.start) used.push(c);
  }

  // An answer to "Could you tell me the reason?" is the whole reply, when nothing else was in it.
  const askedProp = props.find((p) => p.name === asked);
  if (askedProp?.kind === 'text' && !(askedProp.name in found) && used.length === 0) {
    const reply = bareReply(text);
    if (reply) found[askedProp.name] = reply;
  }

  const args: Record<string, unknown> = { ...(known ?? {}), ...found };
  const dropped = dropInvalid(validate, args);
  const missing = required.filter((r) => args[r] === undefined);
  for (const name of Object.keys(properties)) if (dropped.has(name) && !missing.includes(name)) missing.push(name);
  return { args, missing, question: missing.length ? questionFor(schema, missing[0]) : null };
}

/** Removes the arguments the schema rejects (in place) and returns their names. */
function dropInvalid(validate: ValidateFunction, args: Record<string, unknown>): Set<string> {
  const dropped = new Set<string>();
  for (let round = 0; round < 20 && !validate(args); round++) {
    const bad = new Set<string>();
    for (const e of (validate.errors ?? []) as ErrorObject[]) {
      if (e.keyword === 'required') continue;
      if (e.keyword === 'additionalProperties') bad.add(String((e.params as { additionalProperty: string }).additionalProperty));
      const top = e.instancePath.split('/')[1];
      if (top) bad.add(top.replace(/~1/g, '/').replace(/~0/g, '~'));
    }
    const removable = [...bad].filter((k) => k in args);
    if (removable.length === 0) break;
    for (const k of removable) {
      delete args[k];
      dropped.add(k);
    }
  }
  return dropped;
}

const DETERMINERS = new Set(['the', 'a', 'an', 'your', 'my', 'our', 'their', 'whether', 'if', 'how', 'what', 'which', 'when', 'where', 'who', 'why']);
const IMPERATIVES = new Set(['get', 'look', 'find', 'fetch', 'use', 'set', 'send', 'provide', 'enter', 'specify', 'select', 'choose', 'pass', 'returns', 'return']);
const PERSONAL = new Set(['email', 'phone', 'name', 'address', 'mobile', 'birthday', 'zip', 'postal']);

function humanName(name: string): string {
  const w = nameWords(name).map((x) => (x === 'id' || x === 'sku' || x === 'url' ? x.toUpperCase() : x));
  const phrase = w.join(' ').replace(/^email$/, 'email address').replace(/\b(phone|mobile|telephone)$/, '$1 number');
  return `${w.some((x) => PERSONAL.has(x)) ? 'your' : 'the'} ${phrase}`;
}

/** A noun phrase from the description's first clause, or undefined when it does not read as one. */
function describedAs(description: unknown): string | undefined {
  if (typeof description !== 'string') return undefined;
  let phrase = description
    .split(/\s*(?:\be\.g\.|\bi\.e\.|\(|;|\n|\.\s|\.$|:\s)/i)[0]
    .replace(/[,.\s]+$/, '')
    .trim();
  if (!phrase || phrase.split(/\s+/).length > 10) return undefined;
  let personal = false;
  phrase = phrase.replace(/\b(?:the\s+)?(?:customer|user|caller|shopper|client)['’]s\b/gi, () => {
    personal = true;
    return 'your';
  });
  phrase = phrase.replace(/\s+(?:of|for) the (?:customer|user|caller|shopper|client)\b/gi, () => {
    personal = true;
    return '';
  });
  // The question goes to the customer: "why the customer is returning it" -> "why you are returning it".
  const verbs: Record<string, string> = { is: 'are', was: 'were', has: 'have', wants: 'want', needs: 'need', wishes: 'wish' };
  phrase = phrase.replace(/\bthe (?:customer|user|caller|shopper|client) (is|was|has|wants|needs|wishes)\b/gi, (_m, verb: string) => `you ${verbs[verb.toLowerCase()]}`);
  const [first] = phrase.split(/\s+/);
  if (IMPERATIVES.has(first.toLowerCase())) return undefined;
  if (!/[A-Z].*[A-Z]/.test(first)) phrase = phrase.charAt(0).toLowerCase() + phrase.slice(1);
  const lead = phrase.split(/\s+/)[0].toLowerCase();
  if (DETERMINERS.has(lead)) return phrase;
  return `${personal ? 'your' : 'the'} ${phrase}`;
}

function options(values: unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? nameWords(v).join(' ') || v : String(v)));
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

/** A natural question for one property, built from its description (or its name). */
export function questionFor(schema: JSONSchema, property: string): string {
  const properties = (schema.properties ?? {}) as Record<string, JSONSchema>;
  const prop = properties[property] ?? {};
  const described = describedAs(prop.description);
  if (schemaType(prop) === 'boolean') {
    if (described && /^(?:whether|if)\b/.test(described)) return `Could you tell me ${described}?`;
    const subject = nameWords(property).filter((w) => !['is', 'has', 'should', 'use', 'with', 'wants'].includes(w)).join(' ');
    return `Would you like ${subject || property} (yes or no)?`;
  }
  const phrase = described ?? humanName(property);
  const choices = Array.isArray(prop.enum) && prop.enum.length > 0 ? ` (${options(prop.enum)})` : '';
  return `Could you tell me ${phrase}${choices}?`;
}
