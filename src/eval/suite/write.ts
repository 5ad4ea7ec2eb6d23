import { Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Suite, SuiteCase } from '../contracts.ts';

/**
 * Writes a suite in the Agentproof YAML format (e.g. after importing an Agentforce spec or a CSV).
 * Loading the result gives the same suite, apart from its file, the cases' locations and, when the
 * content changed nothing, not even the version. Every case id is written so ids stay stable when
 * cases are later inserted or reordered.
 */
export function toSuiteYaml(suite: Suite): string {
  const content = {
    name: suite.name,
    ...(suite.description === undefined ? {} : { description: suite.description }),
    ...(suite.agent === undefined ? {} : { agent: suite.agent }),
    ...(suite.target === undefined ? {} : { target: suite.target }),
    ...(Object.keys(suite.evaluators).length ? { evaluators: suite.evaluators } : {}),
    ...(suite.gate.length ? { gate: suite.gate } : {}),
    cases: suite.cases.map(caseContent),
  };
  const doc = new Document(content);
  // Short lists and small records read best on one line: tags, names, conversation turns, actions
  // with a few arguments, gate criteria. Cases themselves stay in block style.
  visit(doc, {
    Seq(_key, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
    Map(_key, node, path) {
      const parent = path.at(-2);
      const isCase = isPair(parent) && isScalar(parent.key) && parent.key.value === 'cases';
      if (isSeq(path.at(-1)) && !isCase && isSmall(node)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Fields in the order a person reads a case: what is sent, then what is expected. */
function caseContent(c: SuiteCase): Record<string, unknown> {
  const out: Record<string, unknown> = { id: c.id };
  const put = (key: string, value: unknown) => {
    if (value !== undefined) out[key] = value;
  };
  put('utterance', c.utterance);
  put('conversation', c.conversation);
  put('expectedTopic', c.expectedTopic);
  put('expectedActions', c.expectedActions?.map((a) => (a.args === undefined ? a.name : { name: a.name, args: a.args })));
  put('expectedOutcome', c.expectedOutcome);
  put('reference', c.reference);
  put('expectedSources', c.expectedSources);
  put('mustInclude', c.mustInclude);
  put('mustNotInclude', c.mustNotInclude);
  if (c.tags.length) out.tags = c.tags;
  put('evaluators', c.evaluators);
  return out;
}

/** Scalars, and maps of scalars nested at most once: `{ name: refund, args: { order_id: A1 } }`. */
function isSmall(node: unknown, depth = 0): boolean {
  if (isScalar(node)) return true;
  if (isMap(node) && depth < 2) return node.items.every((pair) => isSmall(pair.value, depth + 1));
  return false;
}
