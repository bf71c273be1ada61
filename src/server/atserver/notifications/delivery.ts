/**
 * Delivery of sent notifications to other atSigns' atServers (atprotocol.md §6.4): a queue per recipient,
 * sent one at a time in the order they were made as `notify:<body>` over the federation seam, each expected
 * to answer `data:success`. A recipient that fails is retried with back-off (doubling from
 * `notificationRetryBaseMs` to `notificationRetryMaxMs` of the injected clock's time, looked at whenever the
 * queue is nudged: by a new notification or by the periodic job); each failed notification is `errored` in
 * the log and queued again with `retryCount + 1` and a lower priority until `notificationMaxRetries`. What is
 * still queued when the server stops is loaded again when it starts.
 */
import type { Clock } from '../../clock';
import type { AtServerLimits } from '../../config';
import type { Logger } from '../../log';
import type { RemoteLookup } from '../context';
import { unreachable } from '../remote-records';
import type { NotificationLog, StoredNotification } from '../store/notification-log';
import { commandBody } from './views';

export interface DeliveryOptions {
  readonly clock: Clock;
  readonly limits: AtServerLimits;
  readonly log: Logger;
  readonly notifications: NotificationLog;
  /** The federation seam, read at each delivery (it may be wired after the server starts). */
  readonly remote: () => RemoteLookup | undefined;
}

/** The notifications waiting for one recipient and how its deliveries have gone. */
interface Recipient {
  /** `strategy:all`, oldest first. */
  readonly all: StoredNotification[];
  /** `strategy:latest`: per notifier, the newest `latestN`, oldest first. */
  readonly latest: Map<string, StoredNotification[]>;
  /** Failed deliveries in a row; sets the back-off. */
  failures: number;
  /** No delivery before this time (clock ms). */
  retryAt: number;
  busy: boolean;
}

const priorityRank = { low: 1, medium: 2, high: 3 } as const;
/** A failed notification is retried one priority step lower (§6.4). */
const lowered = { high: 'medium', medium: 'low', low: 'low' } as const;

function queued(recipient: Recipient): StoredNotification[] {
  return [...recipient.all, ...[...recipient.latest.values()].flat()];
}

/** The delivery queue of one atSign's atServer. */
export class DeliveryQueue {
  readonly #options: DeliveryOptions;
  readonly #recipients = new Map<string, Recipient>();
  #closed = false;
  /** Notifications being sent right now, and those of them `notify:remove` deleted meanwhile. */
  readonly #inFlight = new Set<string>();
  readonly #removed = new Set<string>();
  /** The order notifications were queued in: what sends them in creation order within one millisecond. */
  readonly #order = new Map<string, number>();
  #queued = 0;
  #pumpScheduled = false;
  #active = 0;

  constructor(options: DeliveryOptions) {
    this.#options = options;
  }

  /** Queues a sent notification and starts delivering at once. */
  enqueue(record: StoredNotification): void {
    this.#add(record);
    this.nudge();
  }

  /**
   * Queues what the log still has to deliver after a restart, as the reference's `loadNotificationMap`:
   * queued ones as they are, errored ones below the retry limit with `retryCount + 1` and a lower priority.
   */
  load(records: readonly StoredNotification[]): void {
    for (const record of records) {
      if (record.status === 'errored') {
        if (record.retryCount >= this.#options.limits.notificationMaxRetries) continue;
        this.#add(this.#retried(record));
      } else {
        this.#add(record);
      }
    }
    this.nudge();
  }

  /** Takes a notification out of the queue (`notify:remove`). */
  forget(id: string): void {
    for (const recipient of this.#recipients.values()) {
      const drop = (list: StoredNotification[]) => {
        const at = list.findIndex((record) => record.id === id);
        if (at !== -1) list.splice(at, 1);
      };
      drop(recipient.all);
      recipient.latest.forEach(drop);
    }
    if (this.#inFlight.has(id)) this.#removed.add(id);
    else this.#order.delete(id);
  }

  /** How many notifications wait for `atSign` (all recipients when absent). */
  size(atSign?: string): number {
    const recipients = atSign === undefined ? [...this.#recipients.values()] : [this.#recipients.get(atSign)];
    return recipients.reduce((sum, recipient) => sum + (recipient ? queued(recipient).length : 0), 0);
  }

  /**
   * Runs a delivery pass soon (after the current synchronous work, so one pass takes a burst): recipients with
   * notifications waiting and no back-off running are served. The server's periodic job calls it too.
   */
  nudge(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Stops delivering; what is still queued stays in the log for the next start. */
  close(): void {
    this.#closed = true;
  }

  /** Oldest first: by time, then by the order they were queued in. */
  #byAge = (a: StoredNotification, b: StoredNotification): number =>
    a.dateTime - b.dateTime || (this.#order.get(a.id) ?? 0) - (this.#order.get(b.id) ?? 0);

  #add(record: StoredNotification): void {
    if (!this.#order.has(record.id)) this.#order.set(record.id, (this.#queued += 1));
    let recipient = this.#recipients.get(record.toAtSign);
    if (!recipient) {
      recipient = { all: [], latest: new Map(), failures: 0, retryAt: 0, busy: false };
      this.#recipients.set(record.toAtSign, recipient);
    }
    if (record.strategy !== 'latest') {
      recipient.all.push(record);
      return;
    }
    // strategy:latest keeps the newest latestN per notifier; older ones stay `queued` in the log, unsent (§6.4).
    const kept = [...(recipient.latest.get(record.notifier) ?? []), record].sort(this.#byAge);
    const depth = Math.max(record.depth, 1);
    for (const dropped of kept.slice(0, -depth)) this.#order.delete(dropped.id);
    recipient.latest.set(record.notifier, kept.slice(-depth));
  }

  #retried(record: StoredNotification): StoredNotification {
    return { ...record, status: 'queued', retryCount: record.retryCount + 1, priority: lowered[record.priority] };
  }

  /** Starts deliveries to the recipients that are due, highest priority and longest waiting first. */
  #pump(): void {
    if (this.#closed) return;
    const now = this.#options.clock.now();
    const due = [...this.#recipients]
      .filter(([, recipient]) => !recipient.busy && recipient.retryAt <= now)
      .map(([atSign, recipient]) => ({ atSign, recipient, waiting: queued(recipient) }))
      .filter(({ waiting }) => waiting.length > 0)
      .map(({ atSign, recipient, waiting }) => ({
        atSign,
        recipient,
        rank: Math.max(...waiting.map((record) => priorityRank[record.priority])),
        since: Math.min(...waiting.map((record) => record.dateTime)),
      }))
      .sort((a, b) => b.rank - a.rank || a.since - b.since);
    for (const { atSign, recipient } of due) {
      if (this.#active >= this.#options.limits.notificationDeliveryConcurrency) break;
      void this.#deliver(atSign, recipient);
    }
  }

  /** Sends everything queued for one recipient, oldest first, until its queue is empty or a send fails. */
  async #deliver(atSign: string, recipient: Recipient): Promise<void> {
    recipient.busy = true;
    this.#active += 1;
    try {
      while (!this.#closed) {
        const batch = queued(recipient).sort(this.#byAge);
        if (batch.length === 0) break;
        recipient.all.length = 0;
        recipient.latest.clear();
        for (const record of batch) this.#inFlight.add(record.id);
        const failed = await this.#send(atSign, batch);
        if (failed.length === 0) {
          recipient.failures = 0;
          continue;
        }
        recipient.failures += 1;
        const { notificationRetryBaseMs: base, notificationRetryMaxMs: max } = this.#options.limits;
        recipient.retryAt = this.#options.clock.now() + Math.min(base * 2 ** (recipient.failures - 1), max);
        for (const record of failed) await this.#fail(record);
        break;
      }
    } finally {
      recipient.busy = false;
      this.#active -= 1;
      if (queued(recipient).length === 0) this.#recipients.delete(atSign);
      this.#pump();
    }
  }

  /**
   * Sends a batch in order; answers the notifications that failed. Once the recipient's atServer fails (an
   * exception), the rest of the batch is not tried, as in the reference.
   */
  async #send(atSign: string, batch: StoredNotification[]): Promise<StoredNotification[]> {
    const failed: StoredNotification[] = [];
    for (const [index, record] of batch.entries()) {
      // An expired notification is not worth sending; `notify:status` already reports it expired.
      if (record.expiresAt !== undefined && record.expiresAt < this.#options.clock.now()) {
        this.#settled(record.id);
        this.#order.delete(record.id);
        continue;
      }
      try {
        const remote = this.#options.remote();
        if (!remote) throw unreachable(atSign);
        const answer = await remote.request(atSign, `notify:${commandBody(record)}`);
        if (answer !== 'success') {
          failed.push(record);
          continue;
        }
        this.#order.delete(record.id);
        // Not awaited: the next notification goes out while this status is written (writes keep their order).
        if (this.#settled(record.id)) void this.#persist({ ...record, status: 'delivered' });
      } catch (error) {
        this.#options.log.warn('notification not delivered', { to: atSign, id: record.id, error: String(error) });
        failed.push(...batch.slice(index));
        break;
      }
    }
    return failed;
  }

  /** Marks a failed notification `errored` in the log and queues it again unless it has no retries left. */
  async #fail(record: StoredNotification): Promise<void> {
    if (!this.#settled(record.id)) return;
    await this.#persist({ ...record, status: 'errored' });
    if (record.retryCount >= this.#options.limits.notificationMaxRetries) {
      this.#options.log.warn('notification given up', { to: record.toAtSign, id: record.id });
      this.#order.delete(record.id);
      return;
    }
    this.#add(this.#retried(record));
  }

  /** Ends a notification's flight; false when `notify:remove` deleted it meanwhile (nothing more to do). */
  #settled(id: string): boolean {
    this.#inFlight.delete(id);
    if (!this.#removed.delete(id)) return true;
    this.#order.delete(id);
    return false;
  }

  async #persist(record: StoredNotification): Promise<void> {
    try {
      await this.#options.notifications.put(record);
    } catch (error) {
      // The store is closing (the server stops): the log keeps the previous status, sent again next start.
      this.#options.log.warn('notification status not saved', { id: record.id, error: String(error) });
    }
  }
}
