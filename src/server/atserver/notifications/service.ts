/**
 * The notification side of one atSign's atServer (atprotocol.md §5.17–§5.23, §6.4–§6.6, §8.4, §8.5): the log
 * in the store, the delivery queue to other atServers, the monitors, and the background jobs (§8.5), run on
 * timers like the record expiry job: the delivery queue's retry pass every `notificationJobMs`, stats
 * notifications every `statsNotificationIntervalMs`, and deletion of expired notifications every
 * `notificationCompactionMs`. What they decide (back-off ended, notification expired) is read from the
 * injected clock.
 */
import { notificationLog, type StoredNotification } from '../store/notification-log';
import type { AtSignContext } from '../context';
import { DeliveryQueue } from './delivery';
import { MonitorHub } from './monitors';

/** Expired notifications deleted per store write; the job keeps going until none are left. */
const expiryBatch = 500;

/**
 * Deletes every notification whose `expiresAt` is before `now` (the reference's 5-minute compaction);
 * answers how many went. Until then `notify:status` already answers `expired` and lists skip them.
 *
 * @example await expireNotifications(server, clock.now()) // 1, a day after notify:@bob:phone@alice
 */
export async function expireNotifications(server: Pick<AtSignContext, 'store'>, now: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const count = await notificationLog(server.store).removeExpired(now, expiryBatch);
    deleted += count;
    if (count < expiryBatch) return deleted;
  }
}

/** Notifications of one atSign's atServer; created with its context and started once it listens. */
export class Notifications {
  readonly monitors: MonitorHub;
  readonly delivery: DeliveryQueue;
  readonly #server: AtSignContext;
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  /** The compaction job while it runs (one run at a time; `close` lets it finish). */
  #compacting: Promise<unknown> | undefined;
  /** Changes whose stats notifications are still to be written (see {@link changed}). */
  #changes: { operation: 'update' | 'delete'; commitId: number }[] = [];

  constructor(server: AtSignContext) {
    this.#server = server;
    this.monitors = new MonitorHub(server);
    this.delivery = new DeliveryQueue({
      clock: server.clock,
      limits: server.limits,
      log: server.log,
      notifications: notificationLog(server.store),
      remote: () => server.remote,
    });
  }

  /** Queues again what the log still has to deliver (after a restart) and starts the background jobs. */
  start(): void {
    const { limits, store, clock, log } = this.#server;
    this.delivery.load(notificationLog(store).pending());
    this.#every(limits.notificationJobMs, () => this.delivery.nudge());
    this.#every(limits.statsNotificationIntervalMs, () => this.monitors.heartbeat());
    this.#every(limits.notificationCompactionMs, () => {
      this.#compacting ??= expireNotifications(this.#server, clock.now())
        .catch((error: unknown) => log.error('notification expiry failed', { error: String(error) }))
        .finally(() => (this.#compacting = undefined));
    });
  }

  /** Stops deliveries and jobs; resolves once a running compaction has finished. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.delivery.close();
    await this.#compacting;
  }

  /**
   * Stores a notification this atSign sends and queues it for delivery. One for this atSign itself is stored
   * received and delivered instead, so its own monitors get it (§5.18). Resolves once the log has it.
   */
  async send(record: StoredNotification): Promise<void> {
    if (record.toAtSign === this.#server.atSign) {
      return this.store({ ...record, type: 'received', status: 'delivered' });
    }
    const written = notificationLog(this.#server.store).put(record);
    // Queued right away (before the write is on disk): delivery starts at once, the write keeps its order.
    this.delivery.enqueue(record);
    await written;
  }

  /**
   * Stores a received or self notification, stamped so that `epochMillis` only grows, and hands it to the
   * monitors as it is written (and, once written, one from another atSign to web push). Resolves once the
   * log has it.
   */
  async store(record: StoredNotification): Promise<void> {
    const log = notificationLog(this.#server.store);
    const stamped = { ...record, dateTime: log.stamp(record.dateTime) };
    await log.put(stamped, () => {
      // Runs inside the write's transaction: a monitor's trouble must not fail the write.
      try {
        this.monitors.publish(stamped);
      } catch (error) {
        this.#server.log.error('monitor publish failed', { error: String(error) });
      }
    });
    // A push to the owner's devices, in the background, for what other atSigns send (not the owner's own).
    if (stamped.type === 'received' && stamped.fromAtSign !== this.#server.atSign) {
      this.#server.webPush?.received(stamped);
    }
  }

  /**
   * `notify:remove`: deletes a notification from the log and from the delivery queue.
   *
   * @example await notifications.remove('3c0ff5a1-…')
   */
  async remove(id: string): Promise<void> {
    this.delivery.forget(id);
    await notificationLog(this.#server.store).remove(id);
  }

  /**
   * After an update, update:meta or delete (§5.17): a stats notification with its commit id to every monitor,
   * written after the command's own answer.
   */
  changed(operation: 'update' | 'delete', commitId: number | null): void {
    if (commitId === null) return;
    // One timer per event-loop turn for every change in it (a batch of updates), not one per change.
    if (this.#changes.push({ operation, commitId }) > 1) return;
    setImmediate(() => {
      const changes = this.#changes;
      this.#changes = [];
      this.monitors.statsEach(changes);
    });
  }

  /** Runs `job` every `intervalMs` (0 or negative: never) without keeping the process alive for it. */
  #every(intervalMs: number, job: () => void): void {
    if (intervalMs <= 0) return;
    const timer = setInterval(() => {
      try {
        job();
      } catch (error) {
        this.#server.log.error('notification job failed', { error: String(error) });
      }
    }, intervalMs);
    timer.unref();
    this.#timers.push(timer);
  }
}
