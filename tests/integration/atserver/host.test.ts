import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cramDigest } from '$lib/crypto/cram';
import { AtServerHost } from '$server/atserver/host';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { ensureLocalCa, type TlsMaterial } from '$server/tls/local-ca';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';
import { TestConnection } from './harness';

/** Authenticates with CRAM on `port`; resolves with the `cram` answer. */
async function cram(port: number, tls: TlsMaterial, atSign: string, secret: string): Promise<string> {
  const raw = await RawClient.connect(port, { ca: tls.caPem });
  await raw.readUntil(/^@/);
  const connection = new TestConnection(raw);
  const challenge = (await connection.send(`from:${atSign}`)).slice('data:'.length);
  const answer = await connection.send(`cram:${await cramDigest(secret, challenge)}`);
  connection.close();
  return answer;
}

describe('AtServerHost', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let tls: TlsMaterial;
  const directory = new MemoryDirectoryBackend();
  const options = () => ({
    dataDir: data.path,
    tls,
    bindHost: '127.0.0.1',
    publicHost: 'localhost',
    basePort: 0,
    directory,
  });

  beforeAll(async () => {
    data = await tempDir();
    tls = await ensureLocalCa(data.path, ['localhost', '127.0.0.1']);
  });
  afterAll(() => data.remove());

  it('creates an atSign only once when asked twice at the same time', async () => {
    const host = await AtServerHost.start(options());
    try {
      const results = await Promise.allSettled([host.create('@zoe'), host.create('@zoe')]);
      const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(created).toHaveLength(1);
      expect(refused).toEqual(['Error: @zoe already exists on this host']);
      expect(await cram(host.server('@zoe')!.port, tls, '@zoe', created[0]!.cramSecret)).toBe('data:success');
    } finally {
      await host.close();
    }
  });

  it('creates atSigns without listening when opened, registering the next free ports', async () => {
    const host = await AtServerHost.open({ ...options(), basePort: 46600 });
    try {
      const [yan, xia] = [await host.create('@yan'), await host.create('@xia')];
      expect([yan.address, xia.address]).toEqual(['localhost:46600', 'localhost:46601']);
      expect(host.server('@yan')).toBeUndefined();
      expect(await directory.lookup('yan')).toBe('localhost:46600');
      expect(host.list().map((a) => a.atSign)).toEqual(['@xia', '@yan', '@zoe']);
    } finally {
      await host.close();
    }
  });

  it('serves on start what was created while it was not running, with the secret given then', async () => {
    const opened = await AtServerHost.open({ ...options(), basePort: 46700 });
    const created = await opened.create('@wes');
    await opened.close();
    const host = await AtServerHost.start(options());
    try {
      const port = host.server('@wes')!.port;
      expect(await directory.lookup('wes')).toBe(`localhost:${port}`);
      expect(await cram(port, tls, '@wes', created.cramSecret)).toBe('data:success');
    } finally {
      await host.close();
    }
  });

  it('removes an atSign it does not serve right now', async () => {
    const host = await AtServerHost.open({ ...options(), basePort: 46600 });
    try {
      expect(await host.remove('@xia')).toBe(true);
      expect(await host.remove('@xia')).toBe(false);
      expect(await directory.lookup('xia')).toBeNull();
    } finally {
      await host.close();
    }
  });

  it('refuses to open without a base port, since the directory needs a real one', async () => {
    await expect(AtServerHost.open(options())).rejects.toThrow('base port');
  });
});
