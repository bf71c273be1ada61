import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { runAtstack, startAtstack, stopAtstack } from '../../support/cli-process';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';

describe('atstack start', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess;
  let facts: {
    dataDir: string;
    caPath: string;
    directory: { host: string; port: number };
    atServers: { host: string; basePort: number; atSigns: { atSign: string; address: string }[] };
    adminSocket: string | null;
  };

  beforeAll(async () => {
    data = await tempDir();
    expect((await runAtstack(['directory', 'set', '@alice', 'localhost:7001', '--data', data.path])).code).toBe(0);
    const args = ['start', '--data', data.path, '--directory-port', '0', '--atserver-port', '0', '--json'];
    const started = await startAtstack(args);
    child = started.child;
    facts = JSON.parse(started.firstLine) as typeof facts;
  });
  afterAll(async () => {
    await stopAtstack(child);
    await data.remove();
  });

  it('prints where the directory listens and the CA to trust', () => {
    expect(facts.dataDir).toBe(data.path);
    expect(facts.caPath).toBe(`${data.path}/tls/ca.crt`);
    expect(facts.directory.port).toBeGreaterThan(0);
  });

  it('prints where the atServers listen and the admin channel', () => {
    expect(facts.atServers).toEqual({ host: 'localhost', basePort: 0, atSigns: [] });
    expect(facts.adminSocket).toBe(`${data.path}/admin.sock`);
  });

  it('answers an atSign registered by the CLI over TLS trusted through the printed CA', async () => {
    const client = await RawClient.connect(facts.directory.port, { ca: await readFile(facts.caPath, 'utf8') });
    expect(await client.readUntil(/@/)).toBe('@');
    client.write('alice\n');
    expect(await client.readUntil(/\r\n@/)).toBe('localhost:7001\r\n@');
    client.close();
  });

  it('sees an atSign registered while it runs', async () => {
    expect((await runAtstack(['directory', 'set', '@bob', 'localhost:7002', '--data', data.path])).code).toBe(0);
    const client = await RawClient.connect(facts.directory.port, { ca: await readFile(facts.caPath, 'utf8') });
    await client.readUntil(/@/);
    client.write('bob\n');
    expect(await client.readUntil(/\r\n@/)).toBe('localhost:7002\r\n@');
    client.close();
  });

  it('exits cleanly on SIGTERM and removes its admin socket', async () => {
    const other = await tempDir();
    const args = ['start', '--data', other.path, '--directory-port', '0', '--atserver-port', '0', '--json'];
    const started = await startAtstack(args);
    expect(await stopAtstack(started.child)).toBe(0);
    expect(existsSync(`${other.path}/admin.sock`)).toBe(false);
    await other.remove();
  });

  it('tells people where each part listens', async () => {
    const other = await tempDir();
    expect(
      (await runAtstack(['atsign', 'create', '@zed', '--data', other.path, '--atserver-port', '46500'])).code,
    ).toBe(0);
    const started = await startAtstack([
      'start',
      '--data',
      other.path,
      '--directory-port',
      '0',
      '--atserver-port',
      '0',
    ]);
    await vi.waitFor(() => expect(started.stdout()).toContain('Stop with Ctrl-C.'));
    const text = started.stdout();
    expect(started.firstLine).toBe('atstack is running');
    expect(text).toMatch(/\n {2}atDirectory {3}localhost:\d+ \(TLS\)\n/);
    expect(text).toContain('\n  atServers     localhost, free ports (TLS, one port per atSign)\n');
    expect(text).toMatch(/\n {2}@zed {10}localhost:\d+ \(TLS\)\n/);
    expect(text).toContain(`\n  local CA      ${other.path}/tls/ca.crt\n`);
    expect(await stopAtstack(started.child)).toBe(0);
    await other.remove();
  });
});

describe('atstack usage', () => {
  it('prints the commands for --help and exits 0', async () => {
    const result = await runAtstack(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('directory set');
  });

  it('exits 2 with the command help for an unknown flag', async () => {
    const result = await runAtstack(['start', '--no-such-flag']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: atstack start');
  });

  it('refuses an invalid atSign with the reference message', async () => {
    const data = await tempDir();
    const result = await runAtstack(['directory', 'set', '@al!ce', 'localhost:1', '--data', data.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Cannot contain');
    await data.remove();
  });

  it('exits 2 for a port out of range', async () => {
    const result = await runAtstack(['start', '--atserver-port', '70000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a port: 70000');
  });

  it('exits 2 for an unknown command', async () => {
    expect((await runAtstack(['frobnicate'])).code).toBe(2);
  });
});
