/**
 * The server side of the WebSocket opening handshake (RFC 6455 §4.2): checks the browser's upgrade request and
 * builds the 101 answer. No extension is ever accepted (so no compression: the relayed bytes are the app's
 * ciphertext, and inflating untrusted input costs memory) and no subprotocol is chosen.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const acceptGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A Sec-WebSocket-Key is 16 random bytes in base64. */
const keyShape = /^[+/0-9A-Za-z]{22}==$/;

/** The answer to an upgrade request: the 101 response to write, or the endings-table entry refusing it. */
export type HandshakeAnswer =
  | { readonly ok: true; readonly response: string }
  | { readonly ok: false; readonly ending: 'badUpgrade' | 'unsupportedVersion' };

const hasToken = (header: string | undefined, token: string) =>
  (header ?? '')
    .toLowerCase()
    .split(',')
    .some((part) => part.trim() === token);

/**
 * Checks `req` as a WebSocket opening handshake.
 *
 * @example
 * acceptHandshake(req); // { ok: true, response: 'HTTP/1.1 101 Switching Protocols\r\n…Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n' }
 */
export function acceptHandshake(req: IncomingMessage): HandshakeAnswer {
  if (req.method !== 'GET' || !hasToken(req.headers.upgrade, 'websocket')) {
    return { ok: false, ending: 'badUpgrade' };
  }
  if (req.headers['sec-websocket-version'] !== '13') {
    return { ok: false, ending: 'unsupportedVersion' };
  }
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !keyShape.test(key)) {
    return { ok: false, ending: 'badUpgrade' };
  }
  const accept = createHash('sha1')
    .update(key + acceptGuid)
    .digest('base64');
  return {
    ok: true,
    response:
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  };
}
