/**
 * Helpers for federation tests: certificates from a stack's local CA, a scripted stand-in for another
 * atServer, and a port nothing listens on.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { join } from 'node:path';
import { signRsa } from '$lib/crypto/rsa-signature';
import { reservedKeys } from '$server/atserver/bootstrap';
import { ensureLocalCa, type TlsMaterial } from '$server/tls/local-ca';
import type { Stack } from '../atserver/harness';
import { tempDir } from '../../support/temp-dir';

/** A leaf certificate for `names` issued by `stack`'s local CA (so atServers of the stack trust it). */
export async function issueCertificate(
  stack: Stack,
  names: string[],
): Promise<TlsMaterial & { remove(): Promise<void> }> {
  const dir = await tempDir();
  await mkdir(join(dir.path, 'tls'), { recursive: true });
  for (const file of ['ca.crt', 'ca.key'])
    await copyFile(join(stack.dataDir, 'tls', file), join(dir.path, 'tls', file));
  return { ...(await ensureLocalCa(dir.path, names)), remove: () => dir.remove() };
}

/** A leaf certificate for `names` from a CA of its own, which no atServer of any stack trusts. */
export async function untrustedCertificate(names: string[]): Promise<TlsMaterial & { remove(): Promise<void> }> {
  const dir = await tempDir();
  return { ...(await ensureLocalCa(dir.path, names)), remove: () => dir.remove() };
}

/** Signs a `from` challenge as `atSign`'s atServer does: RSA SHA-256 with its signing private key. */
export async function signAs(stack: Stack, atSign: string, challenge: string): Promise<string> {
  const store = stack.host.server(atSign)!.context.store;
  const privateKey = store.keys.get(reservedKeys.signingPrivateKey(atSign))!.value!;
  return signRsa(challenge, privateKey);
}

/** `data:proof:_<session>@bob:<uuid>` → `{ sessionKey: '_<session>@bob', challenge: '<uuid>' }`. */
export function readProof(answer: string): { sessionKey: string; challenge: string } {
  const [, , sessionKey = '', challenge = ''] = answer.split(':');
  return { sessionKey, challenge };
}

/** A stand-in for another atServer: writes `@`, then answers each line with `script(line)` (nothing if undefined). */
export interface FakeAtServer {
  readonly port: number;
  /** Every line received, in order. */
  readonly lines: string[];
  /** Resolves once a line matching `pattern` has arrived. */
  received(pattern: RegExp): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeAtServer(
  material: TlsMaterial,
  script: (line: string) => string | undefined,
): Promise<FakeAtServer> {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: material.certPem, key: material.keyPem }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (text: string) => {
      buffer += text;
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        lines.push(line);
        for (const waiter of waiters.filter((w) => w.pattern.test(line))) waiter.resolve();
        const answer = script(line);
        if (answer !== undefined) socket.write(answer);
      }
    });
    socket.write('@');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    received: (pattern) =>
      lines.some((line) => pattern.test(line))
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ pattern, resolve })),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
