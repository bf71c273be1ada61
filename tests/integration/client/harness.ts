/**
 * The atClient against the real stack: an atDirectory and atServer host (TLS, SQLite) and, in front of it,
 * the real gateway. Client tests run once per way in: TLS after an atDirectory lookup (`directoryDialer`)
 * and WebSocket through the gateway (`gatewayDialer` with the `ws` package as WebSocket).
 */
import WebSocket from 'ws';
import { toDirectoryForm } from '$lib/at/atsign';
import type { AtConnection } from '$lib/client/connection';
import { gatewayDialer, type Dialer } from '$lib/client/dialer';
import { directoryDialer } from '$lib/client/node/tls-dialer';
import { startStack, type Stack } from '../atserver/harness';
import type { GatewayOptions } from '$server/gateway/gateway';
import { startRig, type Rig } from '../gateway/harness';

export type Way = 'tls' | 'gateway';
export const ways: Way[] = ['tls', 'gateway'];

export interface ClientRig {
  readonly stack: Stack;
  readonly rig: Rig;
  /** Creates an atSign on the host, reachable both ways; resolves with its CRAM secret. */
  create(atSign: string): Promise<string>;
  dialer(way: Way): Dialer;
  /** Drops every open connection of `atSign`'s atServer from the server side, without a word. */
  dropConnections(atSign: string): void;
  stop(): Promise<void>;
}

/** Starts the stack and a gateway in front of it; `gateway` adds gateway options (e.g. an `appDir` to serve). */
export async function startClientRig(gateway: Partial<GatewayOptions> = {}): Promise<ClientRig> {
  const stack = await startStack();
  // The gateway resolves atSigns through its own directory; it must trust the stack's certificates.
  const rig = await startRig({ gateway: { atServerCa: stack.tls.caPem, ...gateway } });
  const origin = rig.origin;
  /** `ws` sends no Origin header unless told; a browser always sends its page's. */
  class PageWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { origin });
    }
  }
  const dialers: Record<Way, Dialer> = {
    tls: directoryDialer({ host: 'localhost', port: stack.directory.port, ca: stack.tls.caPem }),
    gateway: gatewayDialer({ url: `http://127.0.0.1:${rig.gateway.port}`, WebSocket: PageWebSocket }),
  };
  return {
    stack,
    rig,
    async create(atSign) {
      const { cramSecret } = await stack.create(atSign);
      await rig.backend.register(toDirectoryForm(atSign), `localhost:${stack.port(atSign)}`);
      return cramSecret;
    },
    dialer: (way) => dialers[way],
    dropConnections(atSign) {
      for (const connection of [...stack.host.server(atSign)!.connections()]) connection.drop();
    },
    async stop() {
      await rig.stop();
      await stack.stop();
    },
  };
}

export interface Tap {
  /** Called right after a line has been written, with the atSign the connection is for. */
  onLine?: (line: string) => void;
  /** Awaited before each dial: hold new connections back while it is pending. */
  beforeDial?: () => Promise<void>;
}

/** A Dialer around `dialer` whose connections report every line they write (test instrumentation). */
export function tapDialer(dialer: Dialer, tap: Tap): Dialer {
  return {
    async dial(atSign, options) {
      await tap.beforeDial?.();
      const connection = await dialer.dial(atSign, options);
      const written =
        <A extends unknown[], R>(method: (line: string, ...rest: A) => R) =>
        (line: string, ...rest: A): R => {
          const result = method.call(connection, line, ...rest);
          tap.onLine?.(line);
          return result;
        };
      return new Proxy(connection, {
        get(target, property) {
          if (property === 'send') return written(target.send);
          if (property === 'exchange') return written(target.exchange);
          if (property === 'sendWithoutReply') return written(target.sendWithoutReply);
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) satisfies AtConnection;
    },
  };
}

/** A gate for {@link Tap.beforeDial}: `close()` holds dials until `open()`. */
export class DialGate {
  #opened: Promise<void> = Promise.resolve();
  #open: () => void = () => undefined;

  readonly wait = () => this.#opened;

  close(): void {
    this.#opened = new Promise((resolve) => (this.#open = resolve));
  }

  open(): void {
    this.#open();
  }
}
