import type { Clock } from '../clock';
import type { AtServerLimits } from '../config';
import type { Logger } from '../log';
import type { InboundConnection } from './inbound-pool';
import type { Notifications } from './notifications/service';
import type { AtSignStore } from './store/atsign-store';
import type { Session } from './session';
import type { AtSignPush } from './webpush/atsign-push';

/** What every connection of one atSign's atServer shares. */
export interface AtSignContext {
  /** The atSign served, `@alice`. */
  readonly atSign: string;
  readonly store: AtSignStore;
  readonly clock: Clock;
  readonly limits: AtServerLimits;
  readonly log: Logger;
  /** When this atServer started, for `info`. */
  readonly startedAt: number;
  /** The version `info` and `stats:7` report. */
  readonly version: string;
  /** Open inbound connections, for `stats:1`. */
  inboundCount(): number;
  /** Open outbound connections, for `stats:2`. */
  outboundCount(): number;
  /** The open inbound connections (`enroll:revoke` closes those of the revoked enrollment). */
  connections(): Iterable<InboundConnection>;
  /** Called after each successful change of the store (update, update:meta, delete) with its commit id. */
  changed(operation: 'update' | 'delete', commitId: number | null): void;
  /** Other atSigns' atServers, once federation is wired; verbs that need one answer AT0007 without it. */
  readonly remote?: RemoteLookup;
  /**
   * Where the atDirectory says another atSign's atServer is (`from:@bob` checks the peer's certificate names
   * that host, atprotocol.md §5.1). Throws AT0007 for an atSign it does not know.
   */
  readonly locate?: (atSign: string) => Promise<{ readonly host: string; readonly port: number }>;
  /** Runs the cache refresh job now (`config:set:doCacheRefreshNow=true` in testing mode, §5.13, §6.3). */
  readonly refreshCache?: () => Promise<unknown>;
  /**
   * The notification log's delivery queue and the monitors (atprotocol.md §5.17, §6.4); absent only in
   * contexts built for unit tests.
   */
  readonly notifications?: Notifications;
  /** Web push to the owner's devices (`webpush/atsign-push.ts`); absent when the host has it off. */
  readonly webPush?: AtSignPush;
}

/**
 * The seam to other atSigns' atServers (atprotocol.md §6): a command run on `atSign`'s atServer over a
 * connection that authenticated as this atSign with `from`/`pol`. Federation implements it.
 */
export interface RemoteLookup {
  /**
   * Sends one command and answers the text after `data:`; a remote `error:` is thrown as its AtError. No
   * failure closes the caller's connection: AT0007 (unknown atSign), AT0021 (unreachable), AT0008 (handshake
   * refused), AT0006 (outbound limit), AT0023 (no answer: 10 s for `notify:…`, else 5 s).
   * With `anonymous`, the command goes over an unauthenticated connection instead (`plookup` reads public
   * data that way, atprotocol.md §5.9).
   * @example remote.request('@bob', 'scan .wavi') // '["phone.wavi@bob"]'
   * @example remote.request('@bob', 'lookup:all:publickey@bob', { anonymous: true })
   */
  request(atSign: string, command: string, options?: { anonymous?: boolean }): Promise<string>;
}

/** What a verb handler receives besides its parsed command. */
export interface VerbContext {
  readonly server: AtSignContext;
  readonly session: Session;
}
