/**
 * promptfoo beside Agentproof in bench/eval: installed from the npm registry into a cache directory
 * under the system's temporary directory, then run on the same cases against the same scripted
 * server, each run in a fresh configuration directory (so a fresh results database).
 *
 * The install is `--omit=optional --ignore-scripts`: promptfoo's optional dependencies bring 1.9 GB
 * (cloud SDKs, a browser, ONNX) that an OpenAI-compatible eval does not load, and some of their
 * install scripts download binaries from outside the npm registry, which must not happen here. The
 * one native module the eval needs, libsql's binding for its results database, is published on the
 * registry as a per-platform package; it is installed by name.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { MUST_INCLUDE, PATTERN, utterance } from './cases.ts';

export interface PromptfooFigures {
  cases: number;
  concurrency: number;
  /** Spawn to exit of `promptfoo eval`. */
  processWallMs: number;
  /** promptfoo's own `stats.durationMs` of the eval. */
  evalMs: number;
  passed: number;
  peakRssMb: number | null;
}

export type Installed = { ok: true; entry: string; dir: string; fresh: boolean } | { ok: false; reason: string };

const NPM_FLAGS = ['--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];

/** Installs promptfoo@version once (kept across runs of the bench); says why when it cannot. */
export async function installPromptfoo(version: string): Promise<Installed> {
  const dir = join(tmpdir(), `agentproof-bench-promptfoo-${version}`);
  const entry = join(dir, 'node_modules/promptfoo/dist/src/entrypoint.js');
  const marker = join(dir, '.installed');
  if (await exists(marker)) return { ok: true, entry, dir, fresh: false };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'bench-promptfoo', private: true }));
  const main = await npm(dir, ['install', `promptfoo@${version}`, ...NPM_FLAGS]);
  if (main.code !== 0) return { ok: false, reason: `npm install promptfoo@${version} exited ${main.code}:\n${tail(main.output)}` };
  const binding = await libsqlBinding(dir);
  if (typeof binding === 'object') return binding;
  if (binding) {
    const native = await npm(dir, ['install', binding, ...NPM_FLAGS]);
    if (native.code !== 0) return { ok: false, reason: `npm install ${binding} exited ${native.code}:\n${tail(native.output)}` };
  }
  if (!(await exists(entry))) return { ok: false, reason: `promptfoo@${version} installed without ${entry}` };
  await writeFile(marker, new Date().toISOString());
  return { ok: true, entry, dir, fresh: true };
}

/**
 * The registry package holding libsql's native binding for this platform (`@libsql/linux-x64-gnu@0.5.29`),
 * read from the installed libsql's optional dependencies; '' when promptfoo does not use libsql.
 */
async function libsqlBinding(dir: string): Promise<string | { ok: false; reason: string }> {
  let manifest: { version: string; optionalDependencies?: Record<string, string> };
  try {
    manifest = JSON.parse(await readFile(join(dir, 'node_modules/libsql/package.json'), 'utf8'));
  } catch {
    return '';
  }
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  const wanted = `@libsql/${process.platform}-${process.arch}`;
  const names = Object.keys(manifest.optionalDependencies ?? {}).filter((n) => n.startsWith(wanted));
  const name = names.length > 1 && process.platform === 'linux' ? names.find((n) => n.endsWith(glibc ? '-gnu' : '-musl')) : names[0];
  if (!name) return { ok: false, reason: `libsql@${manifest.version} publishes no native binding for ${process.platform}-${process.arch}` };
  return `${name}@${manifest.optionalDependencies![name]}`;
}

/** One `promptfoo eval` of the bench's cases in a process of its own. */
export async function runPromptfoo(entry: string, url: string, cases: number, concurrency: number): Promise<PromptfooFigures> {
  const work = await mkdtemp(join(tmpdir(), 'agentproof-bench-promptfoo-run-'));
  try {
    const configFile = join(work, 'promptfooconfig.yaml');
    const outFile = join(work, 'results.json');
    const rssFile = join(work, 'peak-rss');
    await writeFile(configFile, stringify(config(url, cases, concurrency)));
    const preload = fileURLToPath(new URL('./peak-rss.ts', import.meta.url));
    const args = ['--import', preload, entry, 'eval', '-c', configFile, '--no-cache', '--no-progress-bar', '--no-table', '-o', outFile];
    const t0 = performance.now();
    const { code, output } = await run(process.execPath, args, work, promptfooEnv(work, rssFile));
    const processWallMs = performance.now() - t0;
    // promptfoo exits 100 when a test fails; the results file is what says how the eval went.
    let results: { results: { stats: { durationMs: number; successes: number } } };
    try {
      results = JSON.parse(await readFile(outFile, 'utf8'));
    } catch {
      throw new Error(`promptfoo eval exited ${code} without writing its results:\n${tail(output)}`);
    }
    const peak = await readFile(rssFile, 'utf8').catch(() => '');
    return {
      cases,
      concurrency,
      processWallMs,
      evalMs: results.results.stats.durationMs,
      passed: results.results.stats.successes,
      peakRssMb: peak ? Number(peak) : null,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The same cases as the Agentproof suite: the message as the prompt, the same two checks. */
function config(url: string, cases: number, concurrency: number) {
  return {
    description: 'bench/eval',
    prompts: ['{{utterance}}'],
    providers: [{ id: 'openai:chat:scripted', config: { apiBaseUrl: url, apiKey: 'bench' } }],
    evaluateOptions: { maxConcurrency: concurrency },
    tests: Array.from({ length: cases }, (_, i) => ({
      vars: { utterance: utterance(i) },
      assert: [
        { type: 'icontains-all', value: MUST_INCLUDE },
        { type: 'regex', value: PATTERN },
      ],
    })),
  };
}

/**
 * promptfoo reports usage even with telemetry turned off (one "telemetry disabled" event to its own
 * host), and checks for updates. Both are turned off where a setting exists, and every request to
 * another host is sent to a proxy on a closed loopback port, so nothing leaves the machine; the
 * scripted server on 127.0.0.1 is reached directly.
 */
function promptfooEnv(work: string, rssFile: string): NodeJS.ProcessEnv {
  const deadProxy = 'http://127.0.0.1:9';
  return {
    ...process.env,
    PROMPTFOO_CONFIG_DIR: join(work, 'config'),
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_DISABLE_REMOTE_GENERATION: 'true',
    PROMPTFOO_CACHE_ENABLED: 'false',
    HTTP_PROXY: deadProxy,
    HTTPS_PROXY: deadProxy,
    http_proxy: deadProxy,
    https_proxy: deadProxy,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    BENCH_PEAK_RSS_FILE: rssFile,
  };
}

function npm(cwd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd, process.env);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    // A command that cannot start (no npm on PATH) is reported like one that failed.
    child.once('error', (err) => resolve({ code: null, output: `${output}${err.message}` }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

const exists = (file: string) => access(file).then(() => true, () => false);
const tail = (text: string) => text.trim().split('\n').slice(-15).join('\n');
