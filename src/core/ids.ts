import { createHash, randomUUID } from 'node:crypto';

export type IdPrefix = 'sess' | 'turn' | 'trc' | 'spn' | 'msg' | 'apr' | 'prj' | 'chatcmpl' | 'run';

/** Prefixed random ids: the prefix tells a person what kind of record an id names. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** Stable JSON: object keys sorted, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Content hash of any JSON value, shortened for display but long enough to never collide in practice. */
export function contentHash(value: unknown): string {
  return sha256(canonicalJson(value)).slice(0, 16);
}
