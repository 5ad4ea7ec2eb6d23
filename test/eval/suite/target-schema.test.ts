import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseSuite } from '../../../src/eval/suite/load.ts';
import { toSuiteYaml } from '../../../src/eval/suite/write.ts';
import { INLINE_DIR, issueAt, issuesOf } from './helpers.ts';

const CASES = `cases:
  - utterance: hello
`;

function suiteWith(target: string): string {
  return `name: external\n${target}\n${CASES}`;
}

const HTTP = `target:
  type: http
  url: https://agents.example.com/chat
  headers: { Authorization: "Bearer \${env.AGENT_KEY}" }
  body: { message: "{{utterance}}", history: "{{conversation}}" }
  response: { answer: data.reply, topic: data.topic, actions: "data.tools", sources: "data.citations[0].docs" }`;

describe('suite target', () => {
  test('an http target loads with its defaults and is part of the suite version', () => {
    const { suite } = parseSuite(suiteWith(HTTP), path.join(INLINE_DIR, 'target.yaml'));
    assert.deepEqual(suite.target, {
      type: 'http',
      url: 'https://agents.example.com/chat',
      method: 'POST',
      headers: { Authorization: 'Bearer ${env.AGENT_KEY}' },
      body: { message: '{{utterance}}', history: '{{conversation}}' },
      response: { answer: 'data.reply', topic: 'data.topic', actions: 'data.tools', sources: 'data.citations[0].docs' },
      timeoutMs: 30_000,
      retries: 2,
      multiTurn: 'resend',
    });
    const without = parseSuite(`name: external\n${CASES}`, path.join(INLINE_DIR, 'plain.yaml')).suite;
    assert.notEqual(suite.version, without.version);
  });

  test('an openai target loads, and a suite with a target writes back to YAML unchanged', () => {
    const text = suiteWith('target: { type: openai, baseUrl: "${env.GATEWAY}/v1", model: gpt-4o-mini, apiKeyEnv: OPENAI_API_KEY, system: Be brief. }');
    const { suite } = parseSuite(text, path.join(INLINE_DIR, 'openai.yaml'));
    assert.deepEqual(suite.target, { type: 'openai', baseUrl: '${env.GATEWAY}/v1', model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY', system: 'Be brief.', headers: {}, timeoutMs: 30_000, retries: 2 });
    const again = parseSuite(toSuiteYaml(suite), path.join(INLINE_DIR, 'written.yaml')).suite;
    assert.deepEqual(again.target, suite.target);
    assert.equal(again.version, suite.version);
  });

  test('rejects unknown placeholders, bad URLs and response paths, naming the field and line', () => {
    const issues = issuesOf(
      suiteWith(`target:
  type: http
  url: "agents.example.com/chat"
  body: { message: "{{utterance}}", user: "{{user.id}}" }
  response: { answer: "data..reply" }
  headers: { X-Key: "\${env.1BAD}" }`),
      'bad-target.yaml',
    );
    assert.match(issueAt(issues, 'target.url').message, /"agents\.example\.com\/chat" is not a URL/);
    const placeholder = issueAt(issues, 'target.body.user');
    assert.match(placeholder.message, /unknown placeholder \{\{user\.id\}\}; the placeholders are \{\{utterance\}\}, \{\{conversation\}\}, \{\{session\}\}, \{\{case\.id\}\}/);
    assert.equal(placeholder.line, 5);
    assert.match(issueAt(issues, 'target.response.answer').message, /dotted path/);
    assert.match(issueAt(issues, 'target.headers.X-Key').message, /environment variable name/);
  });

  test('rejects a request that never sends the message, a session without {{session}}, and a GET with a body', () => {
    const silent = issuesOf(suiteWith('target: { type: http, url: "http://h/chat", body: { q: fixed }, response: { answer: a } }'), 'silent.yaml');
    assert.match(issueAt(silent, 'target.body').message, /never sends the message/);
    const session = issuesOf(suiteWith('target: { type: http, url: "http://h/chat", multiTurn: session, body: { q: "{{utterance}}" }, response: { answer: a } }'), 'session.yaml');
    assert.match(issueAt(session, 'target.multiTurn').message, /needs \{\{session\}\}/);
    const get = issuesOf(suiteWith('target: { type: http, method: GET, url: "http://h/chat?q={{utterance}}", body: { q: x }, response: { answer: a } }'), 'get.yaml');
    assert.match(issueAt(get, 'target.body').message, /a GET request has no body/);
  });

  test('rejects an unknown target type and placeholders in an openai target', () => {
    const kind = issuesOf(suiteWith('target: { type: grpc, url: "http://h" }'), 'kind.yaml');
    assert.match(issueAt(kind, 'target.type').message, /type: http or type: openai/);
    const openai = issuesOf(suiteWith('target: { type: openai, baseUrl: "http://h/{{session}}", model: m }'), 'openai.yaml');
    assert.match(issueAt(openai, 'target.baseUrl').message, /placeholders are for http targets/);
  });
});
