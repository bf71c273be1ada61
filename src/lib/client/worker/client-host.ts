/**
 * What the client's worker hosts: the unlocked atSigns, each an {@link AtSignClient}, behind async methods the
 * page calls over {@link ./rpc}. Keys arrive only as the vault entry plus a non-extractable vault key the page
 * derived; no method returns key material. Events of every atSign go back to the page through `emit`.
 */
import type {
  ClientEvent,
  ConflictView,
  InboxItem,
  NetworkSettings,
  RecordInput,
  RecordView,
  SyncStatusView,
} from '../api';
import { AtSignClient } from '../atsign-client';
import { gatewayDialer, type Dialer } from '../dialer';
import { openAtSignDatabase } from '../store/database';
import { openKeys } from '../vault';

export interface ClientHostOptions {
  /** Sends an event of one atSign to the page. */
  readonly emit: (atSign: string, event: ClientEvent) => void;
  /** How to reach atServers; by default through the gateway named in the settings. */
  readonly dialer?: (settings: NetworkSettings) => Dialer;
}

/**
 * @example
 * const host = new ClientHost({ emit: (atSign, event) => rpc.emit('event', { atSign, event }) });
 * await host.configure({ gateway: 'https://app.example.com' });
 * await host.unlock('@alice', vaultKey);
 * await host.records('@alice');
 */
export class ClientHost {
  readonly #options: ClientHostOptions;
  readonly #clients = new Map<string, AtSignClient>();
  #settings: NetworkSettings | undefined;

  constructor(options: ClientHostOptions) {
    this.#options = options;
  }

  /** Where to reach the atProtocol; applies to atSigns unlocked from now on. */
  async configure(settings: NetworkSettings): Promise<void> {
    this.#settings = settings;
  }

  /** Opens `atSign`'s keys with the vault key, opens its store, starts syncing. Unlocking works offline. */
  async unlock(atSign: string, vaultKey: CryptoKey): Promise<void> {
    const settings = this.#settings;
    if (!settings) throw new Error('the client is not configured: no gateway address');
    const keys = await openKeys(atSign, vaultKey);
    await this.lock(atSign);
    const dialer = (this.#options.dialer ?? ((s: NetworkSettings) => gatewayDialer({ url: s.gateway })))(settings);
    const client = await AtSignClient.open({
      keys,
      dialer,
      db: await openAtSignDatabase(atSign),
      onEvent: (event) => this.#options.emit(atSign, event),
    });
    this.#clients.set(atSign, client);
    client.start();
  }

  /** Drops `atSign`'s keys from memory and closes its store. */
  async lock(atSign: string): Promise<void> {
    const client = this.#clients.get(atSign);
    if (!client) return;
    this.#clients.delete(atSign);
    client.close();
    this.#options.emit(atSign, { type: 'locked' });
  }

  async unlocked(): Promise<string[]> {
    return [...this.#clients.keys()];
  }

  /** The browser is online again: every atSign tries now. */
  async online(): Promise<void> {
    for (const client of this.#clients.values()) client.online();
  }

  records = (atSign: string): Promise<RecordView[]> => this.#client(atSign).records();
  sharedWithMe = (atSign: string): Promise<RecordView[]> => this.#client(atSign).sharedWithMe();
  put = (atSign: string, input: RecordInput): Promise<RecordView> => this.#client(atSign).put(input);
  delete = (atSign: string, atKey: string): Promise<void> => this.#client(atSign).delete(atKey);
  share = (atSign: string, atKey: string, withAtSign: string): Promise<void> =>
    this.#client(atSign).share(atKey, withAtSign);
  revoke = (atSign: string, atKey: string, fromAtSign: string): Promise<void> =>
    this.#client(atSign).revoke(atKey, fromAtSign);
  shares = (atSign: string): Promise<Record<string, string[]>> => this.#client(atSign).shares();
  inbox = (atSign: string): Promise<InboxItem[]> => this.#client(atSign).inbox();
  sendMessage = (atSign: string, to: string, text: string): Promise<void> => this.#client(atSign).sendMessage(to, text);
  syncNow = (atSign: string): Promise<SyncStatusView> => this.#client(atSign).syncNow();
  conflicts = (atSign: string): Promise<ConflictView[]> => this.#client(atSign).conflicts();
  resolveConflict = (atSign: string, id: number, keep: 'mine' | 'theirs'): Promise<void> =>
    this.#client(atSign).resolveConflict(id, keep);
  blockList = (atSign: string): Promise<string[]> => this.#client(atSign).blockList();
  setBlocked = (atSign: string, other: string, blocked: boolean): Promise<void> =>
    this.#client(atSign).setBlocked(other, blocked);
  registerPush = (atSign: string, subscription: unknown): Promise<void> =>
    this.#client(atSign).registerPush(subscription);
  unregisterPush = (atSign: string, endpoint: string): Promise<void> => this.#client(atSign).unregisterPush(endpoint);
  vapidPublicKey = (atSign: string): Promise<string | undefined> => this.#client(atSign).vapidPublicKey();

  #client(atSign: string): AtSignClient {
    const client = this.#clients.get(atSign);
    if (!client) throw new Error(`${atSign} is locked`);
    return client;
  }
}
