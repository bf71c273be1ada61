/**
 * Every way a gateway connection ends, in one table: the WebSocket close code and reason the page sees, or
 * the HTTP status of a refusal made before the upgrade (a browser only learns that such a connection
 * failed; the status is for logs, tools and tests). The relay closes both sockets with the entry it is
 * given and counts it under its name; nothing else chooses a close code.
 *
 * Codes 4400–4504 mirror the HTTP status of the same meaning (4404: atSign not found), so a client can
 * tell "ask again later" (45xx) from "this will never work" (44xx) without reading the text.
 */

/** How an ending is counted: the gateway said no, could not reach the target, or the relay simply ended. */
export type EndingKind = 'refused' | 'failed' | 'closed';

export interface Ending {
  /** WebSocket close code sent to the browser; null drops the socket without a close frame (1006). */
  readonly close: number | null;
  /** HTTP status for a refusal made before the WebSocket upgrade; null once upgraded. */
  readonly status: number | null;
  /** Close reason (or HTTP body): short, fixed text, never a detail from the client or the target. */
  readonly reason: string;
  readonly kind: EndingKind;
  readonly level: 'debug' | 'info' | 'warn';
}

const upgraded = (close: number | null, reason: string, kind: EndingKind, level: Ending['level']): Ending => ({
  close,
  status: null,
  reason,
  kind,
  level,
});
const beforeUpgrade = (status: number, reason: string): Ending => ({
  close: null,
  status,
  reason,
  kind: 'refused',
  level: 'warn',
});

export const endings = {
  // Refused before the upgrade, as an HTTP answer.
  unknownPath: beforeUpgrade(404, 'not a gateway path: use /ws/directory or /ws/@atsign'),
  badUpgrade: beforeUpgrade(400, 'not a WebSocket opening handshake'),
  unsupportedVersion: beforeUpgrade(426, 'WebSocket version 13 only'),
  wrongOrigin: beforeUpgrade(403, 'origin not allowed'),
  tooManyConnections: beforeUpgrade(503, 'gateway full'),
  tooManyFromAddress: beforeUpgrade(429, 'too many connections from this address'),

  // Ended after the upgrade.
  clientClosed: upgraded(1000, 'closed by the browser', 'closed', 'debug'),
  targetClosed: upgraded(1000, 'closed by the server', 'closed', 'debug'),
  shuttingDown: upgraded(1001, 'gateway shutting down', 'closed', 'info'),
  protocolError: upgraded(1002, 'WebSocket protocol error', 'refused', 'info'),
  messageTooBig: upgraded(1009, 'message too big', 'refused', 'warn'),
  internalError: upgraded(1011, 'gateway error', 'failed', 'warn'),
  heartbeatLost: upgraded(null, '', 'closed', 'info'),
  invalidAtSign: upgraded(4400, 'not an atSign', 'refused', 'info'),
  targetNotAllowed: upgraded(4403, 'atServer not on the allow-list', 'refused', 'warn'),
  addressNotAllowed: upgraded(4403, 'atServer address not allowed', 'refused', 'warn'),
  atSignNotFound: upgraded(4404, 'atSign not found', 'failed', 'info'),
  idleTimeout: upgraded(4408, 'idle timeout', 'closed', 'debug'),
  directoryUnavailable: upgraded(4502, 'atDirectory unavailable', 'failed', 'warn'),
  targetUnreachable: upgraded(4503, 'atServer unreachable', 'failed', 'warn'),
  targetTimeout: upgraded(4504, 'atServer did not answer in time', 'failed', 'warn'),
} as const satisfies Record<string, Ending>;

export type EndingName = keyof typeof endings;

/**
 * Thrown while a target is resolved or vetted to end the relay with a named entry; `detail` goes to the log
 * only (the page gets the table's fixed reason).
 *
 * @example throw new GatewayRefusal('addressNotAllowed', 'vip.example.com resolves to 10.0.0.5 (private)');
 */
export class GatewayRefusal extends Error {
  override name = 'GatewayRefusal';
  readonly ending: EndingName;

  constructor(ending: EndingName, detail: string) {
    super(detail);
    this.ending = ending;
  }
}
