/**
 * Monitor connections (atprotocol.md §5.17): each `monitor` turns its connection into a stream of
 * `notification: {…}` lines — received notifications (and self notifications when asked) that pass its regex
 * and the connection's APKAM namespaces, plus stats notifications for every monitor.
 *
 * Notifications are published in the order of their `epochMillis`, which the log keeps strictly increasing;
 * each monitor remembers the last one it wrote, so a replay that overlaps live events writes each event once.
 * A monitor whose client stops reading is dropped once `monitorMaxBacklogBytes` wait unread.
 */
import { AtError } from '$lib/at/errors';
import { formatNotificationLine, statsNotification } from '$lib/at/notification';
import { isAuthorized } from '../authorization';
import type { AtSignContext, VerbContext } from '../context';
import type { InboundConnection } from '../inbound-pool';
import type { Session } from '../session';
import { liveEvent, notificationLog, type StoredNotification } from '../store/notification-log';
import { storedEvent } from './views';

/** What a `monitor` command asks for. */
export interface MonitorRequest {
  /** Matched against the key or the sender without `@`; every notification when absent. */
  readonly regex?: string;
  readonly selfNotifications: boolean;
  /** Replay stored notifications newer than this first. */
  readonly epochMillis?: number;
}

interface Subscription {
  readonly ctx: VerbContext;
  readonly connection: InboundConnection;
  readonly regex: RegExp;
  readonly selfNotifications: boolean;
  /** `epochMillis` of the last event written: nothing at or before it is written again. */
  highWater: number;
  /** Live notifications that arrived while the replay was being written, and their rough size. */
  held?: { records: StoredNotification[]; bytes: number };
}

/** Rows read per query while replaying, so a long history never sits in memory at once. */
const replayPage = 500;

/**
 * Compiles a monitor regex as Dart's `RegExp`. The reference only notices a bad one when it first tests a
 * notification; here the `monitor` command is refused at once with the reference's text.
 *
 * @throws AtError `AT0003` `Invalid regular expression. <regex> is not a valid regex`.
 * @example monitorRegex('.wavi').test('@alice:phone.wavi@bob') // true
 */
export function monitorRegex(source: string | undefined): RegExp {
  try {
    return new RegExp(source ?? '.*');
  } catch {
    throw new AtError('AT0003', `Invalid regular expression. ${source} is not a valid regex`);
  }
}

/** The monitors of one atSign's atServer. */
export class MonitorHub {
  readonly #server: AtSignContext;
  readonly #subscriptions = new WeakMap<Session, Subscription>();

  constructor(server: AtSignContext) {
    this.#server = server;
  }

  /**
   * Makes `connection` a monitor (a second `monitor` on it replaces the first), replays what was stored
   * after `epochMillis` (strictly) if asked, then streams live events. Resolves once the replay is written.
   *
   * @throws AtError `AT0003` for a regex that does not compile.
   */
  async subscribe(ctx: VerbContext, connection: InboundConnection, request: MonitorRequest): Promise<void> {
    const subscription: Subscription = {
      ctx,
      connection,
      regex: monitorRegex(request.regex),
      selfNotifications: request.selfNotifications,
      highWater: Number.NEGATIVE_INFINITY,
      held: request.epochMillis === undefined ? undefined : { records: [], bytes: 0 },
    };
    ctx.session.monitoring = true;
    this.#subscriptions.set(ctx.session, subscription);
    if (request.epochMillis !== undefined) await this.#replay(subscription, request.epochMillis);
  }

  /** Sends a notification just written to the log to every monitor that wants it (live form). */
  publish(record: StoredNotification): void {
    let line: string | undefined;
    for (const subscription of this.#monitors()) {
      const held = subscription.held;
      if (held) {
        held.records.push(record);
        held.bytes += (record.value?.length ?? 0) + 512;
        if (held.bytes > this.#server.limits.monitorMaxBacklogBytes) this.#drop(subscription);
        continue;
      }
      if (!this.#wants(subscription, record)) continue;
      line ??= formatNotificationLine(liveEvent(record));
      this.#write(subscription, record.dateTime, line);
    }
  }

  /**
   * Sends a stats notification (the latest commit id) to every monitor, whatever its regex (§5.17).
   *
   * @example hub.stats('delete', 17) // notification: {"id":"-1",…,"value":"17","operation":"delete",…}
   */
  stats(operation: 'update' | 'delete', commitId: number): void {
    this.statsEach([{ operation, commitId }]);
  }

  /**
   * {@link stats} for several changes, in order, with one pass over the connections: with no monitor (the
   * common case) a burst of updates costs nothing here.
   *
   * @example hub.statsEach([{ operation: 'update', commitId: 16 }, { operation: 'delete', commitId: 17 }])
   */
  statsEach(changes: readonly { operation: 'update' | 'delete'; commitId: number }[]): void {
    const monitors: InboundConnection[] = [];
    for (const connection of this.#server.connections()) {
      if (connection.session.monitoring && connection.session.authenticated) monitors.push(connection);
    }
    if (monitors.length === 0) return;
    const { atSign, clock } = this.#server;
    for (const { operation, commitId } of changes) {
      const line = formatNotificationLine(statsNotification(atSign, commitId, clock.now(), operation));
      for (const connection of monitors) this.#push(connection, line);
    }
  }

  /** The periodic stats notification: the store's latest commit id. */
  heartbeat(): void {
    this.stats('update', this.#server.store.commits.lastCommitId());
  }

  *#monitors(): Generator<Subscription> {
    for (const connection of this.#server.connections()) {
      const subscription = this.#subscriptions.get(connection.session);
      if (subscription?.connection === connection) yield subscription;
    }
  }

  async #replay(subscription: Subscription, epochMillis: number): Promise<void> {
    const { connection } = subscription;
    const log = notificationLog(this.#server.store);
    const withSelf = subscription.selfNotifications;
    let position: { epochMillis: number; afterId?: string } = { epochMillis };
    for (;;) {
      // Each page is read in one synchronous query: anything written later is either in a later page or held.
      const now = this.#server.clock.now();
      const page = log.after(position.epochMillis, { withSelf, now, limit: replayPage, afterId: position.afterId });
      for (const record of page) {
        if (this.#wants(subscription, record)) {
          this.#write(subscription, record.dateTime, formatNotificationLine(storedEvent(record)));
        }
        position = { epochMillis: record.dateTime, afterId: record.id };
      }
      if (!this.#isOpen(subscription)) return;
      if (page.length < replayPage) break;
      await connection.drained?.();
    }
    const held = subscription.held?.records ?? [];
    subscription.held = undefined;
    for (const record of held) {
      if (this.#wants(subscription, record)) {
        this.#write(subscription, record.dateTime, formatNotificationLine(liveEvent(record)));
      }
    }
  }

  #isOpen(subscription: Subscription): boolean {
    return this.#subscriptions.get(subscription.ctx.session) === subscription;
  }

  /** Type, regex (key, or sender without `@`) and APKAM namespace: what decides whether a monitor gets it. */
  #wants(subscription: Subscription, record: StoredNotification): boolean {
    if (record.dateTime <= subscription.highWater) return false;
    if (record.type !== 'received' && !(record.type === 'self' && subscription.selfNotifications)) return false;
    const { regex } = subscription;
    if (!regex.test(record.key) && !regex.test(record.fromAtSign.replaceAll('@', ''))) return false;
    try {
      return isAuthorized(subscription.ctx, record.key, 'r', 'monitor');
    } catch {
      // A key the namespace rules cannot read (a text message with spaces) is not for an APKAM monitor.
      return false;
    }
  }

  #write(subscription: Subscription, epochMillis: number, line: string): void {
    subscription.highWater = epochMillis;
    this.#push(subscription.connection, line);
  }

  /** Writes one line unless the client has left more than the limit unread: then the monitor is dropped. */
  #push(connection: InboundConnection, line: string): void {
    if (connection.writeBacklog() > this.#server.limits.monitorMaxBacklogBytes) {
      this.#server.log.warn('monitor dropped: client is not reading', { session: connection.session.id });
      this.#subscriptions.delete(connection.session);
      connection.drop();
      return;
    }
    connection.push(`${line}\n`);
  }

  #drop(subscription: Subscription): void {
    this.#subscriptions.delete(subscription.ctx.session);
    subscription.connection.drop();
  }
}
