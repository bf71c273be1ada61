/**
 * A small typed RPC over `postMessage`: one side {@link expose}s an object, the other {@link connect}s and calls
 * its async methods as if local. Each call carries an id, the method name and its arguments; the answer carries
 * the id and the result or the error. Arguments and results travel by structured cloning, so they are plain data,
 * bytes, or non-extractable CryptoKeys — never a passphrase or raw key material (callers' rule, DESIGN.md).
 * The exposed side can also emit named events (sync status) to the other.
 *
 * Works over anything with `postMessage` and `message` events: a `Worker` and the worker's `self`, or the two
 * ports of a `MessageChannel` (in Node too).
 */
import { fromWireError, toWireError, type WireError } from './wire-error';

/** What both sides need of a `Worker`, a worker's `self` or a `MessagePort`. */
export interface Endpoint {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  /** A `MessagePort` delivers nothing until started. */
  start?(): void;
}

type Call = { readonly rpc: 'call'; readonly id: number; readonly method: string; readonly args: unknown[] };
type Answer =
  | { readonly rpc: 'result'; readonly id: number; readonly value: unknown }
  | { readonly rpc: 'error'; readonly id: number; readonly error: WireError };
type Emitted = { readonly rpc: 'event'; readonly name: string; readonly data: unknown };
type Message = Call | Answer | Emitted;

type AsyncFunction = (...args: never[]) => Promise<unknown>;

/** The names of `T`'s methods that return promises: the ones that can be called remotely. */
export type RemoteMethodNames<T> = {
  [K in keyof T & string]: T[K] extends AsyncFunction ? K : never;
}[keyof T & string];

/** `T` as seen from the other side: its async methods, nothing else. */
export type Remote<T> = { readonly [K in RemoteMethodNames<T>]: T[K] };

/** The exposing side's handle. */
export interface RpcHost {
  /** Sends a named event with data to the connected side. */
  emit(name: string, data: unknown): void;
  /** Stops answering calls. */
  close(): void;
}

/** The calling side's handle. */
export interface RpcClient<T> {
  /** Calls methods of the exposed object: `await client.api.openKeys('@alice', vaultKey)`. */
  readonly api: Remote<T>;
  /** Listens to a named event; returns the function that stops listening. */
  on(name: string, listener: (data: unknown) => void): () => void;
  /** Stops listening; calls still waiting reject. */
  close(): void;
}

const isMessage = (data: unknown): data is Message =>
  typeof data === 'object' && data !== null && typeof (data as { rpc?: unknown }).rpc === 'string';

/** A method the other side may call: an own or inherited function that is not one every object has. */
function callable(target: object, method: string): ((...args: unknown[]) => unknown) | undefined {
  if (method in Object.prototype) return undefined;
  const value: unknown = (target as Record<string, unknown>)[method];
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown) : undefined;
}

/**
 * Answers calls arriving on `endpoint` by calling `target`'s methods. A method that throws, does not exist, or
 * returns something that cannot be cloned answers with an error; the host keeps serving.
 *
 * @example
 * // worker.ts
 * const host = expose(new ClientEngine(), self as unknown as Endpoint);
 */
export function expose(target: object, endpoint: Endpoint): RpcHost {
  const answer = (message: Answer) => {
    try {
      endpoint.postMessage(message);
    } catch (error) {
      // The result could not be cloned (a function, a class with private state …): say so instead.
      endpoint.postMessage({ rpc: 'error', id: message.id, error: toWireError(error) } satisfies Answer);
    }
  };
  const onMessage = async (event: MessageEvent) => {
    const message: unknown = event.data;
    if (!isMessage(message) || message.rpc !== 'call') return;
    const { id, method, args } = message;
    try {
      const fn = callable(target, method);
      if (!fn) throw new TypeError(`no method ${method}`);
      answer({ rpc: 'result', id, value: await fn.apply(target, args) });
    } catch (error) {
      answer({ rpc: 'error', id, error: toWireError(error) });
    }
  };
  endpoint.addEventListener('message', onMessage);
  endpoint.start?.();
  return {
    emit: (name, data) => endpoint.postMessage({ rpc: 'event', name, data } satisfies Emitted),
    close: () => endpoint.removeEventListener('message', onMessage),
  };
}

/**
 * Connects to an object {@link expose}d on the far side of `endpoint`.
 *
 * @example
 * const engine = connect<ClientEngine>(new Worker(url, { type: 'module' }));
 * await engine.api.unlock('@alice', vaultKey);
 * engine.on('status', (status) => render(status));
 */
export function connect<T>(endpoint: Endpoint): RpcClient<T> {
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  let nextId = 1;
  let closed = false;

  const onMessage = (event: MessageEvent) => {
    const message: unknown = event.data;
    if (!isMessage(message) || message.rpc === 'call') return;
    if (message.rpc === 'event') {
      for (const listener of listeners.get(message.name) ?? []) listener(message.data);
      return;
    }
    const call = waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id);
    if (message.rpc === 'result') call.resolve(message.value);
    else call.reject(fromWireError(message.error));
  };
  endpoint.addEventListener('message', onMessage);
  endpoint.start?.();

  const invoke = (method: string, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (closed) return reject(new Error(`the RPC connection is closed (calling ${method})`));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      try {
        endpoint.postMessage({ rpc: 'call', id, method, args } satisfies Call);
      } catch (error) {
        // An argument that cannot be cloned (a function, an extractable-only object) fails here, at the caller.
        waiting.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });

  // `then` is left undefined so that the proxy is not mistaken for a promise when returned from an async function.
  const api = new Proxy({} as Remote<T>, {
    get: (_, property) =>
      typeof property === 'string' && property !== 'then' ? (...args: unknown[]) => invoke(property, args) : undefined,
  });

  return {
    api,
    on(name, listener) {
      const set = listeners.get(name) ?? new Set();
      set.add(listener);
      listeners.set(name, set);
      return () => set.delete(listener);
    },
    close() {
      closed = true;
      endpoint.removeEventListener('message', onMessage);
      for (const call of waiting.values()) call.reject(new Error('the RPC connection closed before the answer'));
      waiting.clear();
    },
  };
}
