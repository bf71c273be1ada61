/**
 * The Node {@link Dialer}: asks the atDirectory over TLS where an atSign's atServer is (atprotocol.md §2),
 * then connects to it with TLS, as the reference SDKs do.
 */
import { fixAtSign, toDirectoryForm } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { AtConnection } from '../connection';
import type { Dialer } from '../dialer';
import { openTlsTransport } from './tls-transport';

export interface DirectoryDialerOptions {
  /** The atDirectory, e.g. `root.atsign.org` port 64. */
  readonly host: string;
  readonly port: number;
  /** CA certificate(s) to trust for the directory instead of the system store. */
  readonly ca?: string | Buffer;
  /** CA certificate(s) to trust for atServers; defaults to `ca`. */
  readonly atServerCa?: string | Buffer;
  /** Each TLS connection must be up within this (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/** Where an atServer listens. */
export interface AtServerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Asks the atDirectory for an atSign's atServer: the atSign without `@`, answered `host:port` or `null`.
 *
 * @throws AtError AT0021 when the directory cannot be reached; AT0011 for an invalid atSign.
 * @example await lookupAtServer({ host: 'localhost', port: 6464, ca }, '@alice'); // { host: 'localhost', port: 6465 }
 */
export async function lookupAtServer(
  directory: DirectoryDialerOptions,
  atSign: string,
): Promise<AtServerAddress | null> {
  const name = toDirectoryForm(atSign);
  const { host, port, ca, connectTimeoutMs } = directory;
  const connection = await AtConnection.open(await openTlsTransport({ host, port, ca, timeoutMs: connectTimeoutMs }));
  try {
    const { text } = await connection.exchange(name);
    if (text === 'null') return null;
    const match = /^(.+):(\d+)$/.exec(text);
    if (!match) throw new AtError('AT0021', `the atDirectory answered ${JSON.stringify(text)} for ${atSign}`);
    return { host: match[1]!, port: Number(match[2]) };
  } finally {
    await connection.sendWithoutReply('@exit').catch(() => undefined);
    connection.close();
  }
}

/**
 * Reaches atServers the way the SDKs do: atDirectory lookup, then TLS to the `host:port` it names.
 *
 * @example
 * const dialer = directoryDialer({ host: 'localhost', port: 6464, ca: caPem });
 * const connection = await dialer.dial('@alice');
 */
export function directoryDialer(options: DirectoryDialerOptions): Dialer {
  return {
    async dial(atSignText, connectionOptions) {
      const atSign = fixAtSign(atSignText);
      const address = await lookupAtServer(options, atSign);
      if (!address) throw new AtError('AT0007', `${atSign} is not registered in the atDirectory`);
      const transport = await openTlsTransport({
        ...address,
        ca: options.atServerCa ?? options.ca,
        timeoutMs: options.connectTimeoutMs,
      });
      return AtConnection.open(transport, connectionOptions);
    },
  };
}
