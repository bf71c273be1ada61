import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/atstack.mjs', import.meta.url));

/**
 * Runs one `atstack` command to completion and returns its exit code and output. `input` is piped to its
 * stdin (then closed), as a shell pipe would (`printf 'info\n' | atstack repl @alice`).
 */
export async function runAtstack(
  args: readonly string[],
  options: { input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = options.input === undefined ? 'ignore' : 'pipe';
  const child = spawn(process.execPath, [script, ...args], { stdio: [stdin, 'pipe', 'pipe'] });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const [stdout, stderr] = [collect(child.stdout), collect(child.stderr)];
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout: await stdout, stderr: await stderr };
}

/**
 * Starts a long-running `atstack` command (e.g. `start --json`) and resolves with its first stdout line;
 * `stdout()` returns everything it has printed so far.
 */
export async function startAtstack(
  args: readonly string[],
): Promise<{ child: ChildProcess; firstLine: string; stdout: () => string }> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end !== -1) resolve(text.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`atstack exited with ${code}: ${errors}`)));
  });
  return { child, firstLine, stdout: () => text };
}

/** Stops a started command with SIGTERM and resolves with its exit code. */
export async function stopAtstack(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let text = '';
  for await (const chunk of stream ?? []) text += String(chunk);
  return text;
}
