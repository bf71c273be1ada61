/**
 * A Dialer knows how to reach an atSign's atServer: through the atstack gateway (browsers, and anything
 * that can open a WebSocket) or, in Node, by asking the atDirectory and connecting with TLS
 * (`node/tls-dialer.ts`). Sessions, monitors and onboarding take a Dialer and never care which.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { AtConnection, ConnectionClosedError, type AtConnectionOptions } from './connection';
import {
  gatewayUrl,
  openWebSocketTransport,
  WebSocketClosedError,
  type WebSocketConstructor,
} from './transport/websocket-transport';

/** Opens connections to atServers. */
export interface Dialer {
  /**
   * Opens a connection to `atSign`'s atServer and resolves once its greeting has arrived.
   *
   * @throws AtError AT0007 when the atSign is not registered; AT0021 when its atServer cannot be reached;
   *   the server's own error when it refuses the connection (AT0012).
   */
  dial(atSign: string, options?: AtConnectionOptions): Promise<AtConnection>;
}

export interface GatewayDialerOptions {
  /** The gateway's origin, e.g. `https://gw.example.com` (in the app, `location.origin`). */
  readonly url: string | URL;
  /** Defaults to the global WebSocket; Node passes the `ws` package's (with an `origin` header). */
  readonly WebSocket?: WebSocketConstructor;
  /** The WebSocket upgrade must complete within this (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/**
 * What a gateway close code before the greeting means (the gateway's endings table: 44xx will not work,
 * 45xx may work later).
 */
function gatewayFailure(atSign: string, close: WebSocketClosedError): AtError | undefined {
  switch (close.code) {
    case 4404:
      return new AtError('AT0007', `${atSign} is not registered in the atDirectory`);
    case 4400:
      return new AtError('AT0022', `${atSign} is not a valid atSign`);
    case 4403:
      return new AtError('AT0021', `the gateway may not connect to the atServer of ${atSign} (${close.reason})`);
    case 4502:
      return new AtError('AT0021', `the gateway cannot reach the atDirectory to find ${atSign}`);
    case 4503:
    case 4504:
      return new AtError('AT0021', `the atServer of ${atSign} is unreachable (${close.reason})`);
    default:
      return undefined;
  }
}

/**
 * Reaches atServers through the atstack gateway at `/ws/@<atSign>`: the gateway resolves the atSign through
 * its atDirectory, so the page never names a host or port.
 *
 * @example
 * const dialer = gatewayDialer({ url: location.origin });
 * const connection = await dialer.dial('@alice');
 */
export function gatewayDialer(options: GatewayDialerOptions): Dialer {
  return {
    async dial(atSignText, connectionOptions) {
      const atSign = fixAtSign(atSignText);
      const transport = await openWebSocketTransport(gatewayUrl(options.url, atSign), {
        WebSocket: options.WebSocket,
        timeoutMs: options.connectTimeoutMs,
      });
      try {
        return await AtConnection.open(transport, connectionOptions);
      } catch (error) {
        const close = error instanceof ConnectionClosedError ? error.cause : undefined;
        throw (close instanceof WebSocketClosedError && gatewayFailure(atSign, close)) || error;
      }
    },
  };
}
