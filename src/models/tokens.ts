import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

// User text may contain strings like "<|endoftext|>"; they are counted as the plain text they are.
const plainText = { disallowedSpecial: new Set<string>() };

/**
 * Token count with the o200k encoding (GPT-4o and later). Exact for those models, an estimate for
 * others; used for the local models (which have no tokenizer of their own to report) and when a
 * provider returns no usage.
 */
export function countTokens(text: string): number {
  if (!text) return 0;
  return countO200k(text, plainText);
}
