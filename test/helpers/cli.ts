import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliMain = join(repoRoot, 'src/cli/main.ts');

/**
 * The environment a CLI test runs the real `agentproof` in: nothing from the developer's shell may
 * point it at another store or server.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: '', AGENTPROOF_DATA: '', AGENTPROOF_API_KEY: '', NO_COLOR: '1', ...extra };
}

/** Runs `agentproof ARGS` as a child process and collects its output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = cliEnv()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliMain, ...args], { env, cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
