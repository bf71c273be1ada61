/**
 * Reading a monitor connection in tests: `notification: {…}` lines as the server wrote them, with stats
 * notifications (which the heartbeat may add at any clock advance) kept apart from the others.
 */
import { isStatsNotification, parseNotificationLine, type NotificationEvent } from '$lib/at/notification';
import type { Stack, TestConnection } from '../atserver/harness';

export class MonitorStream {
  readonly connection: TestConnection;
  readonly #pending: string[] = [];

  constructor(connection: TestConnection) {
    this.connection = connection;
  }

  /**
   * Sends `monitor…` on an owner connection of `atSign` (or on `connection`) and returns its stream once the
   * server has taken it: `monitor` answers nothing, so a `noop:0` behind it marks the moment (commands on
   * one connection run in order). Events written before that answer (a replay) are kept for reading.
   */
  static async open(stack: Stack, atSign: string, command = 'monitor', connection?: TestConnection) {
    const monitor = connection ?? (await stack.owner(atSign));
    monitor.raw.write(`${command}\nnoop:0\n`);
    const text = await monitor.raw.readUntil(/data:ok\n@[^@\s:]*@/);
    const stream = new MonitorStream(monitor);
    for (const line of text.split('\n')) if (line.startsWith('notification:')) stream.#pending.push(line);
    return stream;
  }

  /** How many lines were read but not taken yet. */
  get unread(): number {
    return this.#pending.length;
  }

  /** The next line that is not a stats notification, exactly as written (without its `\n`). */
  nextLine(): Promise<string> {
    return this.#take((line) => !isStatsNotification(parseNotificationLine(line)));
  }

  /** The next event that is not a stats notification. */
  async next(): Promise<NotificationEvent> {
    return parseNotificationLine(await this.nextLine());
  }

  /** The next `count` events that are not stats notifications. */
  async take(count: number): Promise<NotificationEvent[]> {
    const events: NotificationEvent[] = [];
    while (events.length < count) events.push(await this.next());
    return events;
  }

  /** The next stats notification, exactly as written. */
  nextStatsLine(): Promise<string> {
    return this.#take((line) => isStatsNotification(parseNotificationLine(line)));
  }

  async nextStats(): Promise<NotificationEvent> {
    return parseNotificationLine(await this.nextStatsLine());
  }

  close(): void {
    this.connection.close();
  }

  async #take(wanted: (line: string) => boolean): Promise<string> {
    const index = this.#pending.findIndex(wanted);
    if (index !== -1) return this.#pending.splice(index, 1)[0]!;
    for (;;) {
      const line = (await this.connection.raw.readUntil(/\n/)).replace(/\n$/, '');
      if (wanted(line)) return line;
      this.#pending.push(line);
    }
  }
}
