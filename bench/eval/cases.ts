/**
 * The cases of bench/eval, shared by the Agentproof run and the promptfoo run so both send the same
 * messages and check the same things: the reply must include two phrases (case-insensitive) and
 * match an order-number pattern. The scripted server always answers ANSWER, so every case passes;
 * a case that does not says the run measured something other than intended.
 */

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

/** Zero-padded, so ids sort in case order. */
export function caseId(i: number): string {
  return `case-${String(i + 1).padStart(6, '0')}`;
}
