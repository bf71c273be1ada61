/**
 * The client worker's script: hosts a {@link ClientHost} over {@link expose} and forwards every atSign's events
 * (records changed, sync status, notifications, connection) to the page as `event` messages.
 *
 * @example
 * const worker = new Worker(new URL('$lib/client/worker/entry.ts', import.meta.url), { type: 'module' });
 * const host = connect<ClientHost>(worker);
 * host.on('event', ({ atSign, event }) => render(atSign, event));
 */
import { ClientHost } from './client-host';
import { expose, type Endpoint } from './rpc';

// Events come only after an unlock, that is after `rpc` exists.
const host = new ClientHost({ emit: (atSign, event) => rpc.emit('event', { atSign, event }) });
const rpc = expose(host, self as unknown as Endpoint);
