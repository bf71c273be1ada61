/**
 * Federation: how one atSign's atServer reaches the atServers of other atSigns (atprotocol.md §6). It finds
 * them through the atDirectory, connects with mutual TLS, authenticates with `from`/`pol` and pools the
 * connections; verbs reach it through `AtSignContext.remote` and `AtSignContext.locate`.
 */
import { fixAtSign } from '$lib/at/atsign';
import { fromRecordJson } from '$lib/at/metadata-json';
import type { DirectoryAddress } from '../../net/directory-client';
import type { TlsMaterial } from '../../tls/local-ca';
import { putCached } from '../cache';
import type { AtSignContext, RemoteLookup } from '../context';
import { polHandshake } from './handshake';
import { directoryLocator, type Locator } from './peer-address';
import { ask, connectToPeer, type PeerConnection, type PeerTls } from './peer-connection';
import { OutboundPool } from './pool';

/** Where an atServer host finds other atSigns, and whom it trusts for them. */
export interface Federation {
  /** The atDirectory that knows every atSign's `host:port`; its `ca` is trusted for the directory itself. */
  readonly directory: DirectoryAddress;
  /**
   * CA certificates (PEM) trusted for other atServers besides the host's own CA, e.g. the local CA of another
   * atstack host. They are trusted both for the atServers this host connects to and for the client
   * certificates other atServers present.
   */
  readonly trustedCaPem?: string;
}

/** What federation needs of the atServer it serves. */
export type FederationSelf = Pick<AtSignContext, 'atSign' | 'store' | 'clock' | 'limits' | 'log'>;

/** One atServer's federation: the seams its verbs use, plus housekeeping for the server that owns it. */
export interface FederationRuntime {
  readonly remote: RemoteLookup;
  readonly locate: Locator;
  /** Open outbound connections, for `stats:2`. */
  outboundCount(): number;
  /** Closes outbound connections idle past `outboundIdleMs`. */
  reapIdle(): number;
  close(): void;
}

/**
 * The CA certificates (PEM) this host trusts for other atServers: its own plus `extraPem`.
 * @example trustedCaPem(tls, federation.trustedCaPem)
 */
export function trustedCaPem(tls: Pick<TlsMaterial, 'caPem'>, extraPem?: string): string {
  return extraPem ? `${tls.caPem.trimEnd()}\n${extraPem}` : tls.caPem;
}

/**
 * The reference's `checkRemotePublicKey`, run on every new outbound connection before the handshake: an
 * unauthenticated `lookup:all:publickey@bob` refreshes `cached:public:publickey@bob` (kept forever; a changed
 * key retires `shared_key.bob@alice`). Any failure is ignored, as the reference ignores it.
 */
async function checkRemotePublicKey(peer: PeerConnection, self: FederationSelf): Promise<void> {
  let answer: string;
  try {
    answer = await ask(peer, `lookup:all:publickey${peer.atSign}`, self.limits.outboundRequestTimeoutMs);
  } catch {
    return;
  }
  try {
    const record = fromRecordJson(JSON.parse(answer));
    await putCached(self, `cached:public:publickey${peer.atSign}`, record.data ?? null, record.metadata);
  } catch (error) {
    self.log.warn('could not cache the public key', { atSign: peer.atSign, error: String(error) });
  }
}

/**
 * Starts federation for one atServer: nothing connects until a verb needs another atServer.
 *
 * @example
 * const federation = startFederation(self, { directory: { host: 'localhost', port: 6464, ca } }, tls);
 * await federation.remote.request('@bob', 'lookup:all:phone@bob'); // as @alice, over from/pol
 */
export function startFederation(self: FederationSelf, federation: Federation, tls: TlsMaterial): FederationRuntime {
  const locate = directoryLocator(federation.directory);
  const peerTls: PeerTls = {
    certPem: tls.certPem,
    keyPem: tls.keyPem,
    caPem: trustedCaPem(tls, federation.trustedCaPem),
  };
  const pool = new OutboundPool({
    limits: self.limits,
    now: () => self.clock.now(),
    async open(atSign, anonymous) {
      const address = await locate(atSign);
      const peer = await connectToPeer(atSign, address, peerTls, self.limits.outboundConnectTimeoutMs);
      try {
        await checkRemotePublicKey(peer, self);
        if (!anonymous) await polHandshake(peer, self, self.limits.outboundHandshakeTimeoutMs);
      } catch (error) {
        peer.client.close();
        throw error;
      }
      return peer;
    },
  });
  return {
    remote: {
      request(atSign, command, options = {}) {
        const { limits } = self;
        // The reference waits 10 s for a notify answer and 5 s for anything else (§1.8).
        const timeoutMs = command.startsWith('notify:')
          ? limits.outboundNotifyTimeoutMs
          : limits.outboundRequestTimeoutMs;
        return pool.request(fixAtSign(atSign), command, { anonymous: options.anonymous ?? false, timeoutMs });
      },
    },
    locate,
    outboundCount: () => pool.size,
    reapIdle: () => pool.reapIdle(),
    close: () => pool.close(),
  };
}
