/**
 * Shapes shared by the offline `local` models and the runtime that calls them.
 */

export interface LabeledText {
  text: string;
  label: string;
}

export interface RouterPrediction {
  label: string;
  /** Probability of the chosen label under the model, 0..1. */
  confidence: number;
  /** Every label with its probability, best first. */
  ranking: { label: string; probability: number }[];
}

export interface Passage {
  /** Stable id of the passage (chunk id, or `action:<name>` for an action result). */
  id: string;
  text: string;
  /** Where it came from, shown with the citation: a document title, a URL, an action name. */
  source: string;
}

export interface Citation {
  /** The `[n]` marker used in the answer text, 1-based. */
  n: number;
  passageId: string;
  source: string;
  /** The passage sentence the cited statement was taken from. */
  quote: string;
}

export interface ExtractiveAnswer {
  text: string;
  citations: Citation[];
  abstained: boolean;
  /** Relevance of each sentence used, for the trace. */
  support: { passageId: string; sentence: string; score: number }[];
}

export interface ArgumentExtraction {
  /** Arguments found, already coerced to the schema's types. */
  args: Record<string, unknown>;
  /** Required properties that could not be found. */
  missing: string[];
  /** A question to ask the user for the first missing property, or null when nothing is missing. */
  question: string | null;
}
