import { afterEach, describe, expect, it } from 'vitest';
import { AtError } from '$lib/at/errors';
import { CryptoError } from '$lib/crypto/crypto-error';
import { deriveVaultKey, VaultError } from '$lib/client/vault';
import { connect, expose, type Endpoint, type RpcClient, type RpcHost } from '$lib/client/worker/rpc';
import { RemoteError } from '$lib/client/worker/wire-error';

/** An object as a worker would host it: async methods, state of its own. */
class Service {
  readonly #secret = 'stays here';
  calls = 0;

  async add(a: number, b: number): Promise<number> {
    this.calls += 1;
    return a + b;
  }

  async echoBytes(bytes: Uint8Array): Promise<Uint8Array> {
    return bytes;
  }

  async later(ms: number, value: string): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return value;
  }

  async failWith(kind: 'at' | 'crypto' | 'vault' | 'plain'): Promise<never> {
    if (kind === 'at') throw new AtError('AT0023', 'no answer in time');
    if (kind === 'crypto') throw new CryptoError('bad-padding', 'wrong key');
    if (kind === 'vault') throw new VaultError('wrong-passphrase', 'no');
    const error = new TypeError('broken');
    throw Object.assign(error, { code: 'E_BROKEN' });
  }

  async encryptWith(key: CryptoKey, text: string): Promise<ArrayBuffer> {
    const iv = new Uint8Array(12);
    return crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(text));
  }

  async canExport(key: CryptoKey): Promise<boolean> {
    return crypto.subtle.exportKey('raw', key).then(
      () => true,
      () => false,
    );
  }

  async uncloneable(): Promise<() => void> {
    return () => this.#secret;
  }

  async hasSecret(): Promise<boolean> {
    return this.#secret.length > 0;
  }
}

describe('RPC over a MessageChannel', () => {
  let channel: MessageChannel;
  let host: RpcHost;
  let client: RpcClient<Service>;
  let service: Service;

  const start = () => {
    channel = new MessageChannel();
    service = new Service();
    host = expose(service, channel.port1 as unknown as Endpoint);
    client = connect<Service>(channel.port2 as unknown as Endpoint);
  };
  afterEach(() => {
    client.close();
    host.close();
    channel.port1.close();
    channel.port2.close();
  });

  it('calls a method of the exposed object and resolves with its result', async () => {
    start();
    expect(await client.api.add(2, 3)).toBe(5);
    expect(service.calls).toBe(1);
  });

  it('carries bytes both ways by structured clone', async () => {
    start();
    expect(await client.api.echoBytes(new Uint8Array([1, 2, 255]))).toEqual(new Uint8Array([1, 2, 255]));
  });

  it('matches answers to calls by id when they come back out of order', async () => {
    start();
    const slow = client.api.later(30, 'slow');
    const fast = client.api.later(0, 'fast');
    expect(await Promise.all([slow, fast])).toEqual(['slow', 'fast']);
  });

  it('rebuilds the errors callers test for, with their codes', async () => {
    start();
    const at = await client.api.failWith('at').catch((error: unknown) => error);
    expect(at).toBeInstanceOf(AtError);
    expect(at).toMatchObject({ code: 'AT0023', message: 'no answer in time' });
    expect((at as AtError).isRetryable()).toBe(true);
    await expect(client.api.failWith('crypto')).rejects.toEqual(expect.any(CryptoError));
    await expect(client.api.failWith('crypto')).rejects.toMatchObject({ code: 'bad-padding' });
    await expect(client.api.failWith('vault')).rejects.toMatchObject({ name: 'VaultError', code: 'wrong-passphrase' });
    const plain = await client.api.failWith('plain').catch((error: unknown) => error);
    expect(plain).toBeInstanceOf(RemoteError);
    expect(plain).toMatchObject({ name: 'TypeError', code: 'E_BROKEN', message: 'broken' });
  });

  it('refuses to call what is not a method of the object, such as Object.prototype’s', async () => {
    start();
    const api = client.api as unknown as Record<string, () => Promise<unknown>>;
    await expect(api.nothing!()).rejects.toThrow('no method nothing');
    await expect(api.constructor!()).rejects.toThrow('no method constructor');
    await expect(api.toString!()).rejects.toThrow('no method toString');
    await expect(api.calls!()).rejects.toThrow('no method calls');
  });

  it('passes a non-extractable CryptoKey that still works on the far side and still cannot be exported', async () => {
    start();
    const key = await deriveVaultKey('passphrase', new Uint8Array(16), 1_000);
    const sealed = await client.api.encryptWith(key, 'hello');
    const iv = new Uint8Array(12);
    expect(new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed))).toBe('hello');
    expect(await client.api.canExport(key)).toBe(false);
  });

  it('answers a result that cannot be cloned with an error and goes on serving', async () => {
    start();
    await expect(client.api.uncloneable()).rejects.toMatchObject({ name: 'DataCloneError' });
    expect(await client.api.hasSecret()).toBe(true);
  });

  it('delivers events the host emits to the listeners of that name only', async () => {
    start();
    const seen: unknown[] = [];
    client.on('status', (data) => seen.push(data));
    client.on('other', () => seen.push('wrong'));
    host.emit('status', { state: 'synced', queued: 0 });
    expect(await client.api.add(1, 1)).toBe(2); // the event was posted before this answer
    expect(seen).toEqual([{ state: 'synced', queued: 0 }]);
  });

  it('rejects calls still waiting when the client closes', async () => {
    start();
    const waiting = client.api.later(50, 'late');
    client.close();
    await expect(waiting).rejects.toThrow('closed before the answer');
    await expect(client.api.add(1, 2)).rejects.toThrow('closed');
  });
});
