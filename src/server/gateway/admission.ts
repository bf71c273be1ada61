/**
 * The checks a WebSocket upgrade passes before the gateway spends anything on it: a relay path, an allowed
 * origin, and room under the total and per-address connection caps. A connection holds its place from the
 * upgrade until its socket closes, so a relay that fails half-way still frees it exactly once.
 */
import type { GatewayLimits } from '../config';
import type { EndingName } from './endings';

/** Normalises an origin for comparison (`HTTP://LocalHost:80` → `http://localhost`); null if it is not one. */
export function normaliseOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}

export class Admission {
  readonly #limits: Pick<GatewayLimits, 'maxConnections' | 'maxConnectionsPerIp'>;
  readonly #origins: ReadonlySet<string>;
  readonly #perAddress = new Map<string, number>();
  #open = 0;

  /** @param origins pages allowed to open relays (`https://app.example.com`); any other origin gets 403. */
  constructor(limits: Pick<GatewayLimits, 'maxConnections' | 'maxConnectionsPerIp'>, origins: readonly string[]) {
    this.#limits = limits;
    this.#origins = new Set(origins.map((origin) => normaliseOrigin(origin) ?? origin));
  }

  /** The origins relays are allowed from, normalised. */
  get origins(): readonly string[] {
    return [...this.#origins];
  }

  /**
   * Why an upgrade from `clientKey` with `origin` must be refused, or null when it may proceed. A request
   * without an Origin header is refused too: every browser sends one, and the gateway serves browsers.
   */
  refusal(origin: string | undefined, clientKey: string): EndingName | null {
    const normalised = origin === undefined ? null : normaliseOrigin(origin);
    if (normalised === null || !this.#origins.has(normalised)) return 'wrongOrigin';
    if (this.#open >= this.#limits.maxConnections) return 'tooManyConnections';
    if ((this.#perAddress.get(clientKey) ?? 0) >= this.#limits.maxConnectionsPerIp) return 'tooManyFromAddress';
    return null;
  }

  /** Counts a connection from `clientKey`; call {@link Admission.release} once when its socket closes. */
  admit(clientKey: string): void {
    this.#open += 1;
    this.#perAddress.set(clientKey, (this.#perAddress.get(clientKey) ?? 0) + 1);
  }

  release(clientKey: string): void {
    this.#open -= 1;
    const left = (this.#perAddress.get(clientKey) ?? 1) - 1;
    if (left === 0) this.#perAddress.delete(clientKey);
    else this.#perAddress.set(clientKey, left);
  }

  /** Connections holding a place, and distinct addresses among them (leak checks, health). */
  get open(): number {
    return this.#open;
  }

  get addresses(): number {
    return this.#perAddress.size;
  }
}
