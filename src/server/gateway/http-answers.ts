/**
 * What the gateway answers over plain HTTP: the app's files, `GET /healthz`, a 426 for a relay path fetched
 * without an upgrade, and the raw HTTP answer to an upgrade it refuses. Also how it reads a request's path and
 * client address, and the options of its listening server.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayLimits } from '../config';
import { clientKey } from '../net/address-class';
import type { AppFiles } from './app-files';
import type { Ending } from './endings';
import { relayPathPrefix } from './target';

/**
 * Options of the HTTP(S) server: request timeouts (Node checks them every `connectionsCheckingInterval`, 30 s
 * by default, so check often enough), and `maxBufferedBytes` as every socket's high-water mark, which is what
 * a relay's back-pressure waits on.
 */
export function serverOptions(limits: GatewayLimits) {
  const ms = limits.handshakeTimeoutMs;
  return {
    headersTimeout: ms,
    requestTimeout: ms,
    connectionsCheckingInterval: Math.min(1_000, ms),
    highWaterMark: limits.maxBufferedBytes,
  };
}

/** The path of a request, or null when its target is not a URL path at all. */
export function pathOf(req: IncomingMessage): string | null {
  try {
    return new URL(req.url ?? '/', 'http://gateway').pathname;
  } catch {
    return null;
  }
}

/** The address per-client limits count a request under: the peer, or the proxy's last `X-Forwarded-For` entry. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const last = typeof forwarded === 'string' ? forwarded.split(',').pop()?.trim() : undefined;
  return clientKey(last || req.socket.remoteAddress || 'unknown');
}

/** Writes the HTTP refusal of an upgrade (the ending's status and reason) and closes the socket once sent. */
export function refuseUpgrade(socket: Socket, ending: Ending): void {
  const status = ending.status ?? 400;
  const body = ending.reason;
  // 426 names the version the gateway speaks (RFC 6455 §4.4).
  const version = status === 426 ? 'Sec-WebSocket-Version: 13\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n${version}` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * Answers a plain HTTP request: `/healthz` with `health()` as JSON (never cached), a relay path with 426, and
 * anything else from the app, `headers` (the security headers) on every answer.
 */
export function answerRequest(
  req: IncomingMessage,
  res: ServerResponse,
  app: AppFiles,
  headers: Record<string, string>,
  health: () => unknown,
): void {
  const pathname = pathOf(req) ?? '';
  if (pathname === '/healthz') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
    return void res.end(JSON.stringify(health()));
  }
  if (pathname.startsWith(relayPathPrefix)) {
    res.writeHead(426, { ...headers, upgrade: 'websocket', 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('this path takes a WebSocket');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('bad path');
  }
  app.serve(req, res, decoded, headers);
}
