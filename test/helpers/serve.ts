import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cliEnv, cliMain, repoRoot } from './cli.ts';

/** Starts `serve` and resolves with its URL and everything it wrote to stderr before listening. */
export async function startServe(
  agentsDir: string,
  args: string[],
  env: NodeJS.ProcessEnv = cliEnv(),
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [cliMain, 'serve', '--agents', agentsDir, '--port', '0', ...args], { env, cwd: repoRoot });
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

/** Stops the server; one that already exited (it crashed, or was killed from outside) is not waited for. */
export async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
