import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { PreparedAgent } from '../../agent/runtime/prepared-agent.ts';
import { InputError } from '../../core/errors.ts';
import { declaredSource, ingestPaths, syncAgentKnowledge, type IngestSummary } from '../../knowledge/ingest.ts';
import { sourceStats } from '../../knowledge/inventory.ts';
import { newRouter, type AppDeps } from '../app.ts';
import { ErrorBody, jsonBody } from '../contracts.ts';

/**
 * Largest upload request. Multipart bodies are read whole before they are parsed, so this bounds
 * the memory an upload takes; larger sets of files go in several requests.
 */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

const NameParam = z.object({ name: z.string().min(1).max(200).openapi({ param: { name: 'name', in: 'path' }, example: 'acme-support' }) });

const Counts = z.object({ added: z.number(), changed: z.number(), unchanged: z.number(), removed: z.number() });
const Problem = z.object({ file: z.string(), reason: z.string() });
const SourceSummary = z.object({
  name: z.string(),
  documents: Counts,
  chunks: z.number().openapi({ description: 'Chunks written by this run.' }),
  bytes: z.number(),
  failed: z.array(Problem),
  ignored: z.array(Problem),
  stored: z.object({ documents: z.number(), chunks: z.number() }),
});
const IngestSummarySchema = z
  .object({
    agent: z.string(),
    sources: z.array(SourceSummary),
    documents: Counts,
    chunks: z.number(),
    failed: z.array(Problem).openapi({ description: 'Files that could not be ingested, each with the reason; the others were.' }),
    ignored: z.array(Problem).openapi({ description: 'Files inside folders skipped for their type.' }),
    bytes: z.number(),
    seconds: z.number(),
    embedding: z.object({ model: z.string(), tokens: z.number(), costUsd: z.number() }).nullable(),
  })
  .openapi('IngestSummary');

const KnowledgeSourceView = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    path: z.string().openapi({ description: 'Declared path, relative to the agent file.' }),
    baseUrl: z.string().nullable(),
    documents: z.number(),
    chunks: z.number(),
    bytes: z.number(),
    lastIngestedAt: z.string().nullable(),
  })
  .openapi('KnowledgeSource');

const SyncBody = z.object({ source: z.string().min(1).optional().openapi({ description: 'Sync only this source; default all.' }) }).openapi('KnowledgeSync');

const FileField = z.custom<File>((v) => v instanceof File, { error: 'must be a file' }).openapi({ type: 'string', format: 'binary' });
const UploadForm = z.object({
  files: z.union([FileField, z.array(FileField)], { error: 'attach one or more files in the "files" field' }).openapi({
    description: "Repeat the field for several files. A file's name is its document path in the source (it may contain folders: guides/setup.md).",
  }),
  source: z.string().min(1).optional().openapi({ description: 'The declared source to ingest into; required when the agent declares several.' }),
});

const errors = {
  400: { description: 'Invalid input; the issues name each field.', content: jsonBody(ErrorBody) },
  404: { description: 'Unknown agent.', content: jsonBody(ErrorBody) },
};

const list = createRoute({
  method: 'get',
  path: '/v1/agents/{name}/knowledge',
  tags: ['knowledge'],
  request: { params: NameParam },
  responses: { 200: { description: "The agent's declared knowledge sources with what each holds.", content: jsonBody(z.object({ agent: z.string(), sources: z.array(KnowledgeSourceView) })) }, ...errors },
});

const sync = createRoute({
  method: 'post',
  path: '/v1/agents/{name}/knowledge/sync',
  tags: ['knowledge'],
  request: { params: NameParam, body: { required: false, content: jsonBody(SyncBody) } },
  responses: { 200: { description: 'Every declared source brought in line with its path; files that failed are listed in `failed`.', content: jsonBody(IngestSummarySchema) }, ...errors },
});

const upload = createRoute({
  method: 'post',
  path: '/v1/agents/{name}/knowledge/documents',
  tags: ['knowledge'],
  middleware: [
    bodyLimit({
      maxSize: MAX_UPLOAD_BYTES,
      onError: (c) => c.json({ error: { code: 'too_large', message: `upload larger than ${MAX_UPLOAD_BYTES / 1048576} MB: send the files in several requests` } }, 413),
    }),
  ] as const,
  request: { params: NameParam, body: { required: true, content: { 'multipart/form-data': { schema: UploadForm } } } },
  responses: {
    200: { description: 'The files ingested (or skipped when unchanged); files that failed are listed in `failed`.', content: jsonBody(IngestSummarySchema) },
    ...errors,
    413: { description: 'The request is too large.', content: jsonBody(ErrorBody) },
  },
});

/** An uploaded file's name as a document path: relative, `/`-separated, nothing that climbs out. */
function uploadPath(name: string, field: string): string {
  const parts = name.replaceAll('\\', '/').split('/').filter((p) => p !== '' && p !== '.');
  if (!parts.length || parts.includes('..')) {
    throw new InputError(`${field}: file name "${name}" is not a relative path`, [{ path: field, message: 'the file name must be a relative path without ".."' }]);
  }
  return parts.join('/');
}

export function knowledgeRoutes({ chat }: AppDeps) {
  // One ingest per agent at a time: a sync deletes what it did not find, which must not race an upload.
  const running = new Map<string, Promise<unknown>>();
  const serially = <T>(agent: string, fn: () => Promise<T>): Promise<T> => {
    const next = (running.get(agent) ?? Promise.resolve()).catch(() => {}).then(fn);
    running.set(agent, next);
    return next.finally(() => {
      if (running.get(agent) === next) running.delete(agent);
    });
  };
  const options = (agent: PreparedAgent) => ({ embedder: agent.embedder ?? undefined });

  return newRouter()
    .openapi(list, async (c) => {
      const agent = chat.agents.get(c.req.valid('param').name);
      const name = agent.definition.name;
      const stats = await sourceStats(chat.db, chat.projectId, name);
      const sources = agent.definition.knowledge.map((s) => {
        const st = stats.get(s.name);
        return {
          name: s.name,
          description: s.description ?? null,
          path: s.path,
          baseUrl: s.baseUrl ?? null,
          documents: st?.documents ?? 0,
          chunks: st?.chunks ?? 0,
          bytes: st?.bytes ?? 0,
          lastIngestedAt: st?.lastIngestedAt?.toISOString() ?? null,
        };
      });
      return c.json({ agent: name, sources }, 200);
    })
    .openapi(sync, async (c) => {
      const agent = chat.agents.get(c.req.valid('param').name);
      const { source } = c.req.valid('json');
      const summary: IngestSummary = await serially(agent.definition.name, () => {
        if (source === undefined) return syncAgentKnowledge(chat.db, chat.projectId, agent, options(agent));
        const declared = declaredSource(agent, source);
        return ingestPaths(chat.db, chat.projectId, agent, declared.name, [path.resolve(agent.dir, declared.path)], options(agent));
      });
      return c.json(summary, 200);
    })
    .openapi(upload, async (c) => {
      const agent = chat.agents.get(c.req.valid('param').name);
      const form = c.req.valid('form');
      const source = declaredSource(agent, form.source);
      const files = Array.isArray(form.files) ? form.files : [form.files];
      const names = files.map((f, i) => uploadPath(f.name, files.length > 1 ? `files[${i}]` : 'files'));
      const duplicate = names.find((n, i) => names.indexOf(n) !== i);
      if (duplicate) throw new InputError(`files: "${duplicate}" is uploaded twice`, [{ path: 'files', message: `duplicate file name "${duplicate}"` }]);

      const dir = await mkdtemp(path.join(tmpdir(), 'agentproof-upload-'));
      try {
        const written: string[] = [];
        for (const [i, file] of files.entries()) {
          const target = path.join(dir, ...names[i].split('/'));
          await mkdir(path.dirname(target), { recursive: true });
          await writeFile(target, file.stream());
          written.push(target);
        }
        const summary = await serially(agent.definition.name, () => ingestPaths(chat.db, chat.projectId, agent, source.name, written, { ...options(agent), baseDir: dir }));
        return c.json(summary, 200);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
}
