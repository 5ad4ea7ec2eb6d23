import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cliEnv, cliMain, repoRoot } from './cli.ts';

/** Starts `serve` and resolves with its URL and everything it wrote to stderr before listening. */
export async function startServe(agentsDir: string, args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [cliMain, 'serve', '--agents', agentsDir, '--port', '0', ...args], { env: cliEnv(), cwd: repoRoot });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

export async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
