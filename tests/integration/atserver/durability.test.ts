import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { cramDigest } from '$lib/crypto/cram';
import { runAtstack, startAtstack, stopAtstack } from '../../support/cli-process';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';
import { TestConnection } from './harness';

interface StartFacts {
  caPath: string;
  atServers: { atSigns: { atSign: string; address: string }[] };
}

/** Starts the whole stack as its own process (`atstack start --json`) on `dataDir`. */
async function startProcess(dataDir: string): Promise<{ child: ChildProcess; facts: StartFacts }> {
  const args = ['start', '--data', dataDir, '--directory-port', '0', '--atserver-port', '0'];
  const started = await startAtstack([...args, '--json', '--log-level', 'warn']);
  return { child: started.child, facts: JSON.parse(started.firstLine) as StartFacts };
}

/** A CRAM-authenticated connection to the atServer at `address`. */
async function owner(address: string, secret: string, ca: string): Promise<TestConnection> {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const raw = await RawClient.connect(port, { ca });
  await raw.readUntil(/^@/);
  const connection = new TestConnection(raw);
  const challenge = (await connection.send('from:@alice')).slice('data:'.length);
  expect(await connection.send(`cram:${await cramDigest(secret, challenge)}`)).toBe('data:success');
  return connection;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('durability: an acknowledged update survives kill -9', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let secret: string;
  let ca: string;
  let running: ChildProcess | undefined;

  beforeAll(async () => {
    data = await tempDir();
    const { child, facts } = await startProcess(data.path);
    running = child;
    const created = await runAtstack(['atsign', 'create', '@alice', '--data', data.path, '--json']);
    expect(created.code).toBe(0);
    secret = (JSON.parse(created.stdout) as { cramSecret: string }).cramSecret;
    ca = await readFile(facts.caPath, 'utf8');
  });
  afterAll(async () => {
    if (running) await stopAtstack(running);
    await data.remove();
  });

  const addressOf = (facts: StartFacts) => facts.atServers.atSigns.find((a) => a.atSign === '@alice')!.address;

  it('returns every acknowledged value after SIGKILL right after the acknowledgement and a restart', async () => {
    const listed = JSON.parse((await runAtstack(['atsign', 'list', '--data', data.path, '--json'])).stdout) as {
      atSigns: { atSign: string; address: string }[];
    };
    const alice = await owner(listed.atSigns[0]!.address, secret, ca);
    const acknowledged = new Map<string, string>();
    for (let i = 0; i < 20; i += 1) {
      const [key, value] = [`one${i}.durable@alice`, `value ${i}:${'x'.repeat(i * 50)}`];
      expect(await alice.send(`update:${key} ${value}`)).toMatch(/^data:\d+$/);
      acknowledged.set(key, value);
    }
    expect(await alice.send('update:public:last.durable@alice the very last')).toMatch(/^data:\d+$/);
    acknowledged.set('public:last.durable@alice', 'the very last');
    await kill(running!);

    const { child, facts } = await startProcess(data.path);
    running = child;
    const again = await owner(addressOf(facts), secret, ca);
    for (const [key, value] of acknowledged) expect(await again.send(`llookup:${key}`)).toBe(`data:${value}`);
    again.close();
  });

  it('keeps every update acknowledged before the kill while more are still being written', async () => {
    const listed = JSON.parse((await runAtstack(['atsign', 'list', '--data', data.path, '--json'])).stdout) as {
      atSigns: { atSign: string; address: string }[];
    };
    const alice = await owner(listed.atSigns[0]!.address, secret, ca);
    const lines = Array.from({ length: 200 }, (_, i) => `update:burst${i}.durable@alice burst value ${i}\n`);
    alice.raw.write(lines.join(''));
    // Kill as soon as the 60th acknowledgement arrives: later writes are in flight inside the server.
    for (let i = 0; i < 60; i += 1) expect(await alice.read()).toMatch(/^data:\d+$/);
    await kill(running!);

    const { child, facts } = await startProcess(data.path);
    running = child;
    const again = await owner(addressOf(facts), secret, ca);
    for (let i = 0; i < 60; i += 1) {
      expect(await again.send(`llookup:burst${i}.durable@alice`)).toBe(`data:burst value ${i}`);
    }
    again.close();
  });
});
