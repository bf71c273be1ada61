/**
 * Where another atSign's atServer listens, as the atDirectory says (atprotocol.md §2, §6.1 step 1).
 */
import { AtError } from '$lib/at/errors';
import { lookupAtServer, type DirectoryAddress } from '../../net/directory-client';
import { unreachable } from '../remote-records';

/** A `host:port` the atDirectory handed out. */
export interface PeerAddress {
  /** Host name or IP, without IPv6 brackets: what the peer's certificate must name. */
  readonly host: string;
  readonly port: number;
}

/**
 * Reads a directory answer `host:port` (`[::1]:6465` for IPv6).
 *
 * @throws AtError `AT0007` when the text is not an address.
 * @example parseAddress('localhost:6465') // { host: 'localhost', port: 6465 }
 */
export function parseAddress(text: string, atSign: string): PeerAddress {
  const match = /^\[?([^[\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port > 0 && port < 65_536)) {
    throw new AtError('AT0007', `Invalid secondary address ${text} for atSign:${atSign.replace(/^@/, '')}`);
  }
  return { host: match[1], port };
}

/** Finds an atSign's atServer; see {@link directoryLocator}. */
export type Locator = (atSign: string) => Promise<PeerAddress>;

/**
 * Asks `directory` where an atSign's atServer is, on every call: answers are not cached, so an atSign that
 * moved is found at its new address at once (connections are pooled, so lookups are rare).
 *
 * @throws AtError `AT0007` `Unable to find secondary address for atSign:bob` when the directory does not know
 *   the atSign; `AT0021`/`AT0023` when the directory cannot be reached.
 * @example await directoryLocator({ host: 'localhost', port: 6464, ca })('@bob') // { host: 'localhost', port: 6466 }
 */
export function directoryLocator(directory: DirectoryAddress): Locator {
  return async (atSign) => {
    const address = await lookupAtServer(directory, atSign);
    if (address === null) throw unreachable(atSign);
    return parseAddress(address, atSign);
  };
}
