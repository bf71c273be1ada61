import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { AtError } from '$lib/at/errors';
import { generateAesKey } from '$lib/crypto/aes-key';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { generateEccKeyPair } from '$lib/crypto/ecc-p256';
import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import { authenticateWithCram, authenticateWithKeys } from '$server/net/authenticate';
import { lookupAtServer } from '$server/net/directory-client';
import { ProtocolClient } from '$server/net/protocol-client';
import { startStack, type Stack } from '../atserver/harness';

/** Keys as an `.atKeys` file holds them, around a given PKAM key pair. */
async function atKeys(pkam: { publicKey: string; privateKey: string }, enrollmentId?: string): Promise<AtKeys> {
  const encryption = await generateRsaKeyPair();
  return {
    atSign: '@alice',
    pkamPublicKey: pkam.publicKey,
    pkamPrivateKey: pkam.privateKey,
    encryptionPublicKey: encryption.publicKey,
    encryptionPrivateKey: encryption.privateKey,
    selfEncryptionKey: generateAesKey(),
    ...(enrollmentId === undefined ? {} : { enrollmentId }),
  };
}

describe('ProtocolClient against the atServer', () => {
  let stack: Stack;
  let secret: string;
  const open: ProtocolClient[] = [];
  const connect = async (options: { timeoutMs?: number } = {}) => {
    const client = await ProtocolClient.connect({
      host: 'localhost',
      port: stack.port('@alice'),
      ca: stack.tls.caPem,
      ...options,
    });
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    stack = await startStack();
    secret = (await stack.create('@alice')).cramSecret;
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await stack.stop();
  });

  it('connects after the server’s @ and answers with parsed responses', async () => {
    const client = await connect();
    expect(await client.send('info:brief')).toMatchObject({
      kind: 'data',
      data: expect.stringMatching(/^\{"version"/),
    });
    expect(await client.send('nope')).toEqual({
      kind: 'error',
      code: 'AT0003',
      description: 'Exception: invalid command',
    });
  });

  it('keeps commands sent at once in lock-step, each with its own answer', async () => {
    const client = await connect();
    await authenticateWithCram(client, '@alice', secret);
    const answers = await Promise.all([
      client.exchange('update:a.client@alice 1'),
      client.exchange('llookup:a.client@alice'),
      client.exchange('llookup:b.client@alice'),
    ]);
    expect(answers.map((a) => a.response.kind)).toEqual(['data', 'data', 'error']);
    expect(answers[1]!.text).toBe('data:1');
  });

  it('authenticates with CRAM and then reads past the owner prompt', async () => {
    const client = await connect();
    await authenticateWithCram(client, '@alice', secret);
    expect((await client.exchange('llookup:a.client@alice')).text).toBe('data:1');
  });

  it('rejects a wrong CRAM secret with the server’s AT0401', async () => {
    const client = await connect();
    const failure = await authenticateWithCram(client, '@alice', 'wrong').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AtError);
    expect(failure).toMatchObject({ code: 'AT0401' });
  });

  it('authenticates with the legacy PKAM key of an .atKeys file', async () => {
    const keys = await atKeys(await generateRsaKeyPair());
    const owner = await connect();
    await authenticateWithCram(owner, '@alice', secret);
    expect((await owner.exchange(`update:privatekey:at_pkam_publickey ${keys.pkamPublicKey}`)).text).toBe('data:-1');
    const client = await connect();
    await authenticateWithKeys(client, '@alice', keys);
    expect((await client.exchange('llookup:a.client@alice')).text).toBe('data:1');
  });

  it('authenticates with an enrollment’s ECC APKAM key', async () => {
    const pair = await generateEccKeyPair();
    const owner = await connect();
    await authenticateWithCram(owner, '@alice', secret);
    const request = { appName: 'test', deviceName: 'ecc', namespaces: { '*': 'rw' }, apkamPublicKey: pair.publicKey };
    const enrolled = await owner.send(`enroll:request:${JSON.stringify(request)}`);
    expect(enrolled.kind).toBe('data');
    const { enrollmentId } = JSON.parse(enrolled.kind === 'data' ? enrolled.data : '{}') as { enrollmentId: string };
    const client = await connect();
    await authenticateWithKeys(client, '@alice', await atKeys(pair, enrollmentId));
    expect((await client.exchange('llookup:a.client@alice')).text).toBe('data:1');
  });

  it('reads an error whose text spans lines as one response', async () => {
    const client = await connect();
    await client.send('from:@alice');
    const answer = await client.exchange('pkam:not*base64');
    expect(answer.response).toMatchObject({ kind: 'error', code: 'AT0011' });
    expect(answer.text).toContain('\nnot*base64');
    await client.closed;
  });

  it('rejects further commands once the server has closed the connection', async () => {
    const client = await connect();
    await client.sendWithoutReply('@exit');
    await client.closed;
    await expect(client.send('info')).rejects.toMatchObject({ code: 'AT0004' });
  });

  it('gives up on a response after its timeout with AT0023 and closes', async () => {
    const client = await connect({ timeoutMs: 200 });
    // The manual clock never reaches the end of this noop.
    await expect(client.send('noop:5000')).rejects.toMatchObject({ code: 'AT0023' });
    await client.closed;
    stack.clock.advance(5_000);
  });
});

describe('ProtocolClient.connect', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'], limits: { maxInboundConnections: 1 } });
  });
  afterAll(() => stack.stop());

  it('rejects a connection the server refuses, with its AT0012 words', async () => {
    const options = { host: 'localhost', port: stack.port('@alice'), ca: stack.tls.caPem };
    const first = await ProtocolClient.connect(options);
    await expect(ProtocolClient.connect(options)).rejects.toThrow('error:AT0012-Inbound connection limit exceeded');
    first.close();
  });

  it('checks the server certificate against the CA it is given', async () => {
    const options = { host: 'localhost', port: stack.port('@alice') };
    await expect(ProtocolClient.connect(options)).rejects.toThrow(/certificate/);
  });
});

describe('lookupAtServer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
  });
  afterAll(() => stack.stop());

  it('answers the host:port the directory holds for an atSign', async () => {
    const address = await lookupAtServer(
      { host: 'localhost', port: stack.directory.port, ca: stack.tls.caPem },
      '@alice',
    );
    expect(address).toBe(`localhost:${stack.port('@alice')}`);
  });

  it('answers null for an atSign the directory does not know', async () => {
    const directory = { host: '127.0.0.1', port: stack.directory.port, ca: stack.tls.caPem };
    expect(await lookupAtServer(directory, '@nobody')).toBeNull();
  });
});

describe('ProtocolClient framing (scripted server)', () => {
  let server: tls.Server;
  let port: number;
  let script: (socket: tls.TLSSocket, line: string) => void;
  let stack: Stack;
  const sockets = new Set<tls.TLSSocket>();

  beforeAll(async () => {
    stack = await startStack();
    server = tls.createServer({ cert: stack.tls.certPem, key: stack.tls.keyPem }, (socket) => {
      sockets.add(socket);
      socket.setEncoding('utf8');
      socket.on('error', () => {});
      let text = '';
      socket.on('data', (chunk: string) => {
        text += chunk;
        for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n')) {
          script(socket, text.slice(0, end));
          text = text.slice(end + 1);
        }
      });
      socket.write('@');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await stack.stop();
  });

  const connect = (onNotification?: (json: string) => void) =>
    ProtocolClient.connect({ host: 'localhost', port, ca: stack.tls.caPem, onNotification });

  it('hands notification lines to the callback and still answers the command', async () => {
    script = (socket) => socket.write('notification: {"id":"1"}\nnotification: {"id":"2"}\ndata:ok\n@alice@');
    const seen: string[] = [];
    const client = await connect((json) => seen.push(json));
    expect((await client.exchange('monitor-ish')).text).toBe('data:ok');
    expect(seen).toEqual(['{"id":"1"}', '{"id":"2"}']);
    client.close();
  });

  it('puts a response together from chunks split anywhere, the prompt included', async () => {
    script = (socket, line) => {
      const answer = `data:{"to":"@bob:x","line":"${line}"}\n@alice@`;
      for (const piece of [answer.slice(0, 7), answer.slice(7, answer.length - 4), answer.slice(-4)]) {
        socket.write(piece);
      }
    };
    const client = await connect();
    expect((await client.exchange('first')).text).toBe('data:{"to":"@bob:x","line":"first"}');
    expect((await client.exchange('second')).text).toBe('data:{"to":"@bob:x","line":"second"}');
    client.close();
  });

  it('reads a bare @bob@ as the answer to pol', async () => {
    script = (socket, line) => socket.write(line === 'pol' ? '@bob@' : 'data:proof:_1@bob:2\n@');
    const client = await connect();
    expect(await client.send('from:@bob')).toEqual({ kind: 'data', data: 'proof:_1@bob:2' });
    expect(await client.send('pol')).toEqual({ kind: 'prompt', atSign: '@bob' });
    client.close();
  });

  it('answers a response the server wrote just before closing, without its prompt', async () => {
    script = (socket) => socket.end('error:AT0024-Exception: Server is paused\n');
    const client = await connect();
    expect(await client.send('info')).toMatchObject({ kind: 'error', code: 'AT0024' });
  });
});
