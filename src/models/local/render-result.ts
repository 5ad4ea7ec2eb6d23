import { splitSentences } from './sentences.ts';

/**
 * Turns an action result (JSON, key/value lines or plain text) into readable sentences, one per
 * field, so the extractive answerer can quote and cite them like any other passage sentence.
 */

const ACRONYMS = new Set(['id', 'url', 'uri', 'eta', 'sku', 'api', 'vat', 'iban', 'pin', 'otp', 'ip', 'sla', 'faq']);
// Fields whose value is itself a message for the user: shown without a "Message:" label.
const MESSAGE_KEYS = new Set(['message', 'summary', 'text', 'answer', 'note', 'detail', 'details']);
// The field that names a list item: "Trail shoes (quantity 1)" reads better than "name Trail shoes, quantity 1".
const NAME_KEYS = ['name', 'title', 'product', 'label', 'description'];
const WRAPPER_KEYS = new Set(['data', 'result', 'results', 'response', 'payload', 'body']);
const KEY_VALUE_LINE = /^\s*([A-Za-z][\w .-]{0,40}?)\s*[:=]\s*(\S.*)$/;

/** `trackingNumber` / `tracking_number` -> `Tracking number`; known acronyms upper-cased. */
export function humanizeKey(key: string): string {
  const parts = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((p) => (ACRONYMS.has(p.toLowerCase()) ? p.toUpperCase() : p.toLowerCase()));
  if (parts.length === 0) return key;
  const [first, ...rest] = parts;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(' ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listJoin(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** A value written inline, inside one sentence. Empty string means "nothing worth saying". */
function inline(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    const items = value.map(inline).filter(Boolean);
    if (items.length === 0) return 'none';
    return value.some(isPlainObject) ? items.join('; ') : listJoin(items);
  }
  if (isPlainObject(value)) {
    const nameKey = Object.keys(value).find((k) => NAME_KEYS.includes(k.toLowerCase()) && typeof value[k] === 'string');
    const fields = Object.entries(value)
      .filter(([k]) => k !== nameKey)
      .map(([k, v]) => {
        const text = inline(v);
        return text ? `${humanizeKey(k).toLowerCase()} ${text}` : '';
      })
      .filter(Boolean)
      .join(', ');
    if (!nameKey) return fields;
    const name = String(value[nameKey]).trim();
    return fields ? `${name} (${fields})` : name;
  }
  return String(value);
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function renderObject(obj: Record<string, unknown>): string[] {
  const entries = Object.entries(obj);
  const only = entries.length === 1 ? entries[0] : undefined;
  if (only && WRAPPER_KEYS.has(only[0].toLowerCase()) && (isPlainObject(only[1]) || Array.isArray(only[1]))) {
    return renderValue(only[1]);
  }
  const out: string[] = [];
  for (const [key, value] of entries) {
    const text = inline(value);
    if (!text) continue;
    if (MESSAGE_KEYS.has(key.toLowerCase()) && typeof value === 'string') out.push(...splitSentences(value).map(sentence));
    else out.push(sentence(`${humanizeKey(key)}: ${text}`));
  }
  return out;
}

function renderValue(value: unknown): string[] {
  if (isPlainObject(value)) return renderObject(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return ['No results.'];
    return value.map(inline).filter(Boolean).map(sentence);
  }
  const text = inline(value);
  return text ? splitSentences(text).map(sentence) : [];
}

/** Renders an action result into sentences, e.g. `{"status":"shipped"}` -> `["Status: shipped."]`. */
export function renderActionResult(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (/^[[{"]/.test(trimmed) || /^(?:-?\d|true$|false$|null$)/.test(trimmed)) {
    try {
      return renderValue(JSON.parse(trimmed));
    } catch {
      // Not JSON after all: fall through to key/value lines and prose.
    }
  }
  const out: string[] = [];
  for (const line of trimmed.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const kv = KEY_VALUE_LINE.exec(line);
    if (kv && !/^https?$/i.test(kv[1])) out.push(sentence(`${humanizeKey(kv[1].trim())}: ${kv[2].trim()}`));
    else out.push(...splitSentences(line).map(sentence));
  }
  return out;
}
