import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parseActivationLink } from '$lib/at/activation-link';
import { cramDigest } from '$lib/crypto/cram';
import { runAtstack, startAtstack, stopAtstack } from '../../support/cli-process';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';

interface Facts {
  caPath: string;
  directory: { host: string; port: number };
  atServers: { atSigns: { atSign: string; address: string }[] };
  gateway: { url: string };
  adminSocket: string | null;
}

interface Created {
  atSign: string;
  cramSecret: string;
  address: string;
  activationLink: string;
  running: boolean;
  directory: { host: string; port: number } | null;
  caPath: string;
}

/** Asks the atDirectory on `port` for `name` and returns its raw answer. */
async function lookUp(port: number, ca: string, name: string): Promise<string> {
  const client = await RawClient.connect(port, { ca });
  await client.readUntil(/@/);
  client.write(`${name}\n`);
  const answer = await client.readUntil(/\r\n@/);
  client.close();
  return answer;
}

/** Proves the atServer at `address` serves `atSign` with this CRAM secret. */
async function authenticates(address: string, ca: string, atSign: string, secret: string): Promise<string> {
  const client = await RawClient.connect(Number(address.split(':')[1]), { ca });
  await client.readUntil(/^@/);
  client.write(`from:${atSign}\n`);
  const challenge = (await client.readUntil(/\n@/)).slice('data:'.length, -2);
  client.write(`cram:${await cramDigest(secret, challenge)}\n`);
  const answer = await client.readUntil(/\n@[^@]*@/);
  client.close();
  return answer;
}

const json = <T>(stdout: string) => JSON.parse(stdout) as T;

describe('atstack atsign, with a stack running on the data folder', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess;
  let facts: Facts;
  let ca: string;
  let stackLog = '';

  beforeAll(async () => {
    data = await tempDir();
    const args = ['start', '--data', data.path, '--directory-port', '0', '--atserver-port', '0', '--json'];
    const started = await startAtstack([...args, '--log-level', 'debug']);
    child = started.child;
    child.stderr?.on('data', (chunk: Buffer) => (stackLog += chunk.toString()));
    facts = json<Facts>(started.firstLine);
    ca = await readFile(facts.caPath, 'utf8');
  });
  afterAll(async () => {
    await stopAtstack(child);
    await data.remove();
  });

  it('creates an atSign and prints its CRAM secret, atServer address, directory and CA', async () => {
    const result = await runAtstack(['atsign', 'create', '@alice', '--data', data.path, '--json']);
    expect(result.code).toBe(0);
    const created = json<Created>(result.stdout);
    expect(created).toMatchObject({
      atSign: '@alice',
      running: true,
      directory: facts.directory,
      caPath: facts.caPath,
    });
    expect(created.cramSecret).toMatch(/^[0-9a-f]{128}$/);
    expect(created.address).toMatch(/^localhost:\d+$/);
    // The app's activation link carries both in its fragment, for the running gateway's app.
    expect(parseActivationLink(created.activationLink)).toEqual({ atSign: '@alice', cramSecret: created.cramSecret });
    expect(created.activationLink.startsWith(`${facts.gateway.url}/#/activate?`)).toBe(true);
  });

  it('registers the new atSign with the running directory at once', async () => {
    const listed = await runAtstack(['atsign', 'list', '--data', data.path, '--json']);
    const alice = json<{ atSigns: { atSign: string; address: string }[] }>(listed.stdout).atSigns[0]!;
    expect(await lookUp(facts.directory.port, ca, 'alice')).toBe(`${alice.address}\r\n@`);
  });

  it('serves the new atSign at once with the printed CRAM secret', async () => {
    const created = json<Created>(
      (await runAtstack(['atsign', 'create', '@bob', '--data', data.path, '--json'])).stdout,
    );
    expect(await authenticates(created.address, ca, '@bob', created.cramSecret)).toBe('data:success\n@bob@');
  });

  it('prints the secret and where to connect for people', async () => {
    const result = await runAtstack(['atsign', 'create', '@carol', '--data', data.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/CRAM secret {3}[0-9a-f]{128}\n/);
    expect(result.stdout).toMatch(/atServer {6}localhost:\d+ \(TLS\)/);
    expect(result.stdout).toContain(`atDirectory   localhost:${facts.directory.port} (TLS)`);
    expect(result.stdout).toContain(`local CA      ${facts.caPath}`);
    expect(result.stdout).toContain(`${facts.gateway.url}/#/activate?atSign=%40carol&cram=`);
    // The same link as a QR code drawn with block characters.
    expect(result.stdout).toContain('█▄▄▄▄▄█'); // the bottom edge of a QR finder pattern
  });

  it('keeps the CRAM secret out of the stack log', async () => {
    const created = json<Created>(
      (await runAtstack(['atsign', 'create', '@dave', '--data', data.path, '--json'])).stdout,
    );
    await runAtstack(['atsign', 'list', '--data', data.path]);
    expect(stackLog).toContain('"event":"atSign created","service":"atserver","atSign":"@dave"');
    expect(stackLog).not.toContain(created.cramSecret);
  });

  it('lists every atSign with its address', async () => {
    const result = await runAtstack(['atsign', 'list', '--data', data.path, '--json']);
    const listed = json<{ atSigns: { atSign: string }[]; running: boolean }>(result.stdout);
    expect(listed.running).toBe(true);
    expect(listed.atSigns.map((a) => a.atSign)).toEqual(['@alice', '@bob', '@carol', '@dave']);
  });

  it('refuses to create an atSign twice, with exit code 1', async () => {
    const result = await runAtstack(['atsign', 'create', '@alice', '--data', data.path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('@alice already exists');
  });

  it('deletes an atSign: the directory forgets it and its atServer stops', async () => {
    const listed = await runAtstack(['atsign', 'list', '--data', data.path, '--json']);
    const carol = json<{ atSigns: { atSign: string; address: string }[] }>(listed.stdout).atSigns[2]!;
    const result = await runAtstack(['atsign', 'delete', '@carol', '--data', data.path, '--json']);
    expect(json(result.stdout)).toEqual({ atSign: '@carol', removed: true });
    expect(await lookUp(facts.directory.port, ca, 'carol')).toBe('null\r\n@');
    await expect(RawClient.connect(Number(carol.address.split(':')[1]), { ca })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('reports an atSign it does not host as not removed', async () => {
    const result = await runAtstack(['atsign', 'delete', '@nobody', '--data', data.path, '--json']);
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toEqual({ atSign: '@nobody', removed: false });
  });

  it('keeps its admin socket private to its owner', async () => {
    expect(facts.adminSocket).toBe(join(data.path, 'admin.sock'));
    expect((await stat(facts.adminSocket!)).mode & 0o777).toBe(0o600);
  });

  it('refuses a second stack on the same data folder', async () => {
    const result = await runAtstack(['start', '--data', data.path, '--directory-port', '0', '--atserver-port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('already running');
  });
});

describe('atstack atsign, with no stack running', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    data = await tempDir();
  });
  afterAll(() => data.remove());

  it('creates an atSign in the data folder that the next start serves', async () => {
    const result = await runAtstack(['atsign', 'create', '@erin', '--data', data.path, '--atserver-port', '46465']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('atDirectory   not running');
    const listed = await runAtstack(['atsign', 'list', '--data', data.path, '--json']);
    expect(json(listed.stdout)).toMatchObject({
      running: false,
      directory: null,
      atSigns: [{ atSign: '@erin', address: 'localhost:46465' }],
    });
    const secret = /CRAM secret {3}([0-9a-f]{128})/.exec(result.stdout)![1]!;

    const args = ['start', '--data', data.path, '--directory-port', '0', '--atserver-port', '0', '--json'];
    const started = await startAtstack(args);
    try {
      const facts = json<Facts>(started.firstLine);
      const ca = await readFile(facts.caPath, 'utf8');
      // The stored port is kept unless something else holds it; either way the directory knows where.
      const erin = facts.atServers.atSigns.find((a) => a.atSign === '@erin')!;
      expect(await lookUp(facts.directory.port, ca, 'erin')).toBe(`${erin.address}\r\n@`);
      expect(await authenticates(erin.address, ca, '@erin', secret)).toBe('data:success\n@erin@');
    } finally {
      expect(await stopAtstack(started.child)).toBe(0);
    }
  });

  it('gives each new atSign the next free port', async () => {
    const result = await runAtstack(['atsign', 'create', '@frank', '--data', data.path, '--json']);
    const created = json<Created>(result.stdout);
    expect(created).toMatchObject({ running: false, directory: null });
    expect(created.address).not.toBe(
      json<{ atSigns: { address: string }[] }>(
        (await runAtstack(['atsign', 'list', '--data', data.path, '--json'])).stdout,
      ).atSigns[0]!.address,
    );
  });

  it('deletes an atSign and its data', async () => {
    const result = await runAtstack(['atsign', 'delete', '@frank', '--data', data.path, '--json']);
    expect(json(result.stdout)).toEqual({ atSign: '@frank', removed: true });
    expect(existsSync(join(data.path, 'atsigns', `${encodeURIComponent('@frank')}.sqlite`))).toBe(false);
    const listed = await runAtstack(['atsign', 'list', '--data', data.path, '--json']);
    expect(json<{ atSigns: { atSign: string }[] }>(listed.stdout).atSigns.map((a) => a.atSign)).toEqual(['@erin']);
  });
});

describe('atstack atsign usage', () => {
  it.each([
    [['atsign', 'create']],
    [['atsign', 'create', '@al!ce']],
    [['atsign', 'delete']],
    [['atsign', 'create', '@alice', '--atserver-port', 'many']],
    [['atsign', 'create', '@alice', '--atserver-port', '0']],
    [['atsign', 'list', '--bogus']],
  ])('exits 2 for %j', async (args) => {
    const data = await tempDir();
    const result = await runAtstack([...args, '--data', data.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: atstack atsign');
    await data.remove();
  });

  it.each(['atsign create', 'atsign list', 'atsign delete', 'repl', 'start'])(
    'prints help for %s --help',
    async (command) => {
      const words = command.split(' ');
      const result = await runAtstack([...words, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: atstack ${words.join(' ')}`);
      expect(result.stdout).toContain('--data');
      expect(result.stdout).toContain('--json');
    },
  );
});
