import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { acceptHandshake } from '$server/gateway/websocket/handshake';

const request = (headers: Record<string, string>, method = 'GET') =>
  ({
    method,
    headers: { upgrade: 'websocket', 'sec-websocket-version': '13', ...headers },
  }) as unknown as IncomingMessage;

describe('acceptHandshake', () => {
  it('answers the RFC 6455 example key with its accept value', () => {
    const answer = acceptHandshake(request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }));
    expect(answer).toEqual({
      ok: true,
      response:
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    });
  });

  it('refuses another version with 426', () => {
    const answer = acceptHandshake(
      request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '8' }),
    );
    expect(answer).toEqual({ ok: false, ending: 'unsupportedVersion' });
  });

  it.each([
    ['a missing key', {}],
    ['a key that is not 16 bytes of base64', { 'sec-websocket-key': 'c2hvcnQ=' }],
    ['an upgrade to something else', { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', upgrade: 'h2c' }],
  ])('refuses %s with 400', (_, headers) => {
    expect(acceptHandshake(request(headers))).toEqual({ ok: false, ending: 'badUpgrade' });
  });

  it('refuses a method other than GET', () => {
    expect(acceptHandshake(request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }, 'POST'))).toEqual({
      ok: false,
      ending: 'badUpgrade',
    });
  });
});
