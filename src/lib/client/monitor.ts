/**
 * A notification stream that survives dropped connections (atprotocol.md §5.17): a connection of its own,
 * authenticated, turned into a monitor with `monitor[:selfNotifications][:<epochMillis>][ <regex>]`; after a
 * drop it reconnects and asks for what it missed since the last notification it saw.
 */
import { isStatsNotification, notificationFromJson, type NotificationEvent } from '$lib/at/notification';
import { decodeJson } from '$lib/at/verbs/json';
import { monitor } from '$lib/at/verbs/monitor';
import type { BackoffOptions } from './backoff';
import type { AtConnection } from './connection';
import { Reconnector, type LinkState } from './reconnector';
import { request } from './requester';

export interface MonitorOptions {
  /** Replay the stored notifications newer than this (the last `epochMillis` the app kept), then stream. */
  readonly fromEpochMillis?: number;
  /** Only keys or senders matching this regex (applied by the server). */
  readonly regex?: string;
  /** Also the notifications this atSign sends itself. */
  readonly selfNotifications?: boolean;
  /**
   * Each notification, stats notifications (id `-1`) included. A replay after a reconnect can repeat one
   * already delivered: de-duplicate by `id`.
   */
  readonly onNotification: (event: NotificationEvent) => void;
  readonly onStateChange?: (state: LinkState, error?: Error) => void;
}

/** What a monitor needs from its session. */
export interface MonitorLink {
  /** Dials and authenticates a connection whose notification lines go to `onNotification`. */
  readonly open: (onNotification: (json: string) => void) => Promise<AtConnection>;
  readonly backoff?: BackoffOptions;
  readonly stableAfterMs?: number;
  readonly random?: () => number;
  readonly onClosed?: () => void;
}

/**
 * A running monitor; make one with `AtSession.monitor`. Lines that are not valid notifications are skipped.
 */
export class NotificationMonitor {
  readonly #link: MonitorLink;
  readonly #options: MonitorOptions;
  readonly #reconnector: Reconnector;
  #lastEpochMillis: number | undefined;

  constructor(link: MonitorLink, options: MonitorOptions) {
    this.#link = link;
    this.#options = options;
    this.#lastEpochMillis = options.fromEpochMillis;
    this.#reconnector = new Reconnector({
      open: () => this.#open(),
      onOnline: () => undefined,
      onState: (state, error) => options.onStateChange?.(state, error),
      backoff: link.backoff,
      stableAfterMs: link.stableAfterMs,
      random: link.random,
    });
    this.#reconnector.connect();
  }

  get state(): LinkState {
    return this.#reconnector.state;
  }

  /** The `epochMillis` of the last notification seen (stats notifications aside), where a resume starts. */
  get lastEpochMillis(): number | undefined {
    return this.#lastEpochMillis;
  }

  /** Tries to connect now instead of waiting for the back-off. */
  reconnectNow(): void {
    this.#reconnector.connect();
  }

  close(): void {
    this.#reconnector.close();
    this.#link.onClosed?.();
  }

  async #open(): Promise<AtConnection> {
    const connection = await this.#link.open((json) => this.#received(json));
    try {
      const { selfNotifications = false, regex } = this.#options;
      const epochMillis = this.#lastEpochMillis;
      await connection.sendWithoutReply(
        monitor.format({ verb: 'monitor', strict: false, selfNotifications, multiplexed: false, epochMillis, regex }),
      );
      // `monitor` answers nothing; a `noop` behind it is answered once the server has taken it (and written
      // the replay), and an error about the monitor command (a bad regex) answers the noop instead.
      await request(connection, 'noop:0');
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  #received(json: string): void {
    let event: NotificationEvent;
    try {
      event = notificationFromJson(decodeJson(json));
    } catch {
      return;
    }
    if (!isStatsNotification(event)) {
      this.#lastEpochMillis = Math.max(this.#lastEpochMillis ?? 0, event.epochMillis);
    }
    this.#options.onNotification(event);
  }
}
