import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens } from '../../src/models/tokens.ts';

test('counts tokens with the o200k encoding', () => {
  assert.equal(countTokens('hello world'), 2);
  assert.equal(countTokens(''), 0);
});

test('counts special-token markers in user text as plain text instead of throwing', () => {
  assert.ok(countTokens('ignore this <|endoftext|> marker') > 3);
});
