/**
 * The app's shared state over the {@link ClientApi}: the atSigns of this browser, which one is current and
 * whether it is unlocked, its sync and connection status, unread notifications, preferences and toasts. Pages
 * read its fields and call its methods; page-specific lists (records, inbox) live in their own classes, which
 * listen to the client's events through {@link AppState.onEvent}.
 */
import type { RouteId } from '$app/types';
import type { AtSignEntry, ClientApi, ClientEvent, SyncStatusView } from '$lib/client/api';
import { describeError } from '../errors';
import { strings } from '../strings';
import { Preferences } from './preferences.svelte';
import { Toasts } from './toasts.svelte';

export type ConnectionState = Extract<ClientEvent, { type: 'connection' }>['state'];
export type EventListener = (atSign: string, event: ClientEvent) => void;

export class AppState {
  readonly client: ClientApi;
  readonly prefs = new Preferences();
  readonly toasts = new Toasts();

  /** False until the list of atSigns has been read once. */
  ready = $state(false);
  atSigns = $state<AtSignEntry[]>([]);
  syncStatus = $state<Record<string, SyncStatusView>>({});
  connection = $state<Record<string, ConnectionState>>({});
  unread = $state<Record<string, number>>({});
  /** The route on screen (set by the layout), so a notification arriving in the open inbox is not "unread". */
  route = $state<RouteId | null>(null);
  /** Where to go once unlocked (a deep link that met the lock screen). */
  returnTo = $state<RouteId | undefined>();

  #listeners: EventListener[] = [];

  constructor(client: ClientApi) {
    this.client = client;
  }

  /** The atSign on screen: the one last chosen if still here, else the first. */
  get current(): string | undefined {
    const chosen = this.prefs.current;
    return this.atSigns.some((e) => e.atSign === chosen) ? chosen : this.atSigns[0]?.atSign;
  }
  get unlocked(): boolean {
    return this.atSigns.some((e) => e.atSign === this.current && e.unlocked);
  }
  get anyUnlocked(): boolean {
    return this.atSigns.some((e) => e.unlocked);
  }
  get status(): SyncStatusView | undefined {
    return this.current === undefined ? undefined : this.syncStatus[this.current];
  }
  get backupPending(): boolean {
    return this.current !== undefined && this.prefs.isBackupPending(this.current);
  }
  get unreadCount(): number {
    return this.current === undefined ? 0 : (this.unread[this.current] ?? 0);
  }

  /** Listens to the client and reads the atSigns; returns the function that stops listening. */
  start(): () => void {
    const stop = this.client.subscribe(this.#onEvent);
    void this.refresh()
      .catch((error: unknown) => this.toasts.show(describeError(error), 'error'))
      .finally(() => (this.ready = true));
    return stop;
  }

  async refresh(): Promise<void> {
    this.atSigns = await this.client.listAtSigns();
  }

  /** Makes `atSign` the current one. */
  select(atSign: string): void {
    this.prefs.setCurrent(atSign);
  }

  /** Listens to the client's events (for every atSign); returns the function that stops listening. */
  onEvent(listener: EventListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  async unlock(atSign: string, passphrase: string): Promise<void> {
    await this.client.unlock(atSign, passphrase);
    this.select(atSign);
    this.#setUnlocked(atSign, true);
  }

  /** Locks every unlocked atSign (the keys leave the worker's memory). */
  async lockAll(idle = false): Promise<void> {
    const unlocked = this.atSigns.filter((e) => e.unlocked).map((e) => e.atSign);
    if (unlocked.length === 0) return;
    await Promise.all(unlocked.map((atSign) => this.client.lock(atSign)));
    for (const atSign of unlocked) this.#setUnlocked(atSign, false);
    this.toasts.show(idle ? strings.lock.idleLocked : strings.lock.locked);
  }

  /**
   * Takes in an atSign just activated or imported: it becomes current and, if the client left it locked,
   * is unlocked with the passphrase just chosen. A fresh activation owes its key backup.
   */
  async added(atSign: string, passphrase: string, backupPending: boolean): Promise<void> {
    await this.refresh();
    if (!this.atSigns.some((e) => e.atSign === atSign && e.unlocked)) await this.unlock(atSign, passphrase);
    this.select(atSign);
    this.prefs.setBackupPending(atSign, backupPending);
  }

  /** Wipes an atSign from this browser. */
  async remove(atSign: string): Promise<void> {
    await this.client.remove(atSign);
    this.prefs.forget(atSign);
    await this.refresh();
  }

  markRead(atSign: string): void {
    this.unread = { ...this.unread, [atSign]: 0 };
  }

  #setUnlocked(atSign: string, unlocked: boolean): void {
    this.atSigns = this.atSigns.map((e) => (e.atSign === atSign ? { ...e, unlocked } : e));
  }

  #onEvent = (atSign: string, event: ClientEvent): void => {
    switch (event.type) {
      case 'locked':
        this.#setUnlocked(atSign, false);
        break;
      case 'sync-status':
        this.syncStatus = { ...this.syncStatus, [atSign]: event.status };
        break;
      case 'connection':
        this.connection = { ...this.connection, [atSign]: event.state };
        if (event.state === 'auth-failed') this.toasts.show(strings.connection.authFailed, 'error');
        break;
      case 'notification':
        if (atSign !== this.current || this.route !== '/inbox') {
          this.unread = { ...this.unread, [atSign]: (this.unread[atSign] ?? 0) + 1 };
          this.toasts.show(strings.inbox.live(event.item.from));
        }
        break;
    }
    for (const listener of this.#listeners) listener(atSign, event);
  };
}
