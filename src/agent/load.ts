import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap } from 'yaml';
import { InputError, errorMessage, type ErrorIssue } from '../core/errors.ts';
import { formatPath, issuesFromZod, parseYamlSource, throwIssues, type Locate, type Segment } from '../core/input-issues.ts';
import { contentHash, sha256 } from '../core/ids.ts';
import { agentDefinitionSchema, type AgentDefinition } from './schema.ts';
import { createAjv } from './actions/invoke.ts';

/** One version of an agent: the parsed, defaulted definition and the hash that names it. */
export interface LoadedAgent {
  definition: AgentDefinition;
  /** Content hash of the definition and of the action module sources it runs. */
  version: string;
  /** Absolute path of the agent file. */
  file: string;
  /** Absolute folder of the agent file; relative paths in the definition start here. */
  dir: string;
}

export const AGENT_FILE = 'agent.yaml';

/** Loads an agent file, or the agent.yaml in a folder; every problem is reported at once with file, line and field. */
export async function loadAgent(pathOrDir: string): Promise<LoadedAgent> {
  const file = await agentFileAt(pathOrDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read agent file ${file}: ${errorMessage(err)}`, [{ file, message: errorMessage(err) }]);
  }
  return parseAgent(text, file);
}

/** Parses agent file text; `file` names it in issues and anchors relative paths. */
export async function parseAgent(text: string, file: string): Promise<LoadedAgent> {
  file = path.resolve(file);
  const dir = path.dirname(file);
  const { doc, at, locate, syntaxIssues, empty } = parseYamlSource(text, file);
  const fail = (issues: ErrorIssue[]): never => throwIssues(`invalid agent definition ${file}`, issues);

  if (syntaxIssues.length) fail(syntaxIssues);
  if (empty) fail([{ file, line: 1, column: 1, message: 'the file is empty: an agent needs at least name, description and topics' }]);
  if (!isMap(doc.contents)) {
    fail([{ ...at(doc.contents?.range?.[0] ?? 0), message: 'the file must be a mapping of fields (name, description, topics, ...)' }]);
  }

  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const parsed = agentDefinitionSchema.safeParse(raw);
  const issues: ErrorIssue[] = parsed.success ? [] : issuesFromZod(parsed.error.issues, locate);
  issues.push(...(await checkReferences(raw, dir, locate)));
  if (!parsed.success || issues.length) fail(issues);

  const definition = parsed.data as AgentDefinition;
  return { definition, version: await versionOf(definition, dir), file, dir };
}

/**
 * The version hash covers what changes behaviour: the defaulted definition (minus the editor-only
 * `$schema`) and the source of every action module, so editing a module makes a new version.
 */
async function versionOf(definition: AgentDefinition, dir: string): Promise<string> {
  const { $schema: _editorOnly, ...content } = definition;
  const sources: Record<string, string> = {};
  for (const action of definition.actions) {
    if (action.implementation.type !== 'module') continue;
    sources[action.implementation.module] = sha256(await readFile(path.resolve(dir, action.implementation.module)));
  }
  return contentHash({ definition: content, sources });
}

/** Checks the schema cannot express: action inputs are JSON Schemas, referenced files exist. */
async function checkReferences(raw: unknown, dir: string, locate: Locate): Promise<ErrorIssue[]> {
  const issues: ErrorIssue[] = [];
  const issue = (segments: Segment[], message: string) => {
    const { found: _found, ...where } = locate(segments);
    issues.push({ ...where, path: formatPath(segments), message });
  };
  const root = asRecord(raw);
  const actions = Array.isArray(root?.actions) ? root.actions : [];
  const ajv = createAjv();
  for (const [i, entry] of actions.entries()) {
    const action = asRecord(entry);
    const input = action?.input;
    if (input !== undefined && asRecord(input)) {
      const schema = input as Record<string, unknown>;
      if (schema.type !== 'object') issue(['actions', i, 'input', ...(schema.type === undefined ? [] : ['type'])], 'must be a JSON Schema with type: object');
      if (!ajv.validateSchema(schema)) {
        // The meta-schema reports one mistake several ways (enum, then anyOf); the first says most.
        const reported = new Set<string>();
        for (const e of ajv.errors ?? []) {
          if (reported.has(e.instancePath)) continue;
          reported.add(e.instancePath);
          const allowed = e.keyword === 'enum' ? ` (one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
          issue(['actions', i, 'input', ...pointerSegments(e.instancePath)], `invalid JSON Schema: ${e.message ?? 'invalid'}${allowed}`);
        }
      } else {
        try {
          ajv.compile(schema);
        } catch (err) {
          issue(['actions', i, 'input'], `invalid JSON Schema: ${errorMessage(err)}`);
        }
      }
    }
    const impl = asRecord(action?.implementation);
    if (impl?.type === 'module' && typeof impl.module === 'string' && impl.module) {
      if (!(await isFile(path.resolve(dir, impl.module)))) issue(['actions', i, 'implementation', 'module'], `module file not found: ${path.resolve(dir, impl.module)}`);
    }
  }
  const knowledge = Array.isArray(root?.knowledge) ? root.knowledge : [];
  for (const [i, entry] of knowledge.entries()) {
    const source = asRecord(entry);
    if (typeof source?.path === 'string' && source.path) {
      const full = path.resolve(dir, source.path);
      if (!(await stat(full).catch(() => null))) issue(['knowledge', i, 'path'], `knowledge path not found: ${full}`);
    }
  }
  return issues;
}

/** JSON Pointer (`/properties/order_id/type`) → path segments. */
function pointerSegments(pointer: string): Segment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

async function agentFileAt(pathOrDir: string): Promise<string> {
  const full = path.resolve(pathOrDir);
  const info = await stat(full).catch(() => null);
  if (!info) throw new InputError(`no agent file or folder at ${full}`, [{ file: full, message: 'not found' }]);
  if (!info.isDirectory()) return full;
  const file = path.join(full, AGENT_FILE);
  if (!(await isFile(file))) throw new InputError(`folder ${full} has no ${AGENT_FILE}`, [{ file, message: 'not found' }]);
  return file;
}

/**
 * Every agent in a folder: `agent.yaml` at its root and `<name>/agent.yaml` one level down. Broken
 * agents come back as errors so one bad file does not hide the others.
 */
export async function loadAgentsDir(dir: string): Promise<{ agents: LoadedAgent[]; errors: InputError[] }> {
  const root = path.resolve(dir);
  const entries = await readdir(root, { withFileTypes: true }).catch((err: unknown) => {
    throw new InputError(`cannot read agents folder ${root}: ${errorMessage(err)}`, [{ file: root, message: errorMessage(err) }]);
  });
  const files = [path.join(root, AGENT_FILE), ...entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name)).map((e) => path.join(root, e.name, AGENT_FILE))];
  const agents: LoadedAgent[] = [];
  const errors: InputError[] = [];
  const byName = new Map<string, LoadedAgent>();
  for (const file of files) {
    if (!(await isFile(file))) continue;
    try {
      const agent = await loadAgent(file);
      const clash = byName.get(agent.definition.name);
      if (clash) {
        errors.push(new InputError(`two agents are named "${agent.definition.name}": ${clash.file} and ${file}`, [{ file, path: 'name', message: `already used by ${clash.file}` }]));
        continue;
      }
      byName.set(agent.definition.name, agent);
      agents.push(agent);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  return { agents, errors };
}

/** Whether an AGENT argument is written as a path (it has a separator or a YAML extension) rather than a name. */
export const isAgentPath = (ref: string): boolean => /[\\/]|\.ya?ml$/.test(ref);

/** The name of the agent an AGENT argument means: read from its file when given as a path. */
export async function agentNameOf(ref: string, agentsDir?: string): Promise<string> {
  return isAgentPath(ref) ? (await resolveAgentRef(ref, agentsDir)).definition.name : ref;
}

/** AGENT as every command takes it: a path to an agent file or its folder, or an agent's name under agentsDir. */
export async function resolveAgentRef(ref: string, agentsDir?: string): Promise<LoadedAgent> {
  if (await stat(path.resolve(ref)).catch(() => null)) return loadAgent(ref);
  if (!agentsDir) {
    throw new InputError(`no agent file or folder at ${path.resolve(ref)} (pass --agents DIR to look agents up by name)`, [{ path: 'agent', message: `not found: ${ref}` }]);
  }
  if (!(await stat(path.resolve(agentsDir)).catch(() => null))?.isDirectory()) {
    throw new InputError(`no agent file or folder at ${path.resolve(ref)}, and no agents folder at ${path.resolve(agentsDir)} to look "${ref}" up by name`, [
      { path: 'agent', message: `not found: ${ref}` },
    ]);
  }
  // A folder named like the agent is the common layout; its own errors are the useful ones.
  const named = path.join(path.resolve(agentsDir), ref, AGENT_FILE);
  if (!ref.includes('/') && (await isFile(named))) {
    const agent = await loadAgent(named);
    if (agent.definition.name === ref) return agent;
  }
  const { agents, errors } = await loadAgentsDir(agentsDir);
  const match = agents.find((a) => a.definition.name === ref);
  if (match) return match;
  const names = agents.map((a) => a.definition.name);
  const available = names.length ? `available: ${names.join(', ')}` : `no valid agents in ${path.resolve(agentsDir)}`;
  const broken = errors.length ? ` (${errors.length} agent file(s) failed to load)` : '';
  throw new InputError(`unknown agent "${ref}"; ${available}${broken}`, [{ path: 'agent', message: `unknown agent "${ref}"; ${available}` }]);
}
