import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cramDigest } from '$lib/crypto/cram';
import { runAtstack, startAtstack, stopAtstack } from '../../support/cli-process';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';
import { TestConnection } from '../atserver/harness';

interface Facts {
  caPath: string;
  directory: { host: string; port: number };
}

interface Created {
  atSign: string;
  cramSecret: string;
  address: string;
}

/**
 * Two `atstack start` processes with their own data folders: host A runs the atDirectory both use, host B
 * is started with `--directory` pointing at it. They share one local CA (B's data folder gets A's CA before
 * its first start), so each trusts the other's certificates for mutual TLS.
 */
describe('atSigns on two separately started hosts', () => {
  let dataA: Awaited<ReturnType<typeof tempDir>>;
  let dataB: Awaited<ReturnType<typeof tempDir>>;
  let hostA: ChildProcess;
  let hostB: ChildProcess;
  let ca: string;
  let alice: TestConnection;
  let bob: TestConnection;

  const start = async (dataDir: string, extra: string[] = []) => {
    const args = ['start', '--data', dataDir, '--directory-port', '0', '--atserver-port', '0', '--gateway-port', '0'];
    const started = await startAtstack([...args, ...extra, '--log-level', 'warn', '--json']);
    return { child: started.child, facts: JSON.parse(started.firstLine) as Facts };
  };

  const create = async (atSign: string, dataDir: string): Promise<Created> => {
    const result = await runAtstack(['atsign', 'create', atSign, '--data', dataDir, '--json']);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Created;
  };

  /** A CRAM-authenticated connection to the atServer at `address`. */
  const owner = async ({ atSign, cramSecret, address }: Created): Promise<TestConnection> => {
    const raw = await RawClient.connect(Number(address.split(':').at(-1)), { ca });
    await raw.readUntil(/^@/);
    const connection = new TestConnection(raw);
    const challenge = (await connection.send(`from:${atSign}`)).slice('data:'.length);
    expect(await connection.send(`cram:${await cramDigest(cramSecret, challenge)}`)).toBe('data:success');
    return connection;
  };

  beforeAll(async () => {
    [dataA, dataB] = [await tempDir(), await tempDir()];
    const a = await start(dataA.path);
    hostA = a.child;
    ca = await readFile(a.facts.caPath, 'utf8');
    await mkdir(join(dataB.path, 'tls'), { recursive: true, mode: 0o700 });
    for (const file of ['ca.crt', 'ca.key']) {
      await copyFile(join(dataA.path, 'tls', file), join(dataB.path, 'tls', file));
    }
    const directory = `localhost:${a.facts.directory.port}`;
    hostB = (await start(dataB.path, ['--directory', directory, '--ca', a.facts.caPath])).child;

    const createdAlice = await create('@alice', dataA.path);
    const createdBob = await create('@bob', dataB.path);
    // Host B's atSigns are registered in the directory both hosts use, as an operator would.
    expect((await runAtstack(['directory', 'set', '@bob', createdBob.address, '--data', dataA.path])).code).toBe(0);
    alice = await owner(createdAlice);
    bob = await owner(createdBob);
  });
  afterAll(async () => {
    alice?.close();
    bob?.close();
    if (hostB) await stopAtstack(hostB);
    if (hostA) await stopAtstack(hostA);
    await dataA?.remove();
    await dataB?.remove();
  });

  it('exchanges shared data both ways with lookup, over from/pol', async () => {
    await alice.send('update:@bob:phone@alice +1 555 0100');
    await bob.send('update:ttr:600:@alice:email@bob bob@example.com');
    expect(await bob.send('lookup:phone@alice')).toBe('data:+1 555 0100');
    expect(await alice.send('lookup:email@bob')).toBe('data:bob@example.com');
    expect(await alice.send('llookup:cached:@alice:email@bob')).toBe('data:bob@example.com');
  });

  it('proxies a public lookup to the other host with plookup', async () => {
    await bob.send('update:public:location@bob Lisbon');
    expect(await alice.send('plookup:location@bob')).toBe('data:Lisbon');
  });

  it('scans the other host for what it shared', async () => {
    expect(await bob.send('scan:@alice')).toBe('data:["phone@alice"]');
  });
});
