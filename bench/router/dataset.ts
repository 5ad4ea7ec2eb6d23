/**
 * Assembles the router benchmark: about 10,000 training and 2,000 test utterances over 80 intents of
 * a banking, retail, travel and IT help-desk assistant, deterministically from a seed.
 *
 * Each intent has hand-written templates with alternatives `(a|b|)` and slots `{product}`. Every
 * fourth template is held out of training: about half of each intent's test utterances come from
 * those (phrasings the model never saw), the rest from the training templates but never a text
 * that is in the training split (other slot values and wording). Intents of a domain share
 * their nouns (card, order, flight, password) and verbs across domains are shared too (cancel,
 * refund, lost, change), so no single keyword separates the classes. Greetings, politeness, casing
 * and a few typos are added the way people type.
 *
 *   node bench/router/dataset.ts --out DIR   writes DIR/train.csv and DIR/test.csv
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LabeledText } from '../../src/models/local/contracts.ts';
import { rng } from '../../src/core/random.ts';
import { BANKING } from './intents/banking.ts';
import { HELPDESK } from './intents/helpdesk.ts';
import { RETAIL } from './intents/retail.ts';
import { SLOTS } from './intents/slots.ts';
import { TRAVEL } from './intents/travel.ts';

export interface IntentSpec {
  name: string;
  templates: string[];
}

export const INTENTS: IntentSpec[] = [...BANKING, ...RETAIL, ...TRAVEL, ...HELPDESK];

const PREFIXES = ['', '', '', '', 'hi, ', 'hello ', 'hey, ', 'hi there. ', 'excuse me, ', 'quick question: ', 'good morning, ', 'um ', 'so ', 'ok so '];
const SUFFIXES = ['', '', '', '', '?', '.', ' please', ' thanks', ' thank you', '!', ' asap', ' pls', ' - can you help?', ' thx'];

export interface DatasetOptions {
  seed?: number;
  trainPerIntent?: number;
  testPerIntent?: number;
}

export interface TestUtterance extends LabeledText {
  /** `new`: from a template held out of training; `seen`: a training template with other fillers. */
  phrasing: 'new' | 'seen';
}

export function assembleDataset(options: DatasetOptions = {}): { train: LabeledText[]; test: TestUtterance[] } {
  const random = rng(options.seed ?? 1);
  const trainPer = options.trainPerIntent ?? 125;
  const testPer = options.testPerIntent ?? 25;
  const newPer = Math.ceil(testPer / 2);
  const train: LabeledText[] = [];
  const test: TestUtterance[] = [];
  for (const intent of INTENTS) {
    const trainTemplates = intent.templates.filter((_, i) => i % 4 !== 3);
    const testTemplates = intent.templates.filter((_, i) => i % 4 === 3);
    const seen = new Set<string>();
    train.push(...sample(intent.name, trainTemplates, trainPer, random, seen));
    for (const row of sample(intent.name, testTemplates, newPer, random, seen)) test.push({ ...row, phrasing: 'new' });
    for (const row of sample(intent.name, trainTemplates, testPer - newPer, random, seen)) test.push({ ...row, phrasing: 'seen' });
  }
  return { train, test };
}

/** Draws `count` utterances whose normalised text is not yet in `seen` (and adds them to it). */
function sample(label: string, templates: string[], count: number, random: () => number, seen: Set<string>): LabeledText[] {
  const out: LabeledText[] = [];
  for (let attempt = 0; out.length < count && attempt < count * 50; attempt++) {
    const template = templates[attempt % templates.length];
    const text = decorate(expand(template, random), random);
    const key = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ text, label });
  }
  if (out.length < count) throw new Error(`intent ${label}: templates yield only ${out.length} distinct utterances, need ${count}`);
  return out;
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

/** Fills `(a|b)` alternatives (innermost first, so they may nest) and `{slot}` values. */
export function expand(template: string, random: () => number): string {
  let text = template;
  const group = /\(([^()]*)\)/;
  for (let m = group.exec(text); m; m = group.exec(text)) {
    text = text.slice(0, m.index) + pick(m[1].split('|'), random) + text.slice(m.index + m[0].length);
  }
  // Slot values may hold slots themselves ("flight to {city}"), hence the loop.
  for (let depth = 0; depth < 3 && text.includes('{'); depth++) {
    text = text.replace(/\{(\w+)\}/g, (_, slot: string) => {
      const values = SLOTS[slot];
      if (!values) throw new Error(`unknown slot {${slot}} in template: ${template}`);
      return pick(values, random);
    });
  }
  return text.replace(/\s+/g, ' ').trim();
}

function decorate(text: string, random: () => number): string {
  let s = pick(PREFIXES, random) + text + pick(SUFFIXES, random);
  const r = random();
  if (r < 0.35) s = s.toLowerCase();
  else if (r < 0.75) s = s[0].toUpperCase() + s.slice(1);
  if (random() < 0.06) s = typo(s, random);
  return s;
}

/** Swaps two neighbouring letters inside one longer word. */
function typo(text: string, random: () => number): string {
  const words = text.split(' ');
  const candidates = words.map((w, i) => [w, i] as const).filter(([w]) => /^[a-z]{5,}$/i.test(w));
  if (!candidates.length) return text;
  const [word, i] = pick(candidates, random);
  const at = 1 + Math.floor(random() * (word.length - 3));
  words[i] = word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  return words.join(' ');
}

export function toCsv(rows: LabeledText[]): string {
  const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `text,label\n${rows.map((r) => `${cell(r.text)},${cell(r.label)}`).join('\n')}\n`;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string' } } });
  if (!values.out) {
    process.stderr.write('usage: node bench/router/dataset.ts --out DIR [--seed N]\n');
    process.exit(2);
  }
  const { train, test } = assembleDataset({ seed: values.seed ? Number(values.seed) : 1 });
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'train.csv'), toCsv(train));
  writeFileSync(join(values.out, 'test.csv'), toCsv(test.map(({ text, label }) => ({ text, label }))));
  process.stdout.write(`wrote ${train.length} training and ${test.length} test utterances over ${INTENTS.length} intents to ${values.out}\n`);
}
