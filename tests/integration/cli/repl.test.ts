import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { generateAesKey } from '$lib/crypto/aes-key';
import { readAtKeysFile, writeAtKeysFile } from '$lib/crypto/atkeys-file';
import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import { runAtstack, startAtstack, stopAtstack } from '../../support/cli-process';
import { tempDir } from '../../support/temp-dir';

interface Facts {
  caPath: string;
  directory: { host: string; port: number };
}

const lines = (stdout: string) => stdout.split('\n').filter((line) => line !== '');

/** An `.atKeys` file for `@alice` whose PKAM key pair is fresh, as an onboarding client writes it. */
async function atKeysFile(path: string, enrollmentId?: string): Promise<string> {
  const [pkam, encryption] = [await generateRsaKeyPair(), await generateRsaKeyPair()];
  const text = await writeAtKeysFile({
    atSign: '@alice',
    pkamPublicKey: pkam.publicKey,
    pkamPrivateKey: pkam.privateKey,
    encryptionPublicKey: encryption.publicKey,
    encryptionPrivateKey: encryption.privateKey,
    selfEncryptionKey: generateAesKey(),
    ...(enrollmentId === undefined ? {} : { enrollmentId, apkamSymmetricKey: generateAesKey() }),
  });
  await writeFile(path, text, { mode: 0o600 });
  return pkam.publicKey;
}

describe('atstack repl', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess;
  let facts: Facts;
  let secret: string;
  const repl = (args: string[], input: string) => runAtstack(['repl', ...args, '--data', data.path], { input });

  beforeAll(async () => {
    data = await tempDir();
    const args = ['start', '--data', data.path, '--directory-port', '0', '--atserver-port', '0', '--json'];
    const started = await startAtstack([...args, '--log-level', 'warn']);
    child = started.child;
    facts = JSON.parse(started.firstLine) as Facts;
    const created = await runAtstack(['atsign', 'create', '@alice', '--data', data.path, '--json']);
    secret = (JSON.parse(created.stdout) as { cramSecret: string }).cramSecret;
  });
  afterAll(async () => {
    await stopAtstack(child);
    await data.remove();
  });

  it('looks the atSign up, authenticates with --cram and prints the answer to a piped llookup', async () => {
    const result = await repl(['@alice', '--cram', secret], 'llookup:public:signing_publickey@alice\n');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([expect.stringMatching(/^data:MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A[\w+/=]+$/)]);
  });

  it('answers every piped line in order, errors included, and skips blank lines', async () => {
    const result = await repl(
      ['@alice', '--cram', secret],
      'update:phone.repl@alice +1 555 0100\n\nllookup:phone.repl@alice\nllookup:nothing.repl@alice\n',
    );
    const [updated, looked, missing] = lines(result.stdout);
    expect(updated).toMatch(/^data:\d+$/);
    expect(looked).toBe('data:+1 555 0100');
    expect(missing).toMatch(/^error:AT0015-key not found : /);
    expect(lines(result.stdout)).toHaveLength(3);
  });

  it('prints one JSON object per response with --json', async () => {
    const result = await repl(['@alice', '--cram', secret, '--json'], 'llookup:phone.repl@alice\nnope\n');
    expect(lines(result.stdout).map((line) => JSON.parse(line) as unknown)).toEqual([
      { command: 'llookup:phone.repl@alice', response: { kind: 'data', data: '+1 555 0100' } },
      { command: 'nope', response: { kind: 'error', code: 'AT0003', description: expect.any(String) } },
    ]);
  });

  it('runs unauthenticated without --keys or --cram', async () => {
    const result = await repl(['@alice'], 'llookup:phone.repl@alice\nlookup:signing_publickey@alice\n');
    const [refused, found] = lines(result.stdout);
    expect(refused).toBe('error:AT0401-Exception: Command cannot be executed without auth');
    expect(found).toMatch(/^data:MII/);
  });

  it('stops at @exit: nothing after it is sent', async () => {
    const result = await repl(['@alice', '--cram', secret], 'info:brief\n@exit\nllookup:phone.repl@alice\n');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([expect.stringMatching(/^data:\{"version"/)]);
  });

  it('authenticates with PKAM using an .atKeys file', async () => {
    const keys = join(data.path, 'alice-legacy.atKeys');
    const publicKey = await atKeysFile(keys);
    const stored = await repl(['@alice', '--cram', secret], `update:privatekey:at_pkam_publickey ${publicKey}\n`);
    expect(lines(stored.stdout)).toEqual(['data:-1']);
    const result = await repl(['@alice', '--keys', keys], 'llookup:phone.repl@alice\n');
    expect(result.stderr).toBe('');
    expect(lines(result.stdout)).toEqual(['data:+1 555 0100']);
  });

  it('authenticates with APKAM using the enrollment id of an .atKeys file', async () => {
    const keys = join(data.path, 'alice-apkam.atKeys');
    const publicKey = await atKeysFile(keys, 'placeholder');
    const request = JSON.stringify({
      appName: 'atstack-test',
      deviceName: 'repl',
      namespaces: { '*': 'rw' },
      apkamPublicKey: publicKey,
    });
    const enrolled = await repl(['@alice', '--cram', secret], `enroll:request:${request}\n`);
    const { enrollmentId, status } = JSON.parse(lines(enrolled.stdout)[0]!.slice('data:'.length)) as {
      enrollmentId: string;
      status: string;
    };
    expect(status).toBe('approved');
    // Rewrite the file with the real enrollment id and the same keys.
    const file = await readAtKeysFile(await readFile(keys, 'utf8'));
    await writeFile(keys, await writeAtKeysFile({ ...file, enrollmentId }));

    const result = await repl(['@alice', '--keys', keys], 'info\n');
    expect(result.stderr).toBe('');
    expect(JSON.parse(lines(result.stdout)[0]!.slice('data:'.length))).toMatchObject({
      apkam_metadata: { appName: 'atstack-test', deviceName: 'repl' },
    });
  });

  it('takes the directory and CA from --directory and --ca', async () => {
    const elsewhere = await tempDir();
    try {
      const directory = `${facts.directory.host}:${facts.directory.port}`;
      const result = await runAtstack(
        ['repl', '@alice', '--directory', directory, '--ca', facts.caPath, '--data', elsewhere.path],
        { input: 'lookup:signing_publickey@alice\n' },
      );
      expect(lines(result.stdout)).toEqual([expect.stringMatching(/^data:MII/)]);
    } finally {
      await elsewhere.remove();
    }
  });

  it('exits 1 with the server’s refusal for a wrong CRAM secret', async () => {
    const result = await repl(['@alice', '--cram', 'not-the-secret'], 'info\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('authentication as @alice failed: AT0401');
    expect(result.stdout).toBe('');
  });

  it('exits 1 for an atSign the directory does not know', async () => {
    const result = await repl(['@nobody'], 'info\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the atDirectory at localhost:${facts.directory.port} does not know @nobody`);
  });

  it('exits 1 when the atServer closes the connection', async () => {
    const result = await repl(['@alice'], 'from:@b!ad\ninfo\n');
    expect(lines(result.stdout)[0]).toMatch(/^error:AT0011-/);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('closed');
  });

  it.each([
    [['repl']],
    [['repl', '@al!ce']],
    [['repl', '@alice', '--keys', 'a.atKeys', '--cram', 'x']],
    [['repl', '@alice', '--directory', 'nohostport']],
    [['repl', '@alice', '--ca', '/nonexistent/ca.crt']],
  ])('exits 2 for %j', async (args) => {
    const result = await runAtstack([...args, '--data', data.path], { input: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: atstack repl');
  });
});
