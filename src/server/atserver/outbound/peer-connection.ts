/**
 * One connection from this atServer to another atSign's atServer (atprotocol.md §6.1): TLS with this host's
 * certificate as the client certificate, then commands in lock-step, each answer read as the reference's
 * `OutboundMessageListener.read` reads it.
 */
import { AtError } from '$lib/at/errors';
import { errorFromResponse } from '$lib/at/response';
import { ProtocolClient } from '../../net/protocol-client';
import type { PeerAddress } from './peer-address';

/** What this atServer presents and trusts on its outbound connections. */
export interface PeerTls {
  /** This host's certificate and key, presented as the client certificate (mutual TLS). */
  readonly certPem: string;
  readonly keyPem: string;
  /** The CA certificates other atServers' certificates must chain to (PEM, one or more). */
  readonly caPem: string;
}

/** An open connection to `atSign`'s atServer at `address`. */
export interface PeerConnection {
  readonly atSign: string;
  readonly address: PeerAddress;
  readonly client: ProtocolClient;
}

/** `@bob at localhost:6466`, as the reference names a peer in its errors. */
export const describePeer = (peer: Pick<PeerConnection, 'atSign' | 'address'>) =>
  `${peer.atSign} at ${peer.address.host}:${peer.address.port}`;

/**
 * Opens a TLS connection to `atSign`'s atServer and waits for its `@`.
 *
 * @throws AtError `AT0021` `Unable to connect to secondary …` when the connection, the TLS handshake or the
 *   greeting fails (refused, certificate not trusted, AT0012 from a full atServer, no `@` in time).
 * @example await connectToPeer('@bob', { host: 'localhost', port: 6466 }, tls, 10_000)
 */
export async function connectToPeer(
  atSign: string,
  address: PeerAddress,
  tls: PeerTls,
  timeoutMs: number,
): Promise<PeerConnection> {
  try {
    const client = await ProtocolClient.connect({
      host: address.host,
      port: address.port,
      ca: tls.caPem,
      cert: tls.certPem,
      key: tls.keyPem,
      connectTimeoutMs: timeoutMs,
    });
    return { atSign, address, client };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AtError('AT0021', `Unable to connect to secondary ${describePeer({ atSign, address })}: ${reason}`);
  }
}

/**
 * Sends one command and answers the text after `data:` (or the bare `@bob@` that `pol` answers). As the
 * reference's listener does:
 * - an `error:` answer is thrown as its AtError and the connection stays usable;
 * - no answer within `timeoutMs` closes the connection: AT0023 `No response after <ms> millis from remote
 *   secondary @bob at host:port`;
 * - any other answer closes it: AT0011 `Unexpected response '…' from remote secondary …`.
 * None of these closes the caller's own connection.
 *
 * @example await ask(peer, 'lookup:all:phone@bob', 5_000) // '{"key":"@alice:phone@bob",…}'
 */
export async function ask(peer: PeerConnection, command: string, timeoutMs: number): Promise<string> {
  let answer;
  try {
    answer = await peer.client.exchange(command, { timeoutMs });
  } catch (error) {
    if (error instanceof AtError && error.code === 'AT0023') {
      throw new AtError('AT0023', `No response after ${timeoutMs} millis from remote secondary ${describePeer(peer)}`);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new AtError('AT0004', `Outbound connection to ${describePeer(peer)} failed: ${reason}`, { close: false });
  }
  const { text, response } = answer;
  if (response.kind === 'data' && text.startsWith('data:')) return response.data;
  if (response.kind === 'prompt') return text;
  if (response.kind === 'error' && text.startsWith('error:')) throw errorFromResponse(response);
  peer.client.close();
  throw new AtError('AT0011', `Unexpected response '${text}' from remote secondary ${describePeer(peer)}`, {
    close: false,
  });
}
