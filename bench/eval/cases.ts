/**
 * The cases of bench/eval, shared by the Agentproof run and the promptfoo run so both send the same
 * messages and check the same things: the reply must include two phrases (case-insensitive) and
 * match an order-number pattern. The scripted server always answers ANSWER, so every case passes;
 * a case that does not says the run measured something other than intended.
 */
import { parseArgs } from 'node:util';

/** What the scripted server replies to every message. */
export const ANSWER = 'Your order A10231 ships on Monday; you will get a tracking link by email.';

/** `contains` (Agentproof) and `icontains-all` (promptfoo). */
export const MUST_INCLUDE = ['ships', 'Monday'];

/** `regex` in both, JavaScript syntax. */
export const PATTERN = 'A\\d{5}';

const templates = [
  (n: number) => `Where is my order A${n}?`,
  (n: number) => `Has order A${n} shipped yet?`,
  (n: number) => `Can you check the status of order A${n} for me`,
  (n: number) => `my package A${n} has not arrived, what happened?`,
];

/** The message of case i (0-based): a different order number every time, four phrasings. */
export function utterance(i: number): string {
  return templates[i % templates.length](10000 + i);
}

/**
 * The arguments every per-run script of the bench takes: the server's URL, how many cases, at what
 * concurrency; and for the Agentproof run, how many times to measure the live heap as it goes.
 */
export function runArgs(): { url: string; cases: number; concurrency: number; liveSamples: number } {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      cases: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '8' },
      'live-samples': { type: 'string', default: '0' },
    },
  });
  if (!values.url) throw new Error('--url of the scripted server is required');
  return { url: values.url, cases: Number(values.cases), concurrency: Number(values.concurrency), liveSamples: Number(values['live-samples']) };
}

/** Zero-padded, so ids sort in case order. */
export function caseId(i: number): string {
  return `case-${String(i + 1).padStart(6, '0')}`;
}
