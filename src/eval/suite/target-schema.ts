import { z } from 'zod';
import { ENV_NAME, envNamesIn, isEnvName, isTemplateVariable, placeholdersIn, RESPONSE_PATH, stringsIn, TEMPLATE_VARIABLES, urlProblem } from '../targets/template.ts';

/**
 * The `target:` of a suite file: an agent built elsewhere. Everything that can be checked without
 * the environment is checked here, so the problem is reported with its file and line; environment
 * variables are filled in (and their absence reported) when the run starts.
 */

const text = z.string().regex(/\S/, 'must not be empty');

const PLACEHOLDER_LIST = TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ');

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name');

const headers = z
  .record(headerName, z.string())
  .default({})
  .describe('Request headers; values may use ${env.NAME}, e.g. "Bearer ${env.AGENT_API_KEY}".');

const responsePath = z
  .string()
  .regex(RESPONSE_PATH, 'must be a dotted path into the JSON reply, e.g. data.reply or choices[0].message.content');

const timeoutMs = z.number().int().min(1).default(30_000).describe('Bounds each request, retries included. Default 30000.');
const retries = z.number().int().min(0).max(10).default(2).describe('Retries on connection failures, 408, 409, 429 and 5xx, honouring Retry-After. Default 2.');

type Issue = { path: (string | number)[]; message: string };

/** Unknown placeholders and malformed `${env...}` references in the given strings. */
function referenceIssues(strings: { path: (string | number)[]; text: string }[], placeholders: boolean): Issue[] {
  const issues: Issue[] = [];
  for (const { path, text: s } of strings) {
    for (const name of placeholdersIn(s)) {
      if (!placeholders) issues.push({ path, message: `{{${name}}}: placeholders are for http targets` });
      else if (!isTemplateVariable(name)) issues.push({ path, message: `unknown placeholder {{${name}}}; the placeholders are ${PLACEHOLDER_LIST}` });
    }
    for (const name of envNamesIn(s)) {
      if (!isEnvName(name)) issues.push({ path, message: `"\${env.${name}}": an environment variable name is letters, digits and "_"` });
    }
  }
  return issues;
}

const httpTarget = z
  .strictObject({
    type: z.literal('http'),
    url: text.describe('The endpoint; may use ${env.NAME} and placeholders such as {{session}} (URL-encoded).'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).default('POST'),
    headers,
    body: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(`JSON template of the request; strings may hold ${PLACEHOLDER_LIST}. A string that is only "{{conversation}}" becomes the array of { role, content } messages.`),
    response: z
      .strictObject({
        answer: responsePath.describe('Path of the reply text, e.g. data.reply.'),
        topic: responsePath.optional().describe('Path of the topic the message was routed to (null: off-topic).'),
        actions: responsePath.optional().describe('Path of the actions called: an array of names or of { name, args }.'),
        sources: responsePath.optional().describe('Path of the cited sources: an array of document names or of { document }.'),
        blocked: responsePath
          .optional()
          .describe('Path of a guardrail block: true, a reason, or { stage: input|output, reason }; missing, null or false means none.'),
      })
      .describe('Where the reply\'s fields are in the JSON response.'),
    timeoutMs,
    retries,
    multiTurn: z
      .enum(['resend', 'session'])
      .default('resend')
      .describe('resend: every request carries the conversation so far in {{conversation}}; session: one request per user turn, and the endpoint remembers the conversation by {{session}}.'),
  })
  .superRefine((t, ctx) => {
    const strings = [
      { path: ['url'], text: t.url },
      ...stringsIn(t.headers, ['headers']),
      ...stringsIn(t.body ?? {}, ['body']),
    ];
    for (const issue of referenceIssues(strings, true)) ctx.addIssue({ code: 'custom', ...issue });
    const problem = urlProblem(t.url);
    if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: `"${t.url}" ${problem}` });
    const used = new Set(strings.flatMap((s) => placeholdersIn(s.text)));
    if (!used.has('utterance') && !used.has('conversation')) {
      ctx.addIssue({ code: 'custom', path: t.body ? ['body'] : ['url'], message: 'the request never sends the message: use {{utterance}} or {{conversation}} in the body or url' });
    }
    if (t.multiTurn === 'session' && !used.has('session')) {
      ctx.addIssue({ code: 'custom', path: ['multiTurn'], message: 'multiTurn "session" needs {{session}} in the url, headers or body, so the endpoint can tell conversations apart' });
    }
    if (t.method === 'GET' && t.body !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a GET request has no body: put the placeholders in the url, or use POST' });
    }
  });

const openaiTarget = z
  .strictObject({
    type: z.literal('openai'),
    baseUrl: text.describe('Up to and including /v1: requests go to {baseUrl}/chat/completions. May use ${env.NAME}.'),
    model: text,
    apiKeyEnv: z
      .string()
      .regex(ENV_NAME, 'must be the name of an environment variable (letters, digits and "_")')
      .optional()
      .describe('The environment variable holding the API key, sent as a bearer token.'),
    headers,
    system: z.string().optional().describe('A system message sent before the conversation.'),
    timeoutMs,
    retries,
  })
  .superRefine((t, ctx) => {
    const strings = [{ path: ['baseUrl'], text: t.baseUrl }, ...stringsIn(t.headers, ['headers'])];
    for (const issue of referenceIssues(strings, false)) ctx.addIssue({ code: 'custom', ...issue });
    const problem = urlProblem(t.baseUrl);
    if (problem) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: `"${t.baseUrl}" ${problem}` });
  });

export const targetSchema = z
  .discriminatedUnion('type', [httpTarget, openaiTarget], { error: 'a target has type: http or type: openai' })
  .describe('An agent built elsewhere to run the suite against, instead of an agent of this platform.');
