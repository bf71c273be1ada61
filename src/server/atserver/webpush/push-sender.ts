/**
 * Sends web pushes for every atSign of a host: the `web-push` package encrypts the payload for the
 * subscription (aes128gcm, RFC 8291) and signs the VAPID header (RFC 8292); the POST itself goes through
 * this module, so the endpoint policy vets every address and the push service's answer is read within a size
 * and time limit. Pushes are best-effort: a bounded number run at once, a bounded number wait, network
 * failures, 429 and 5xx are tried again with back-off, and no outcome is ever thrown.
 */
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import webpush from 'web-push';
import type { PushSubscriptionJson } from '$lib/at/web-push';
import type { Clock } from '../../clock';
import type { WebPushConfig } from '../../config';
import type { Logger } from '../../log';
import { addressRefusedCode, type PushEndpointPolicy } from './endpoint-policy';
import type { VapidKeys } from './vapid-keys';

/**
 * `delivered` (2xx), `gone` (404/410: the subscription no longer exists), `refused` (another 4xx, or the
 * policy refused the endpoint), `failed` (tries used up, or the sender closed), `dropped` (queue full).
 */
export type PushOutcome = 'delivered' | 'gone' | 'refused' | 'failed' | 'dropped';

/** What one push asks for. */
export interface PushRequest {
  readonly subscription: PushSubscriptionJson;
  /** The cleartext payload; the push service sees it only encrypted. */
  readonly payload: string;
  readonly urgency: WebPushConfig['urgency'];
  /** Fields for the log lines of this push (ids, never the endpoint's path or keys). */
  readonly logFields: Record<string, unknown>;
}

export interface PushSenderOptions {
  readonly vapid: VapidKeys;
  readonly config: WebPushConfig;
  readonly policy: PushEndpointPolicy;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Bytes of a push service's answer read at most; its body is only ever a short error text. */
const maxAnswerBytes = 16_384;
/** Longest `Retry-After` honoured; a longer one gives up instead of holding a slot. */
const maxRetryAfterMs = 60_000;

interface Answer {
  readonly status: number;
  readonly retryAfterMs?: number;
}

export class PushSender {
  readonly #options: PushSenderOptions;
  readonly #agent: https.Agent;
  readonly #waiting: ((granted: boolean) => void)[] = [];
  #active = 0;
  #closed = false;
  readonly #closing: Promise<void>;
  #close!: () => void;

  constructor(options: PushSenderOptions) {
    this.#options = options;
    const { trustedCaPem, maxConcurrentPushes } = options.config;
    this.#agent = new https.Agent({
      keepAlive: true,
      maxSockets: maxConcurrentPushes,
      ...(trustedCaPem ? { ca: [...rootCertificates, trustedCaPem] } : {}),
    });
    this.#closing = new Promise((resolve) => (this.#close = resolve));
  }

  /**
   * Sends one push, trying again on network errors, 429 and 5xx up to `maxAttempts`; resolves with the
   * outcome, never rejects.
   *
   * @example await sender.send({ subscription, payload: '{"type":"notification",…}', urgency: 'normal', logFields })
   */
  async send(request: PushRequest): Promise<PushOutcome> {
    const { log } = this.#options;
    const host = safeHost(request.subscription.endpoint);
    const fields = { ...request.logFields, host };
    if (!(await this.#slot())) {
      if (this.#closed) return 'failed';
      log.warn('push dropped: queue full', fields);
      return 'dropped';
    }
    try {
      return await this.#attempts(request, fields);
    } catch (error) {
      log.warn('push failed', { ...fields, error: describe(error) });
      return 'failed';
    } finally {
      this.#release();
    }
  }

  /** Stops sending: waiting and retrying pushes end as `failed`, open connections are closed. */
  close(): void {
    this.#closed = true;
    this.#close();
    for (const wake of this.#waiting.splice(0)) wake(false);
    this.#agent.destroy();
  }

  async #attempts(request: PushRequest, fields: Record<string, unknown>): Promise<PushOutcome> {
    const { config, policy, log, clock } = this.#options;
    try {
      policy.check(request.subscription.endpoint);
    } catch {
      log.warn('push refused: endpoint not allowed', fields);
      return 'refused';
    }
    for (let attempt = 1; ; attempt += 1) {
      if (this.#closed) return 'failed';
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await this.#post(request);
      } catch (error) {
        failure = error;
      }
      const status = answer?.status;
      if (status !== undefined && status >= 200 && status < 300) {
        log.debug('push sent', { ...fields, status, attempt });
        return 'delivered';
      }
      if (status === 404 || status === 410) return 'gone';
      const retryable = status === undefined || status === 429 || status >= 500;
      const detail = status === undefined ? { error: describe(failure) } : { status };
      if ((failure as NodeJS.ErrnoException | undefined)?.code === addressRefusedCode || !retryable) {
        log.warn('push refused', { ...fields, ...detail, attempt });
        return 'refused';
      }
      if (attempt >= config.maxAttempts || (answer?.retryAfterMs ?? 0) > maxRetryAfterMs) {
        log.warn('push failed', { ...fields, ...detail, attempt });
        return 'failed';
      }
      const backoff = config.retryBaseMs * 2 ** (attempt - 1);
      await Promise.race([clock.sleep(Math.max(backoff, answer?.retryAfterMs ?? 0)), this.#closing]);
    }
  }

  /** One POST of the encrypted payload; resolves with the status, rejects on network errors and timeouts. */
  #post(request: PushRequest): Promise<Answer> {
    const { vapid, config, policy } = this.#options;
    const details = webpush.generateRequestDetails(request.subscription, request.payload, {
      vapidDetails: { subject: config.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: config.ttlSeconds,
      urgency: request.urgency,
      contentEncoding: 'aes128gcm',
    });
    return new Promise((resolve, reject) => {
      const post = https.request(details.endpoint, {
        method: 'POST',
        headers: details.headers as Record<string, string | number>,
        agent: this.#agent,
        lookup: policy.lookup,
        timeout: config.requestTimeoutMs,
      });
      post.on('timeout', () => post.destroy(Object.assign(new Error('push service timed out'), { code: 'ETIMEDOUT' })));
      post.on('error', reject);
      post.on('response', (answer) => {
        let read = 0;
        answer.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > maxAnswerBytes) answer.destroy();
        });
        const done = () => resolve({ status: answer.statusCode ?? 0, retryAfterMs: retryAfter(answer.headers) });
        answer.on('end', done);
        answer.on('close', done);
        answer.on('error', done);
      });
      post.end(details.body ?? undefined);
    });
  }

  /** Takes a free slot or waits for one; false when the queue is full or the sender closed. */
  async #slot(): Promise<boolean> {
    const { maxConcurrentPushes, maxQueuedPushes } = this.#options.config;
    if (this.#closed) return false;
    if (this.#active < maxConcurrentPushes) {
      this.#active += 1;
      return true;
    }
    if (this.#waiting.length >= maxQueuedPushes) return false;
    return new Promise<boolean>((wake) => this.#waiting.push(wake));
  }

  /** Hands the slot to the next waiting push, if any (so no new push can take it first). */
  #release(): void {
    const next = this.#waiting.shift();
    if (next) next(true);
    else this.#active -= 1;
  }
}

/** The endpoint's host, the only part of it that is logged: its path identifies the subscription. */
function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return 'invalid';
  }
}

/** A network error's code (`ECONNREFUSED`), or its message for errors without one. */
function describe(error: unknown): string {
  const { code, message } = (error ?? {}) as NodeJS.ErrnoException;
  return code ?? message ?? String(error);
}

/** `Retry-After` in ms: delta seconds, or an HTTP date. */
function retryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
