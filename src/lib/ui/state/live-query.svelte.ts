/**
 * Something a page shows for the current atSign and keeps up to date: read from the client once, then read
 * again (or patched) when the client's events say it changed. Used for the records, data shared with me, the
 * inbox and conflicts.
 *
 * @example
 * const inbox = new LiveQuery(app, (client, atSign) => client.inbox(atSign), (event) =>
 *   event.type === 'notification' ? 'reload' : undefined);
 * $effect(() => inbox.load(app.current));
 * onMount(() => inbox.watch());
 */
import type { ClientApi, ClientEvent } from '$lib/client/api';
import type { AppState } from './app-state.svelte';

/** What an event means for the shown value: a new value, "read it again", or nothing. */
export type EventEffect<T> = (event: ClientEvent, value: T | undefined) => T | 'reload' | undefined;

/** Events arriving in a burst (a sync pulling many records) cause one reload. */
const reloadDelayMs = 150;

export class LiveQuery<T> {
  /** Undefined until the first read finished. */
  value = $state<T | undefined>();
  error = $state<unknown>();

  readonly #app: AppState;
  readonly #fetch: (client: ClientApi, atSign: string) => Promise<T>;
  readonly #onEvent: EventEffect<T>;
  #atSign: string | undefined;
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(app: AppState, fetch: (client: ClientApi, atSign: string) => Promise<T>, onEvent: EventEffect<T>) {
    this.#app = app;
    this.#fetch = fetch;
    this.#onEvent = onEvent;
  }

  /** Reads the value for `atSign` (an answer for an atSign no longer current is dropped). */
  async load(atSign: string | undefined): Promise<void> {
    if (atSign !== this.#atSign) {
      this.#atSign = atSign;
      this.value = undefined;
      this.error = undefined;
    }
    if (atSign === undefined) return;
    const generation = ++this.#generation;
    try {
      const value = await this.#fetch(this.#app.client, atSign);
      if (generation === this.#generation) [this.value, this.error] = [value, undefined];
    } catch (error) {
      if (generation === this.#generation) this.error = error;
    }
  }

  /** Reads again for the same atSign. */
  reload(): Promise<void> {
    return this.load(this.#atSign);
  }

  /** Replaces the value after a local change (the client's event will confirm it). */
  set(value: T): void {
    this.value = value;
  }

  /** Follows the client's events for the loaded atSign; returns the function that stops. */
  watch(): () => void {
    const stop = this.#app.onEvent((atSign, event) => {
      if (atSign !== this.#atSign) return;
      const effect = this.#onEvent(event, this.value);
      if (effect === 'reload') this.#scheduleReload();
      else if (effect !== undefined) this.value = effect;
    });
    return () => {
      clearTimeout(this.#timer);
      stop();
    };
  }

  #scheduleReload(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.reload(), reloadDelayMs);
  }
}
