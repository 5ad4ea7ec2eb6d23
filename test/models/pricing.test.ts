import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import { costOf, DEFAULT_PRICES, loadPriceTable } from '../../src/models/pricing.ts';

const dir = mkdtempSync(join(tmpdir(), 'agentproof-prices-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function priceFile(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

const defaults = loadPriceTable({ env: {} });
const million = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

describe('costOf', () => {
  test('charges input and output tokens at the model’s price per million', () => {
    assert.deepEqual(costOf('openai/gpt-4o-mini', { inputTokens: 2_000_000, outputTokens: 500_000 }, defaults), { costUsd: 0.6, priced: true });
  });

  test('prices a dated snapshot like its model', () => {
    assert.deepEqual(costOf('anthropic/claude-sonnet-4-5-20250929', million, defaults), costOf('anthropic/claude-sonnet-4-5', million, defaults));
    assert.equal(costOf('openai/gpt-4o-2024-08-06', million, defaults).priced, true);
  });

  test('prices an Azure deployment named after an OpenAI model like that model', () => {
    assert.deepEqual(costOf('azure/gpt-4o', million, defaults), costOf('openai/gpt-4o', million, defaults));
  });

  test('charges nothing for local models', () => {
    assert.deepEqual(costOf('local/router', million, defaults), { costUsd: 0, priced: true });
  });

  test('reports an unknown model as unpriced at zero cost', () => {
    assert.deepEqual(costOf('openai-compatible/llama3', million, defaults), { costUsd: 0, priced: false });
    assert.deepEqual(costOf('openai/gpt-4o-mini-tts', million, defaults), { costUsd: 0, priced: false });
  });
});

describe('loadPriceTable', () => {
  test('lays the AGENTPROOF_PRICES file over the defaults', () => {
    const file = priceFile('ok.json', JSON.stringify({ 'openai/gpt-4o': { input: 1, output: 2 }, 'openai-compatible/*': { input: 0.1, output: 0.2 } }));
    const table = loadPriceTable({ env: { AGENTPROOF_PRICES: file } });
    assert.deepEqual(costOf('openai/gpt-4o', million, table), { costUsd: 3, priced: true });
    assert.deepEqual(costOf('openai-compatible/llama3', million, table), { costUsd: 0.3, priced: true });
    assert.deepEqual(table['openai/gpt-4o-mini'], DEFAULT_PRICES['openai/gpt-4o-mini']);
  });

  test('applies passed-in overrides last', () => {
    const file = priceFile('base.json', JSON.stringify({ 'anthropic/claude-haiku-4-5': { input: 2, output: 2 } }));
    const table = loadPriceTable({ env: { AGENTPROOF_PRICES: file }, overrides: { 'anthropic/claude-haiku-4-5': { input: 4, output: 4 } } });
    assert.equal(costOf('anthropic/claude-haiku-4-5', million, table).costUsd, 8);
  });

  test('names the file and the field of a bad price', () => {
    const file = priceFile('bad.json', JSON.stringify({ 'openai/gpt-4o': { input: -1, output: 2 } }));
    assert.throws(
      () => loadPriceTable({ env: { AGENTPROOF_PRICES: file } }),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.match(err.message, new RegExp(`${file}.*\\["openai/gpt-4o"\\]\\.input`));
        assert.deepEqual(err.issues[0], { file, path: '["openai/gpt-4o"].input', message: 'must be a price in USD per 1M tokens, 0 or more' });
        return true;
      },
    );
  });

  test('rejects a price key that is not provider/model', () => {
    const file = priceFile('key.json', JSON.stringify({ 'gpt-4o': { input: 1, output: 1 } }));
    assert.throws(() => loadPriceTable({ env: { AGENTPROOF_PRICES: file } }), (err: unknown) => err instanceof InputError && err.issues[0].file === file && /\["gpt-4o"\]: must be "provider\/model"/.test(err.message));
  });

  test('rejects an unknown field in an entry', () => {
    assert.throws(
      () => loadPriceTable({ env: {}, overrides: { 'openai/gpt-4o': { input: 1, output: 1, cached: 0.5 } } }),
      (err: unknown) => err instanceof InputError && /invalid price overrides/.test(err.message) && /cached/.test(err.message),
    );
  });

  test('names the file and line of invalid JSON', () => {
    const file = priceFile('broken.json', '{\n  "openai/gpt-4o": { "input": 1, }\n}');
    assert.throws(
      () => loadPriceTable({ env: { AGENTPROOF_PRICES: file } }),
      (err: unknown) => err instanceof InputError && err.issues[0].file === file && err.issues[0].line === 2,
    );
  });

  test('names a price file that does not exist', () => {
    const file = join(dir, 'missing.json');
    assert.throws(() => loadPriceTable({ env: { AGENTPROOF_PRICES: file } }), (err: unknown) => err instanceof InputError && err.message.includes(file) && /AGENTPROOF_PRICES/.test(err.message));
  });
});
