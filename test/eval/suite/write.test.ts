import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Suite } from '../../../src/eval/contracts.ts';
import { loadSuite, parseSuite } from '../../../src/eval/suite/load.ts';
import { toSuiteYaml } from '../../../src/eval/suite/write.ts';
import { FIXTURES, INLINE_DIR } from './helpers.ts';

/** The suite apart from what depends on where it was read: file and case locations. */
function content(suite: Suite): unknown {
  const { file: _file, cases, ...rest } = suite;
  return { ...rest, cases: cases.map(({ location: _location, ...c }) => c) };
}

function roundTrip(suite: Suite): Suite {
  return parseSuite(toSuiteYaml(suite), path.join(INLINE_DIR, 'written.yaml')).suite;
}

describe('toSuiteYaml', () => {
  for (const fixture of ['support.yaml', 'support-smoke.jsonl', 'support-smoke.csv']) {
    test(`writes ${fixture} as YAML that loads back to the same suite, version included`, async () => {
      const { suite } = await loadSuite(path.join(FIXTURES, fixture));
      assert.deepEqual(content(roundTrip(suite)), content(suite));
    });
  }

  test('keeps strings YAML would otherwise read as something else', () => {
    const awkward = ['null', 'true', '123', '0x1F', '2025-05-19', '- dash', 'key: value', '# hash', ' leading space', 'trailing newline\n', 'multi\nline', '"quoted"', "it's", '[not a list]', '*star', '&amp'];
    const suite: Suite = {
      name: 'awkward: yes',
      file: '/x.yaml',
      version: '',
      evaluators: { regex: { options: { pattern: '^\\d+$', nested: { list: [1, 'two'] } } } },
      gate: [{ metric: 'cost_usd', aggregate: 'max', op: '<=', threshold: 0.05, minCases: 1 }],
      cases: awkward.map((s, i) => ({
        id: i === 0 ? '1' : `c${i}`,
        utterance: s,
        expectedTopic: s,
        expectedActions: [{ name: s, args: { [s]: s, n: 1, ok: true, none: null } }],
        mustInclude: [s],
        tags: [s],
        location: { file: '/x.yaml', line: 0 },
      })),
    };
    assert.deepEqual(content(roundTrip(suite)), content({ ...suite, version: roundTrip(suite).version }));
  });

  test('writes off-topic as null, every case id, and short lists on one line', async () => {
    const { suite } = await loadSuite(path.join(FIXTURES, 'support.yaml'));
    const yaml = toSuiteYaml(suite);
    assert.match(yaml, /^ {2}- id: case-2$/m);
    assert.match(yaml, /^ {4}expectedTopic: null$/m);
    assert.match(yaml, /^ {4}tags: \[order_status, action\]$/m);
    assert.match(yaml, /^ {6}- \{name: lookup_order, args: \{order_id: A10244\}\}$/m);
    assert.match(yaml, /^ {6}- \{role: user, content: I want to return my tent\}$/m);
    assert.match(yaml, /^ {2}- \{metric: latency_ms, aggregate: p95, op: <=, threshold: 3000\}$/m);
  });
});
