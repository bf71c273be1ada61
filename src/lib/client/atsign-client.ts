/**
 * One unlocked atSign, whole: its keyring, its session with the atServer, its local store with the outbox and
 * sync, its monitor and inbox. Every write applies locally at once and goes out through the outbox, so the
 * same calls work online and offline; reads come from the local store, which sync keeps current.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { createKey, parseKey, type AtKey } from '$lib/at/key';
import { toSyncJson } from '$lib/at/metadata-json';
import type { NotificationEvent } from '$lib/at/notification';
import { config } from '$lib/at/verbs/config';
import { llookup } from '$lib/at/verbs/lookup';
import { update } from '$lib/at/verbs/update';
import { subscriptionKey, vapidPublicKeyKey } from '$lib/at/web-push';
import type { AtKeys } from '$lib/crypto/atkeys-file';
import { bytesToHex, utf8ToBytes } from '$lib/crypto/encoding';
import type { ClientEvent, ConflictView, InboxItem, RecordInput, RecordView, SyncStatusView } from './api';
import type { Dialer } from './dialer';
import { Keyring } from './keyring';
import type { NotificationMonitor } from './monitor';
import { isTextMessage, NotificationDecoder, sendText, type ReceivedNotification } from './notifications';
import { DataOperations } from './operations';
import type { AppliedBatch } from './store/pulled';
import { RecordViews } from './record-view-cache';
import { isUserData } from './record-views';
import { request } from './requester';
import { AtSession } from './session';
import { listConflicts } from './store/conflicts';
import { listNotifications, newestNotificationMillis, saveNotifications } from './store/notifications';
import { listRecords } from './store/records';
import type { AtSignDatabase, Conflict } from './store/schema';
import { SyncEngine, type SyncStatus } from './sync';

export interface AtSignClientOptions {
  readonly keys: AtKeys;
  readonly dialer: Dialer;
  /** The atSign's open local database (`openAtSignDatabase`). */
  readonly db: AtSignDatabase;
  /** Everything the app should re-render for. */
  readonly onEvent?: (event: ClientEvent) => void;
  /** After a failed sync, try again after this long (default 5 s). */
  readonly retryMs?: number;
  readonly now?: () => number;
}

const bare = (atSign: string) => atSign.slice(1);

function statusView(status: SyncStatus): SyncStatusView {
  return {
    state: status.state,
    queued: status.queued,
    conflicts: status.conflicts,
    ...(status.lastSyncAt !== undefined ? { lastSyncAt: status.lastSyncAt } : {}),
    ...(status.error ? { error: status.error.message } : {}),
  };
}

/**
 * Whether a notification belongs in the inbox: text messages and news about user data, not the protocol's own
 * traffic (the `shared_key` a sharer sends first, public key changes).
 */
function isInboxWorthy(received: ReceivedNotification): boolean {
  if (received.messageType === 'text') return true;
  try {
    return isUserData(parseKey(received.key));
  } catch {
    return false;
  }
}

function inboxItemOf(received: ReceivedNotification): InboxItem {
  return {
    id: received.id,
    kind: isTextMessage(received) ? 'message' : 'record',
    from: received.from,
    to: received.to,
    atKey: received.key,
    operation: received.operation,
    epochMillis: received.epochMillis,
    ...(received.messageType === 'text' ? { text: received.name } : {}),
    ...(received.messageType === 'key' && received.value !== null ? { text: received.value } : {}),
    ...(received.error ? { problem: received.error.message } : {}),
  };
}

function conflictView(conflict: Conflict, mine: string | undefined, theirs: string | undefined): ConflictView {
  return {
    id: conflict.id ?? -1,
    atKey: conflict.atKey,
    ...(mine !== undefined ? { mine } : {}),
    ...(theirs !== undefined ? { theirs } : {}),
    detectedAt: conflict.detectedAt,
  };
}

/**
 * @example
 * const alice = await AtSignClient.open({ keys, dialer: gatewayDialer({ url: origin }), db, onEvent });
 * alice.start();
 * await alice.put({ name: 'phone', namespace: 'wavi', visibility: 'self', value: '+1 555 0100' });
 * (await alice.records()).map((r) => r.atKey); // ['phone.wavi@alice']
 */
export class AtSignClient {
  readonly atSign: string;
  readonly #keyring: Keyring;
  readonly #session: AtSession;
  readonly #data: DataOperations;
  readonly #db: AtSignDatabase;
  readonly #sync: SyncEngine;
  readonly #views: RecordViews;
  readonly #decoder: NotificationDecoder;
  readonly #emit: (event: ClientEvent) => void;
  readonly #now: () => number;
  #monitor: NotificationMonitor | undefined;
  #closed = false;

  private constructor(
    options: AtSignClientOptions,
    keyring: Keyring,
    session: AtSession,
    sync: SyncEngine,
    views: RecordViews,
  ) {
    this.atSign = keyring.atSign;
    this.#keyring = keyring;
    this.#session = session;
    this.#db = options.db;
    this.#data = new DataOperations(session, keyring);
    this.#sync = sync;
    this.#views = views;
    this.#decoder = new NotificationDecoder(this.#data.codec);
    this.#emit = options.onEvent ?? (() => undefined);
    this.#now = options.now ?? Date.now;
  }

  /** Opens the keys and the store; nothing is sent until {@link start}. */
  static async open(options: AtSignClientOptions): Promise<AtSignClient> {
    const keyring = await Keyring.fromAtKeys(options.keys);
    const session = new AtSession({ atSign: keyring.atSign, dialer: options.dialer, keys: () => keyring.pkamKeys() });
    const holder: { client?: AtSignClient } = {};
    const views = new RecordViews(() => {
      if (!holder.client) throw new Error('the client is not open yet');
      return holder.client.#data.codec;
    });
    const sync = await SyncEngine.open({
      db: options.db,
      decode: (batch) => (holder.client ? holder.client.#applied(batch) : undefined),
      retryMs: options.retryMs ?? 5_000,
      now: options.now,
    });
    holder.client = new AtSignClient(options, keyring, session, sync, views);
    return holder.client;
  }

  /** Starts syncing and listening for notifications; reconnects by itself from then on. */
  start(): void {
    this.#sync.subscribe((status) => this.#emit({ type: 'sync-status', status: statusView(status) }));
    this.#session.onStateChange((state) => {
      this.#emit({ type: 'connection', state: state === 'idle' ? 'connecting' : state });
      if (state === 'online') void this.#sync.sync();
    });
    void this.#sync.connect(this.#session);
    void this.#startMonitor();
  }

  /** The browser says the network is back: try now rather than after the back-off. */
  online(): void {
    this.#session.reconnectNow();
    void this.#sync.sync();
  }

  /** This atSign's own data from the local store, decoded, newest change first. */
  async records(): Promise<RecordView[]> {
    const stored = await listRecords(this.#db);
    const views = await this.#views.refresh(stored);
    return views.filter((view) => view.owner === this.atSign);
  }

  /**
   * What other atSigns shared with this one: the copies this atServer cached (`cached:@alice:x@bob`), read fresh
   * when online; the local store's view otherwise.
   */
  async sharedWithMe(): Promise<RecordView[]> {
    try {
      const keys = (await this.#data.scan({ regex: `^cached:${this.atSign}:` })).filter(
        (key) => key.kind === 'cachedShared' && key.sharedWith === this.atSign,
      );
      const records = await Promise.all(
        keys.map(async (key) => {
          try {
            return await this.#data.get(key);
          } catch {
            return undefined;
          }
        }),
      );
      return this.#views.viewsOfRecords(records.filter((record) => record !== undefined));
    } catch (error) {
      if (error instanceof AtError && !error.isRetryable()) throw error;
      return (await this.#views.refresh(await listRecords(this.#db))).filter((view) => view.owner !== this.atSign);
    }
  }

  /** Creates or replaces a record: encrypted (or signed) here, applied locally, queued for the atServer. */
  async put(input: RecordInput): Promise<RecordView> {
    const name = input.namespace ? `${input.name}.${input.namespace}` : input.name;
    const key =
      input.visibility === 'public'
        ? createKey({ kind: 'public', name, owner: this.atSign })
        : input.visibility === 'shared'
          ? createKey({ kind: 'shared', name, owner: this.atSign, sharedWith: fixAtSign(input.sharedWith ?? '') })
          : createKey({ kind: 'self', name, owner: this.atSign });
    const prepared = await this.#data.prepareUpdate(key, input.value, input.times ?? {});
    const now = this.#now();
    const metadata = toSyncJson({ ...prepared.metadata, createdAt: now, updatedAt: now });
    await this.#sync.write({
      atKey: prepared.atKey,
      command: prepared.line,
      change: { op: 'update', value: prepared.value, metadata },
    });
    this.#emit({ type: 'records-changed', atKeys: [prepared.atKey] });
    const view = (await this.records()).find((record) => record.atKey === prepared.atKey);
    if (!view) throw new AtError('AT0015', `${prepared.atKey} was not stored`);
    return view;
  }

  /** Deletes a record locally at once and on the atServer through the outbox. */
  async delete(atKey: string): Promise<void> {
    await this.#sync.write({ atKey, command: this.#data.deleteLine(atKey), change: { op: 'delete' } });
    this.#views.forget(atKey);
    this.#emit({ type: 'records-changed', atKeys: [atKey] });
  }

  /** Shares a self or shared record's value with another atSign (`@bob:name@alice`), through the outbox. */
  async share(atKey: string, withAtSign: string): Promise<void> {
    const source = (await this.records()).find((record) => record.atKey === atKey);
    if (source?.value === undefined) throw new AtError('AT0015', `${atKey} has no value here to share`);
    await this.put({
      name: source.name,
      namespace: source.namespace,
      visibility: 'shared',
      sharedWith: withAtSign,
      value: source.value,
      times: { ...source.times, ttr: source.times.ttr ?? 86_400, ccd: true },
    });
  }

  /** Stops sharing a record with an atSign; the recipient's cached copy goes with it (ccd). Needs a connection. */
  async revoke(atKey: string, fromAtSign: string): Promise<void> {
    await this.#sync.sync();
    const key = parseKey(atKey);
    await this.#data.revoke(key, fixAtSign(fromAtSign));
    await this.#sync.sync();
  }

  /** For each record name (`phone.wavi@alice`), the atSigns it is shared with, from the local store. */
  async shares(): Promise<Record<string, string[]>> {
    const byName: Record<string, string[]> = {};
    for (const view of await this.records()) {
      if (view.visibility !== 'shared' || view.sharedWith === undefined) continue;
      const name = `${view.namespace ? `${view.name}.${view.namespace}` : view.name}${this.atSign}`;
      (byName[name] ??= []).push(view.sharedWith);
    }
    return byName;
  }

  /** Received notifications, decrypted, newest first. */
  async inbox(limit = 200): Promise<InboxItem[]> {
    const events = await listNotifications(this.#db, { limit });
    const items: InboxItem[] = [];
    for (const event of events) {
      const received = await this.#decoder.decode(event);
      if (received && isInboxWorthy(received)) items.push(inboxItemOf(received));
    }
    return items;
  }

  /** Sends a text message (an encrypted notification) to another atSign. Needs a connection. */
  async sendMessage(to: string, text: string): Promise<void> {
    await sendText(this.#session, this.#data.codec, fixAtSign(to), text);
  }

  async syncNow(): Promise<SyncStatusView> {
    return statusView(await this.#sync.sync());
  }

  /** Local edits that lost against a newer remote change, with both values decoded. */
  async conflicts(): Promise<ConflictView[]> {
    const conflicts = await listConflicts(this.#db);
    return Promise.all(
      conflicts.map(async (conflict) => {
        const mine =
          conflict.local.change.op === 'update'
            ? await this.#views.valueOf(conflict.atKey, conflict.local.change.value, conflict.local.change.metadata)
            : undefined;
        const remote = conflict.remote;
        const theirs = remote ? await this.#views.valueOf(conflict.atKey, remote.value, remote.metadata) : undefined;
        return conflictView(conflict, mine, theirs);
      }),
    );
  }

  async resolveConflict(id: number, keep: 'mine' | 'theirs'): Promise<void> {
    await (keep === 'mine' ? this.#sync.keepMine(id) : this.#sync.keepTheirs(id));
    this.#emit({ type: 'records-changed', atKeys: [] });
  }

  /** The atSigns this atServer refuses notifications and lookups from (`config:block:show`). */
  async blockList(): Promise<string[]> {
    const data = await request(this.#session, config.format({ verb: 'config', operation: 'show' }));
    if (data === 'null' || data === '') return [];
    const parsed: unknown = JSON.parse(data);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  }

  async setBlocked(other: string, blocked: boolean): Promise<void> {
    const operation = blocked ? 'add' : 'remove';
    await request(this.#session, config.format({ verb: 'config', operation, atSigns: [fixAtSign(other)] }));
  }

  /** The VAPID public key of this atSign's atServer; undefined when it has web push off. */
  async vapidPublicKey(): Promise<string | undefined> {
    const key = parseKey(vapidPublicKeyKey(this.atSign));
    const line = llookup.format({
      verb: 'llookup',
      cached: false,
      publicScope: true,
      atKey: key.name,
      atSign: bare(this.atSign),
    });
    const response = await this.#session.send(line);
    if (response.kind === 'error' && response.code === 'AT0015') return undefined;
    return request({ send: async () => response }, line);
  }

  /**
   * Registers a push subscription (`PushSubscription.toJSON()`) with the atServer, stored unencrypted because the
   * atServer reads it. The device id is derived from the endpoint, so registering again replaces it.
   */
  async registerPush(subscription: unknown): Promise<void> {
    const json = JSON.stringify(subscription);
    const endpoint = (subscription as { endpoint?: unknown }).endpoint;
    if (typeof endpoint !== 'string') throw new AtError('AT0003', 'a push subscription needs an endpoint');
    const key = await this.#subscriptionKey(endpoint);
    const line = update.format({
      verb: 'update',
      metadata: {},
      publicScope: false,
      atKey: key.name,
      atSign: bare(this.atSign),
      value: json,
    });
    await request(this.#session, line);
  }

  /** Removes the push subscription with this endpoint from the atServer; nothing happens when there is none. */
  async unregisterPush(endpoint: string): Promise<void> {
    const key = await this.#subscriptionKey(endpoint);
    await this.#session.send(this.#data.deleteLine(key));
  }

  /** A subscription's key: its device id is derived from the endpoint, so the same browser replaces its own. */
  async #subscriptionKey(endpoint: string): Promise<AtKey> {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8ToBytes(endpoint)));
    return parseKey(subscriptionKey(bytesToHex(digest).slice(0, 32), this.atSign));
  }

  /** Stops everything and forgets the keys. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#monitor?.close();
    this.#sync.close();
    this.#session.close();
    this.#keyring.lock();
    this.#views.clear();
  }

  async #applied(batch: AppliedBatch): Promise<void> {
    await this.#views.refresh(batch.updated);
    for (const atKey of batch.deleted) this.#views.forget(atKey);
    this.#emit({ type: 'records-changed', atKeys: [...batch.updated.map((r) => r.atKey), ...batch.deleted] });
  }

  async #startMonitor(): Promise<void> {
    const from = await newestNotificationMillis(this.#db);
    if (this.#closed) return;
    this.#monitor = this.#session.monitor({
      ...(from !== undefined ? { fromEpochMillis: from } : {}),
      onNotification: (event) => void this.#received(event),
    });
  }

  async #received(event: NotificationEvent): Promise<void> {
    if (event.id === '-1' || this.#decoder.seen(event.id)) return;
    await saveNotifications(this.#db, [event], this.#now());
    const received = await this.#decoder.decode(event);
    if (received && isInboxWorthy(received)) this.#emit({ type: 'notification', item: inboxItemOf(received) });
    // A change another atSign made to what it shares with us, or one of our own devices made: pull it.
    void this.#sync.sync();
  }
}
