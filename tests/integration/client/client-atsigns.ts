/**
 * atSigns for client data-layer tests: activated the legacy way (PKAM public key and encryption public key
 * written over CRAM, crypto.md §5.2), then reached over a PKAM-authenticated {@link ProtocolClient} wrapped in a
 * {@link RecordingRequester} so tests can compare the lines sent with what the SDKs send.
 */
import type { Response } from '$lib/at/response';
import { generateAesKey } from '$lib/crypto/aes-key';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { generateRsaKeyPair } from '$lib/crypto/rsa-keys';
import { Keyring } from '$lib/client/keyring';
import { DataOperations } from '$lib/client/operations';
import type { Requester, RequestOptions } from '$lib/client/requester';
import { authenticateWithKeys } from '$server/net/authenticate';
import { ProtocolClient } from '$server/net/protocol-client';
import type { AtServerLimits } from '$server/config';
import { startStack, type Stack } from '../atserver/harness';

/** Passes every line to `inner` and keeps it, in order. */
export class RecordingRequester implements Requester {
  readonly lines: string[] = [];
  readonly #inner: Requester;

  constructor(inner: Requester) {
    this.#inner = inner;
  }

  send(line: string, options?: RequestOptions): Promise<Response> {
    this.lines.push(line);
    return this.#inner.send(line, options);
  }

  /** The lines sent while `action` ran. */
  async during(action: () => Promise<unknown>): Promise<string[]> {
    const start = this.lines.length;
    await action();
    return this.lines.slice(start);
  }
}

/** One atSign as a client sees it. */
export interface ClientAtSign {
  readonly atSign: string;
  readonly keys: AtKeys;
  readonly keyring: Keyring;
  readonly requester: RecordingRequester;
  readonly data: DataOperations;
}

/** Fresh keys for `atSign` as an `.atKeys` holds them: RSA PKAM and encryption pairs, a self encryption key. */
export async function newAtKeys(atSign: string): Promise<AtKeys> {
  const [pkam, encryption] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
  return {
    atSign,
    pkamPublicKey: pkam.publicKey,
    pkamPrivateKey: pkam.privateKey,
    encryptionPublicKey: encryption.publicKey,
    encryptionPrivateKey: encryption.privateKey,
    selfEncryptionKey: generateAesKey(),
  };
}

/** Writes new keys' PKAM and encryption public keys for `atSign` over CRAM and answers the `.atKeys`. */
export async function activate(stack: Stack, atSign: string): Promise<AtKeys> {
  const keys = await newAtKeys(atSign);
  const owner = await stack.owner(atSign);
  for (const line of [
    `update:privatekey:at_pkam_publickey ${keys.pkamPublicKey}`,
    `update:public:publickey${atSign} ${keys.encryptionPublicKey}`,
  ]) {
    const answer = await owner.send(line);
    if (!answer.startsWith('data:')) throw new Error(`activation failed: ${answer}`);
  }
  owner.close();
  return keys;
}

/** A PKAM-authenticated connection of `atSign` with its keys. */
export async function connectWithKeys(stack: Stack, atSign: string, keys: AtKeys): Promise<ProtocolClient> {
  const client = await ProtocolClient.connect({ host: 'localhost', port: stack.port(atSign), ca: stack.tls.caPem });
  await authenticateWithKeys(client, atSign, keys);
  return client;
}

/** A stack whose atSigns are activated with keys, and fresh clients of them. */
export interface ClientStack {
  readonly stack: Stack;
  /** The `.atKeys` of an activated atSign. */
  keysOf(atSign: string): AtKeys;
  /** A fresh client of `atSign` (new connection, keyring and caches). */
  client(atSign: string): Promise<ClientAtSign>;
  stop(): Promise<void>;
}

/** Starts a stack (real directory and atServers on loopback) and activates `atSigns` on it. */
export async function startClientStack(atSigns: string[], limits?: Partial<AtServerLimits>): Promise<ClientStack> {
  const stack = await startStack({ atSigns, ...(limits === undefined ? {} : { limits }) });
  const keys = new Map<string, AtKeys>();
  for (const atSign of atSigns) keys.set(atSign, await activate(stack, atSign));
  const open: ProtocolClient[] = [];
  const keysOf = (atSign: string) => {
    const found = keys.get(atSign);
    if (!found) throw new Error(`${atSign} is not activated`);
    return found;
  };
  return {
    stack,
    keysOf,
    async client(atSign) {
      const connection = await connectWithKeys(stack, atSign, keysOf(atSign));
      open.push(connection);
      const requester = new RecordingRequester(connection);
      const keyring = await Keyring.fromAtKeys(keysOf(atSign));
      return { atSign, keys: keysOf(atSign), keyring, requester, data: new DataOperations(requester, keyring) };
    },
    async stop() {
      for (const connection of open) connection.close();
      await stack.stop();
    },
  };
}
