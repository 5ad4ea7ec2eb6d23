/**
 * What surrounds model calls made on behalf of a batch run, without threading it through the
 * runtime: a response cache and per-provider concurrency limits, carried by AsyncLocalStorage from
 * the runner to every callModel inside a case (agent steps, rewrites, judges).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { canonicalJson, sha256 } from '../core/ids.ts';
import type { Queryable } from '../store/db.ts';
import type { CallModelOptions, ModelStepResult } from './call.ts';

export interface ModelCache {
  get(key: string): Promise<ModelStepResult | null>;
  set(key: string, model: string, result: ModelStepResult): Promise<void>;
}

export interface ModelCallScope {
  cache?: ModelCache;
  limiter?: ProviderLimiter;
}

const storage = new AsyncLocalStorage<ModelCallScope>();

export function withModelScope<T>(scope: ModelCallScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

export function modelScope(): ModelCallScope | undefined {
  return storage.getStore();
}

/** Everything that decides a model's answer: the model, the prompt, the tools and the sampling settings. */
export function cacheKey(options: CallModelOptions): string {
  return sha256(canonicalJson({
    model: options.handle.ref,
    system: options.system ?? null,
    messages: options.messages,
    tools: options.tools ?? null,
    temperature: options.temperature ?? null,
    maxOutputTokens: options.maxOutputTokens ?? null,
  }));
}

/** Responses in the store, per project. */
export function storeCache(q: Queryable, projectId: string): ModelCache {
  return {
    async get(key) {
      const rows = await q.query<{ response: ModelStepResult }>(
        `UPDATE model_cache SET hits = hits + 1 WHERE project_id = $1 AND key = $2 RETURNING response`,
        [projectId, key],
        { prepare: true },
      );
      return rows[0]?.response ?? null;
    },
    async set(key, model, result) {
      await q.query(
        `INSERT INTO model_cache (project_id, key, model, response) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (project_id, key) DO UPDATE SET response = EXCLUDED.response, created_at = now()`,
        [projectId, key, model, JSON.stringify(result)],
        { prepare: true },
      );
    },
  };
}

/**
 * At most `limits[provider]` calls in flight per provider; others wait their turn in order. A
 * provider without a limit is not held back. Retries happen inside a slot, so backing off from a
 * 429 also slows the others down.
 */
export class ProviderLimiter {
  private readonly limits: Map<string, number>;
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(limits: Record<string, number>) {
    for (const [provider, n] of Object.entries(limits)) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`the concurrency limit of ${provider} must be a whole number ≥ 1, got ${n}`);
    }
    this.limits = new Map(Object.entries(limits));
  }

  async run<T>(provider: string, fn: () => Promise<T>): Promise<T> {
    const limit = this.limits.get(provider);
    if (limit === undefined) return fn();
    if ((this.active.get(provider) ?? 0) >= limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(provider);
        if (queue) queue.push(resolve);
        else this.waiting.set(provider, [resolve]);
      });
    } else {
      this.active.set(provider, (this.active.get(provider) ?? 0) + 1);
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.get(provider)?.shift();
      // The slot passes straight to the next waiter, so the count stays as it is.
      if (next) next();
      else this.active.set(provider, (this.active.get(provider) ?? 1) - 1);
    }
  }
}
