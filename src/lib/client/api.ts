/**
 * What the app sees of the atClient: plain data in, plain data out, so every call can cross from the page to
 * the client's worker by structured clone. The worker holds the keys; the page holds none of them.
 */
import type { ActivationStepName } from './activation-steps';

/** How a record is visible (reference atprotocol.md §4). */
export type RecordVisibility = 'self' | 'shared' | 'public';

/** The time fields of a record (ttl/ttb in milliseconds, ttr in seconds as the protocol has it). */
export interface RecordTimes {
  readonly ttl?: number;
  readonly ttb?: number;
  readonly ttr?: number;
  readonly ccd?: boolean;
}

/** One record as the app shows it, decrypted in the worker. */
export interface RecordView {
  /** The full atKey, e.g. `@bob:phone.wavi@alice`; the identity of the record. */
  readonly atKey: string;
  /** The name without namespace, e.g. `phone`. */
  readonly name: string;
  /** The namespace, e.g. `wavi`; empty when none. */
  readonly namespace: string;
  readonly visibility: RecordVisibility;
  /** The owner atSign (`@alice`): us for our records, the sharer for data shared with us. */
  readonly owner: string;
  /** For a shared record: who it is shared with. */
  readonly sharedWith?: string;
  /** The plaintext; undefined when it could not be decrypted (then `problem` says why). */
  readonly value?: string;
  readonly problem?: string;
  /** For a public record: whether its dataSignature verifies with the owner's public key. */
  readonly signatureValid?: boolean;
  readonly times: RecordTimes;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly expiresAt?: string;
  /** A local change not yet acknowledged by the atServer. */
  readonly pending: boolean;
}

/** A new or edited record. */
export interface RecordInput {
  readonly name: string;
  readonly namespace?: string;
  readonly visibility: RecordVisibility;
  /** Required for `shared`. */
  readonly sharedWith?: string;
  readonly value: string;
  readonly times?: RecordTimes;
}

/** Sync state for the status indicator. */
export interface SyncStatusView {
  readonly state: 'offline' | 'syncing' | 'synced' | 'failed';
  /** Local writes waiting to be sent. */
  readonly queued: number;
  readonly conflicts: number;
  readonly lastSyncAt?: number;
  readonly error?: string;
}

/** A local edit that lost against a newer remote change (remote wins; the local edit is kept here). */
export interface ConflictView {
  readonly id: number;
  readonly atKey: string;
  readonly mine?: string;
  readonly theirs?: string;
  readonly detectedAt: number;
}

/** A received notification, decrypted. */
export interface InboxItem {
  readonly id: string;
  /** A text message, or news about a record shared with us (its value in `text`). */
  readonly kind: 'message' | 'record';
  readonly from: string;
  readonly to: string;
  readonly atKey: string;
  readonly operation: 'update' | 'delete';
  readonly epochMillis: number;
  /** A text message, or the decrypted value of a shared key; undefined when not decryptable or none. */
  readonly text?: string;
  readonly problem?: string;
}

export type { ActivationStepName } from './activation-steps';

/** Where the client reaches the atProtocol (the settings screen edits this). */
export interface NetworkSettings {
  /** The gateway's base URL, e.g. `https://app.example.com` (default: the page's own origin). */
  readonly gateway: string;
}

/** Events the worker pushes to the page. */
export type ClientEvent =
  | { readonly type: 'records-changed'; readonly atKeys: readonly string[] }
  | { readonly type: 'sync-status'; readonly status: SyncStatusView }
  | { readonly type: 'notification'; readonly item: InboxItem }
  | { readonly type: 'connection'; readonly state: 'connecting' | 'online' | 'offline' | 'auth-failed' | 'closed' }
  | { readonly type: 'locked' };

/** An atSign known to this browser. */
export interface AtSignEntry {
  readonly atSign: string;
  /** Whether its keys are unlocked in the worker right now. */
  readonly unlocked: boolean;
}

/**
 * The client as the app calls it (implemented in the worker, reached through RPC). Passphrases are turned into
 * a non-extractable vault key in the page before they cross; key material never crosses.
 */
export interface ClientApi {
  /** The atSigns whose keys this browser keeps. */
  listAtSigns(): Promise<AtSignEntry[]>;
  /** Activates a fresh atSign with its CRAM secret; the keys are generated here and saved under the passphrase. */
  activate(input: {
    atSign: string;
    cramSecret: string;
    passphrase: string;
    onProgress?: (step: ActivationStepName) => void;
  }): Promise<void>;
  /** Imports a `.atKeys` file (its own passphrase if protected) and saves it under `passphrase`. */
  importKeys(input: { fileText: string; filePassphrase?: string; passphrase: string }): Promise<string>;
  /**
   * A passphrase-protected `.atKeys` file of an atSign (the backup step). `passphrase` is the one its keys are
   * kept under in this browser (proving it is the owner); the file is sealed with `filePassphrase`, or with the
   * same passphrase when omitted.
   */
  exportKeys(atSign: string, passphrase: string, filePassphrase?: string): Promise<string>;
  unlock(atSign: string, passphrase: string): Promise<void>;
  lock(atSign: string): Promise<void>;
  /** Wipes the atSign's keys and local data from this browser. */
  remove(atSign: string): Promise<void>;

  records(atSign: string): Promise<RecordView[]>;
  /** Data other atSigns shared with this one (fetched from their atServers or our cache). */
  sharedWithMe(atSign: string): Promise<RecordView[]>;
  put(atSign: string, input: RecordInput): Promise<RecordView>;
  delete(atSign: string, atKey: string): Promise<void>;
  share(atSign: string, atKey: string, withAtSign: string): Promise<void>;
  revoke(atSign: string, atKey: string, fromAtSign: string): Promise<void>;
  /** Who each of our records is shared with: record atKey (self form) → atSigns. */
  shares(atSign: string): Promise<Record<string, string[]>>;

  inbox(atSign: string): Promise<InboxItem[]>;
  sendMessage(atSign: string, to: string, text: string): Promise<void>;

  syncNow(atSign: string): Promise<SyncStatusView>;
  conflicts(atSign: string): Promise<ConflictView[]>;
  resolveConflict(atSign: string, id: number, keep: 'mine' | 'theirs'): Promise<void>;

  blockList(atSign: string): Promise<string[]>;
  setBlocked(atSign: string, other: string, blocked: boolean): Promise<void>;
  /** Registers this browser's push subscription (`PushSubscription.toJSON()`) with the atServer. */
  registerPush(atSign: string, subscription: unknown): Promise<void>;
  /** Removes this browser's push subscription (by its endpoint) from the atServer. */
  unregisterPush(atSign: string, endpoint: string): Promise<void>;
  /** The VAPID public key of the atSign's atServer, or undefined when it has web push off. */
  vapidPublicKey(atSign: string): Promise<string | undefined>;

  settings(): Promise<NetworkSettings>;
  /** The atDirectory the configured gateway resolves atSigns through (`root.atsign.org:64`), if it says. */
  gatewayDirectory(): Promise<string | undefined>;
  setSettings(settings: NetworkSettings): Promise<void>;
  /** Events (records changed, sync status, notifications, connection) for the app to render. */
  subscribe(listener: (atSign: string, event: ClientEvent) => void): () => void;
}
