import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InputError, type ErrorIssue } from '../../src/core/errors.ts';
import { loadAgent, loadAgentsDir, parseAgent, resolveAgentRef } from '../../src/agent/load.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/acme-support');

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'agentproof-load-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Parses agent text and returns the issues it was rejected with. */
async function issuesOf(text: string): Promise<ErrorIssue[]> {
  const file = path.join(tmp, 'inline', 'agent.yaml');
  try {
    await parseAgent(text, file);
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    for (const issue of err.issues) assert.equal(issue.file, file);
    return err.issues;
  }
  assert.fail('the agent was accepted');
}

function issueAt(issues: ErrorIssue[], fieldPath: string): ErrorIssue {
  const found = issues.find((i) => i.path === fieldPath);
  assert.ok(found, `no issue for ${fieldPath}; got ${JSON.stringify(issues)}`);
  return found;
}

const MINIMAL = `name: mini
description: A small agent.
topics:
  - name: greet
    description: Greetings.
    examples: [hello, hi there]
`;

async function copyExample(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await cp(EXAMPLE, dir, { recursive: true });
  return dir;
}

describe('loadAgent', () => {
  test('loads the Acme example with its topics, actions and defaults', async () => {
    const agent = await loadAgent(EXAMPLE);
    assert.equal(agent.file, path.join(EXAMPLE, 'agent.yaml'));
    assert.equal(agent.dir, EXAMPLE);
    assert.equal(agent.definition.name, 'acme-support');
    assert.match(agent.version, /^[0-9a-f]{16}$/);
    assert.deepEqual(
      agent.definition.topics.map((t) => t.name),
      ['order_status', 'returns', 'billing', 'product_questions', 'shipping', 'account'],
    );
    for (const topic of agent.definition.topics) assert.ok(topic.examples.length >= 10, `${topic.name} has ${topic.examples.length} examples`);
    const returns = agent.definition.actions.find((a) => a.name === 'create_return');
    assert.equal(returns?.approval, 'required');
    assert.equal(agent.definition.actions.find((a) => a.name === 'lookup_order')?.approval, 'none');
    assert.equal(agent.definition.models.route, 'local/router');
  });

  test('gives the same version to the same content loaded twice', async () => {
    const [a, b] = await Promise.all([loadAgent(EXAMPLE), loadAgent(path.join(EXAMPLE, 'agent.yaml'))]);
    assert.equal(a.version, b.version);
  });

  test('keeps the version when only comments and formatting change', async () => {
    const dir = await copyExample('reformatted');
    const file = path.join(dir, 'agent.yaml');
    const before = await loadAgent(dir);
    await writeFile(file, `# a comment\n\n${(await readFile(file, 'utf8')).replace('tone: friendly', 'tone:    friendly   # why')}`);
    assert.equal((await loadAgent(dir)).version, before.version);
  });

  test('makes a new version when a topic example changes', async () => {
    const dir = await copyExample('example-changed');
    const file = path.join(dir, 'agent.yaml');
    const before = await loadAgent(dir);
    await writeFile(file, (await readFile(file, 'utf8')).replace('- Where is my order?', '- Where is my order now?'));
    const after = await loadAgent(dir);
    assert.notEqual(after.version, before.version);
  });

  test('makes a new version when an action module changes', async () => {
    const dir = await copyExample('module-changed');
    const module = path.join(dir, 'actions', 'orders.ts');
    const before = await loadAgent(dir);
    await writeFile(module, `${await readFile(module, 'utf8')}\n// a change in behaviour\n`);
    const after = await loadAgent(dir);
    assert.notEqual(after.version, before.version);
    assert.deepEqual(after.definition, before.definition);
  });

  test('reports a YAML syntax error with its line', async () => {
    const issues = await issuesOf('name: mini\ndescription: A small agent.\ntopics:\n  - name: greet\n    examples: [hello, hi\n');
    assert.ok(issues.length >= 1);
    assert.match(issues[0].message, /^YAML syntax: /);
    assert.ok(issues[0].line && issues[0].line >= 5, `line ${issues[0].line}`);
  });

  test('reports a duplicate key as a YAML error on the second occurrence', async () => {
    const issues = await issuesOf(`${MINIMAL}name: again\n`);
    assert.equal(issues.length, 1);
    assert.equal(issues[0].line, 7);
    assert.match(issues[0].message, /unique/);
  });

  test('reports an empty file', async () => {
    const issues = await issuesOf('# nothing here yet\n');
    assert.equal(issues.length, 1);
    assert.equal(issues[0].line, 1);
    assert.match(issues[0].message, /empty/);
  });

  test('reports a root that is not a mapping', async () => {
    const issues = await issuesOf('- name: mini\n');
    assert.match(issues[0].message, /mapping/);
  });

  test('reports a wrong type at the line of the value with its field path', async () => {
    const issues = await issuesOf(MINIMAL.replace('examples: [hello, hi there]', 'examples: [hello, 42]'));
    const issue = issueAt(issues, 'topics[0].examples[1]');
    assert.equal(issue.line, 6);
    assert.equal(issue.column, 23);
    assert.match(issue.message, /expected string/);
  });

  test('reports an unknown key at the key itself', async () => {
    const issues = await issuesOf(MINIMAL.replace('    description: Greetings.\n', '    description: Greetings.\n    utterances: [hey]\n'));
    const issue = issueAt(issues, 'topics[0].utterances');
    assert.deepEqual([issue.line, issue.column], [6, 5]);
    assert.equal(issue.message, 'unknown field "utterances"');
  });

  test('reports a missing required field at the map that should hold it', async () => {
    const issues = await issuesOf(MINIMAL.replace('    description: Greetings.\n', ''));
    const issue = issueAt(issues, 'topics[0].description');
    assert.equal(issue.line, 4);
    assert.match(issue.message, /missing required field "description"/);
  });

  test('reports a topic that names an unknown action', async () => {
    const issues = await issuesOf(`${MINIMAL}    actions: [lookup_order]\n`);
    const issue = issueAt(issues, 'topics[0].actions[0]');
    assert.equal(issue.line, 7);
    assert.equal(issue.message, 'unknown action "lookup_order"');
  });

  test('reports several problems together, in line order', async () => {
    const text = [
      'name: Mini Agent', // 1: bad name
      'description: A small agent.',
      'colour: blue', // 3: unknown key
      'voice:',
      '  tone: grumpy', // 5: bad enum
      'topics:',
      '  - name: greet',
      '    description: Greetings.',
      '    actions: [wave]', // 9: unknown action
      'fallback:',
      '  threshold: 1.5', // 11: too big
      '',
    ].join('\n');
    const issues = await issuesOf(text);
    assert.deepEqual(
      issues.map((i) => [i.line, i.path]),
      [
        [1, 'name'],
        [3, 'colour'],
        [5, 'voice.tone'],
        [9, 'topics[0].actions[0]'],
        [11, 'fallback.threshold'],
      ],
    );
  });

  test('reports an action input that is not a valid JSON Schema object', async () => {
    const text = `${MINIMAL}actions:
  - name: ping
    description: Pings.
    input:
      type: object
      properties:
        host: { type: text }
    implementation: { type: http, url: "https://example.com/ping" }
  - name: pong
    description: Pongs.
    input: { type: array }
    implementation: { type: http, url: "https://example.com/pong" }
`;
    const issues = await issuesOf(text);
    const badType = issueAt(issues, 'actions[0].input.properties.host.type');
    assert.equal(badType.line, 13);
    assert.match(badType.message, /invalid JSON Schema/);
    assert.match(issueAt(issues, 'actions[1].input.type').message, /type: object/);
  });

  test('reports a missing module file and a missing knowledge path, relative to the agent file', async () => {
    const text = `${MINIMAL}actions:
  - name: ping
    description: Pings.
    implementation: { type: module, module: actions/ping.ts }
knowledge:
  - name: faq
    path: docs/faq.md
`;
    const issues = await issuesOf(text);
    assert.match(issueAt(issues, 'actions[0].implementation.module').message, new RegExp(`not found: ${path.join(tmp, 'inline', 'actions', 'ping.ts')}`));
    assert.equal(issueAt(issues, 'knowledge[0].path').line, 13);
  });

  test('rejects a webhook URL that is not http or https', async () => {
    const text = `${MINIMAL}actions:
  - name: ping
    description: Pings.
    implementation: { type: http, url: "ftp://example.com/ping" }
`;
    assert.match(issueAt(await issuesOf(text), 'actions[0].implementation.url').message, /http/);
  });

  test('names the file when the path does not exist', async () => {
    await assert.rejects(loadAgent(path.join(tmp, 'nope')), (err: unknown) => err instanceof InputError && err.message.includes(path.join(tmp, 'nope')));
  });
});

describe('loadAgentsDir', () => {
  test('loads every agent one level down and returns broken ones as errors', async () => {
    const dir = path.join(tmp, 'agents-dir');
    await mkdir(path.join(dir, 'mini'), { recursive: true });
    await mkdir(path.join(dir, 'broken'), { recursive: true });
    await mkdir(path.join(dir, 'notes'), { recursive: true });
    await writeFile(path.join(dir, 'mini', 'agent.yaml'), MINIMAL);
    await writeFile(path.join(dir, 'broken', 'agent.yaml'), 'name: broken\n');
    await cp(EXAMPLE, path.join(dir, 'acme'), { recursive: true });
    const { agents, errors } = await loadAgentsDir(dir);
    assert.deepEqual(agents.map((a) => a.definition.name).sort(), ['acme-support', 'mini']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].issues[0].file, path.join(dir, 'broken', 'agent.yaml'));
  });
});

describe('resolveAgentRef', () => {
  test('accepts a path to the file, a path to the folder, or a name under the agents folder', async () => {
    const byFile = await resolveAgentRef(path.join(EXAMPLE, 'agent.yaml'));
    const byFolder = await resolveAgentRef(EXAMPLE);
    const byName = await resolveAgentRef('acme-support', path.dirname(EXAMPLE));
    assert.equal(byFolder.version, byFile.version);
    assert.equal(byName.version, byFile.version);
  });

  test('lists the available agents for an unknown name', async () => {
    await assert.rejects(resolveAgentRef('globex', path.dirname(EXAMPLE)), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /unknown agent "globex"; available: .*acme-support/);
      return true;
    });
  });
});
