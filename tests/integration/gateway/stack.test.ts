import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { startDirectory, type DirectoryServer } from '$server/directory/server';
import { silentLogger } from '$server/log';
import { startStack, type RunningStack } from '$server/stack';
import { ensureLocalCa } from '$server/tls/local-ca';
import { runAtstack, startAtstack, stopAtstack } from '../../support/cli-process';
import { tempDir } from '../../support/temp-dir';
import { Browser, TargetServer } from './harness';

describe('the gateway in the embedded stack', () => {
  let stack: RunningStack;
  let data: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    data = await tempDir('atstack-stack-');
    stack = await startStack({
      dataDir: data.path,
      bindHost: '127.0.0.1',
      publicHost: 'localhost',
      directoryPort: 0,
      atServerPort: 0,
      gatewayPort: 0,
      log: silentLogger,
    });
    await stack.host.create('@alice');
  });
  afterAll(async () => {
    await stack.stop();
    await data.remove();
  });

  const open = (path: string) =>
    Browser.open(`${stack.facts.gateway.url.replace('http', 'ws')}/ws/${path}`, { origin: stack.facts.gateway.url });

  it('reports where it serves the app', () => {
    expect(stack.facts.gateway.url).toMatch(/^http:\/\/localhost:\d+$/);
  });

  it("relays a page to an atSign's own atServer on loopback, which the embedded policy allows", async () => {
    const page = await open('@alice');
    expect(await page.readUntil(/@/)).toBe('@');
    page.send('from:@alice\n');
    expect(await page.readUntil(/\n@$/)).toMatch(/^data:_[0-9a-f-]+@alice:[0-9a-f-]+\n@$/);
    page.close();
  });

  it('relays a page to the embedded atDirectory', async () => {
    const page = await open('directory');
    await page.readUntil(/@/);
    page.send('alice\n');
    expect(await page.readUntil(/\r\n@/)).toMatch(/^localhost:\d+\r\n@$/);
    page.close();
  });
});

describe('atstack gateway', () => {
  let directory: DirectoryServer;
  let target: TargetServer;
  let data: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    data = await tempDir('atstack-gateway-cli-');
    const material = await ensureLocalCa(data.path, ['localhost', '127.0.0.1']);
    const backend = new MemoryDirectoryBackend();
    directory = await startDirectory({ port: 0, tls: material, backend });
    target = await TargetServer.start(material);
    await backend.register('alice', `localhost:${target.port}`);
  });
  afterAll(async () => {
    if (child) await stopAtstack(child);
    await target.close();
    await directory.close();
    await data.remove();
  });

  it('relays to the atServers of the directory it is given and exits cleanly on SIGTERM', async () => {
    const ca = `${data.path}/tls/ca.crt`;
    const started = await startAtstack([
      'gateway',
      ...['--port', '0', '--json', '--log-level', 'silent'],
      ...['--directory', `127.0.0.1:${directory.port}`, '--directory-ca', ca, '--atserver-ca', ca],
      ...['--allow-host', 'localhost', '--allow-address', 'loopback'],
    ]);
    child = started.child;
    const facts = JSON.parse(started.firstLine) as { url: string; origins: string[] };
    expect(facts.origins).toContain(facts.url);
    const page = await Browser.open(`${facts.url.replace('http', 'ws')}/ws/@alice`, { origin: facts.url });
    expect(await page.readUntil(/@/)).toBe('@');
    page.send('over the cli\n');
    expect(await page.readUntil(/\n/)).toBe('over the cli\n');
    expect(await stopAtstack(child)).toBe(0);
    child = undefined;
  });

  it('refuses an unknown address class as a usage error', async () => {
    const result = await runAtstack(['gateway', '--allow-address', 'everything']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown address class everything');
  });
});
