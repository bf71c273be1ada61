/**
 * The gateway's counters, served by `GET /healthz`: connections, bytes and messages relayed, and how every
 * connection ended, by endings-table name. Relays count their own bytes (one field increment on the hot
 * path); totals add the open relays' figures only when read.
 */
import { endings, type EndingKind, type EndingName } from './endings';

/** Figures of one relay, as the counters read them. */
export interface RelayFigures {
  readonly bytesFromBrowser: number;
  readonly bytesToBrowser: number;
  readonly messagesFromBrowser: number;
}

/** What `GET /healthz` answers. */
export interface HealthReport {
  readonly status: 'ok';
  /** The atDirectory atSigns are resolved through (`root.atsign.org:64`): public, and what the app shows. */
  readonly directory: string;
  readonly uptimeSeconds: number;
  readonly connections: { readonly open: number; readonly accepted: number; readonly relayed: number };
  readonly bytes: { readonly fromBrowsers: number; readonly toBrowsers: number };
  /** Data frames from browsers: whole messages, or fragments of one. */
  readonly messagesFromBrowsers: number;
  /** Ends by kind (refused, failed, closed) and by endings-table name. */
  readonly ended: Record<EndingKind, number>;
  readonly endings: Partial<Record<EndingName, number>>;
}

export class GatewayCounters {
  readonly #startedAt: number;
  /** WebSockets accepted (upgrades that passed the origin and connection limits). */
  accepted = 0;
  /** Relays that reached `relaying`. */
  relayed = 0;
  readonly #endings = new Map<EndingName, number>();
  #closedBytesFromBrowsers = 0;
  #closedBytesToBrowsers = 0;
  #closedMessages = 0;

  constructor(now: number) {
    this.#startedAt = now;
  }

  ended(name: EndingName): void {
    this.#endings.set(name, (this.#endings.get(name) ?? 0) + 1);
  }

  /** Adds a closed relay's figures to the totals. */
  retire(relay: RelayFigures): void {
    this.#closedBytesFromBrowsers += relay.bytesFromBrowser;
    this.#closedBytesToBrowsers += relay.bytesToBrowser;
    this.#closedMessages += relay.messagesFromBrowser;
  }

  /** How often `name` has ended a connection. */
  count(name: EndingName): number {
    return this.#endings.get(name) ?? 0;
  }

  report(now: number, open: readonly RelayFigures[], directory: string): HealthReport {
    const sum = (pick: (relay: RelayFigures) => number) => open.reduce((total, relay) => total + pick(relay), 0);
    const ended: Record<EndingKind, number> = { refused: 0, failed: 0, closed: 0 };
    for (const [name, count] of this.#endings) ended[endings[name].kind] += count;
    return {
      status: 'ok',
      directory,
      uptimeSeconds: Math.round((now - this.#startedAt) / 1000),
      connections: { open: open.length, accepted: this.accepted, relayed: this.relayed },
      bytes: {
        fromBrowsers: this.#closedBytesFromBrowsers + sum((relay) => relay.bytesFromBrowser),
        toBrowsers: this.#closedBytesToBrowsers + sum((relay) => relay.bytesToBrowser),
      },
      messagesFromBrowsers: this.#closedMessages + sum((relay) => relay.messagesFromBrowser),
      ended,
      endings: Object.fromEntries(this.#endings),
    };
  }
}
