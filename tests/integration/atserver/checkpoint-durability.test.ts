import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtSignStore } from '$server/atserver/store/atsign-store';
import { tempDir } from '../../support/temp-dir';

const writer = fileURLToPath(new URL('../../support/store-writer-process.ts', import.meta.url));
const valueOf = (n: number) => `${n}:${'v'.repeat(2000)}`;

describe('durability while the log is checkpointed on its own thread', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => (dir = await tempDir()));
  afterEach(() => dir.remove());

  it('keeps every acknowledged write after kill -9 in the middle of steady writes and checkpoints', async () => {
    const path = `${dir.path}/alice.sqlite`;
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: number[] = [];
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    // Killed once the thread has checkpointed a few times and writes keep coming.
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const lines = text.split('\n');
        text = lines.pop() ?? '';
        for (const line of lines) {
          const [, n, checkpoints] = line.split(' ');
          acknowledged.push(Number(n));
          if (Number(checkpoints) >= 3 && acknowledged.length >= 300) resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`the writer exited with ${code}: ${errors}`)));
    });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    const store = AtSignStore.open(path);
    try {
      for (const n of acknowledged) expect(store.keys.get(`k${n}@alice`)?.value).toBe(valueOf(n));
    } finally {
      await store.close();
    }
  });
});
