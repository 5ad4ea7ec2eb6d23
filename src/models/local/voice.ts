import type { Voice } from '../../agent/schema.ts';
import { splitSentences } from './sentences.ts';

/**
 * The agent's brand voice applied to text the local models produce. Deterministic on purpose:
 * the same answer in the same voice is always worded the same, so suites and traces compare.
 */

export type Tone = Voice['tone'];

export interface VoiceOptions {
  /** The first answer of a session: the greeting (or persona introduction) opens it. */
  firstTurn?: boolean;
  /** The text says "I don't know": no "Sure —" opener and no sign-off. */
  abstained?: boolean;
}

// Each slot lists variants best first; the first one free of every avoided phrase is used,
// so a brand that avoids "sorry" still gets a natural sentence instead of a gap.
const OPENERS: Record<Tone, string[]> = {
  friendly: ["Sure — here's what I found.", 'Happy to help.', "Here's what I found."],
  formal: ['Certainly.', 'Here is what I found.'],
  concise: [],
};

const ABSTENTIONS: Record<Tone, string[]> = {
  friendly: [
    "Sorry — I don't have information about that. Could you rephrase, or ask me about something else?",
    "Unfortunately I don't have information about that. Could you rephrase, or ask me about something else?",
    "I don't have information about that. Could you rephrase, or ask me about something else?",
    "I don't have information about that.",
  ],
  formal: [
    'I am sorry, but I do not have information about that. Could you rephrase your question?',
    'Regrettably, I do not have information about that.',
    'I do not have information about that.',
  ],
  concise: ["I don't have information about that.", 'No information on that.'],
};

const INTRODUCTIONS: Record<Tone, ((persona: string) => string)[]> = {
  friendly: [(p) => `Hi, I'm ${p}.`, (p) => `I'm ${p}.`],
  formal: [(p) => `Good day, I am ${p}.`, (p) => `I am ${p}.`],
  concise: [],
};

// Expansions for the formal tone. Possessive 's is left alone; only pronoun forms expand.
const EXPANSIONS: [RegExp, string][] = [
  [/\bwon['’]t\b/gi, 'will not'],
  [/\bcan['’]t\b/gi, 'cannot'],
  [/\bshan['’]t\b/gi, 'shall not'],
  [/\bain['’]t\b/gi, 'is not'],
  [/\blet['’]s\b/gi, 'let us'],
  [/\b(\w+)n['’]t\b/gi, '$1 not'],
  [/\b(it|that|there|here|what|who|he|she|where)['’]s been\b/gi, '$1 has been'],
  [/\b(it|that|there|here|what|who|he|she|where)['’]s\b/gi, '$1 is'],
  [/\bI['’]m\b/g, 'I am'],
  [/\b(\w+)['’]re\b/gi, '$1 are'],
  [/\b(\w+)['’]ll\b/gi, '$1 will'],
  [/\b(I|you|we|they|who|could|should|would|might|must)['’]ve\b/gi, '$1 have'],
  [/\b(I|you|we|they|he|she)['’]d\b/gi, '$1 would'],
];

// Contractions for the friendly tone; pronoun + verb only contract before another word, so
// "where you are." never becomes "where you're.".
const CONTRACTIONS: [RegExp, string][] = [
  [/\bdo not\b/g, "don't"],
  [/\bDo not\b/g, "Don't"],
  [/\bdoes not\b/g, "doesn't"],
  [/\bdid not\b/g, "didn't"],
  [/\bis not\b/g, "isn't"],
  [/\bare not\b/g, "aren't"],
  [/\bwas not\b/g, "wasn't"],
  [/\bhave not\b/g, "haven't"],
  [/\bhas not\b/g, "hasn't"],
  [/\bcannot\b/g, "can't"],
  [/\bCannot\b/g, "Can't"],
  [/\bwill not\b/g, "won't"],
  [/\b(I) am (?=[a-z])/g, "$1'm "],
  [/\b([Ww]e|[Yy]ou|[Tt]hey) are (?=[a-z])/g, "$1're "],
  [/\b([Ww]e|[Yy]ou|[Tt]hey|I) will (?=[a-z])/g, "$1'll "],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function phrasePattern(phrase: string): RegExp {
  const p = phrase.trim();
  const start = /^\w/.test(p) ? '\\b' : '';
  const end = /\w$/.test(p) ? '\\b' : '';
  return new RegExp(`${start}${escapeRegExp(p)}${end}`, 'gi');
}

function usesAvoided(text: string, avoid: string[]): boolean {
  return avoid.some((phrase) => phrase.trim() !== '' && phrasePattern(phrase).test(text));
}

function pick(variants: string[], avoid: string[]): string | undefined {
  return variants.find((v) => !usesAvoided(v, avoid));
}

/** Rewrites text into the tone: formal expands contractions, friendly contracts common pairs. */
export function applyTone(text: string, tone: Tone): string {
  if (tone === 'formal') return EXPANSIONS.reduce((t, [re, to]) => t.replace(re, to), text);
  if (tone === 'friendly') return CONTRACTIONS.reduce((t, [re, to]) => t.replace(re, to), text);
  return text;
}

/** Cleans up a sentence a phrase was cut out of: spacing, stray punctuation, capital letter. */
function tidy(sentence: string): string {
  const t = sentence
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([,.;:!?])/g, '$1')
    .replace(/([,;:])(?=[,.;:!?])/g, '')
    .replace(/\(\s*\)/g, '')
    .replace(/^[\s,;:—–-]+/, '')
    .trim();
  if (!/[\p{L}\p{N}]/u.test(t)) return '';
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/**
 * Removes every avoided word or phrase (case-insensitive, whole words) and repairs the
 * sentences it was cut from; sentences left without content disappear.
 */
export function removeAvoided(text: string, avoid: string[]): string {
  const phrases = avoid.map((a) => a.trim()).filter(Boolean);
  if (phrases.length === 0 || !usesAvoided(text, phrases)) return text;
  return splitSentences(text)
    .map((s) => {
      if (!usesAvoided(s, phrases)) return s;
      return tidy(phrases.reduce((t, p) => t.replace(phrasePattern(p), ' '), s));
    })
    .filter(Boolean)
    .join(' ');
}

/** The voice's "I don't have information about that" reply. */
export function abstentionText(voice: Voice): string {
  return pick(ABSTENTIONS[voice.tone], voice.avoid) ?? '';
}

/**
 * Wraps a body in the voice: greeting or persona introduction on the first turn, the tone's
 * opener, the body in the tone, the sign-off on answers that complete a request; avoided
 * phrases removed last so nothing, body included, uses them.
 */
export function inVoice(voice: Voice, body: string, options: VoiceOptions = {}): string {
  const parts: string[] = [];
  let opened = false;
  if (options.firstTurn) {
    if (voice.greeting) {
      parts.push(voice.greeting.trim());
      opened = true;
    } else if (voice.persona) {
      const intro = INTRODUCTIONS[voice.tone].map((f) => f(voice.persona!.trim()));
      const chosen = pick(intro, voice.avoid);
      if (chosen) {
        parts.push(chosen);
        opened = true;
      }
    }
  }
  if (!opened && !options.abstained) {
    const opener = pick(OPENERS[voice.tone], voice.avoid);
    if (opener) parts.push(opener);
  }
  parts.push(body.trim());
  if (voice.signoff && !options.abstained) parts.push(voice.signoff.trim());
  const text = applyTone(parts.filter(Boolean).join(' '), voice.tone);
  return removeAvoided(text, voice.avoid);
}
