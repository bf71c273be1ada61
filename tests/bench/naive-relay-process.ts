/**
 * The baseline the gateway suite compares against: the obvious relay written with `ws` on its defaults, with
 * none of the gateway's checks. `node --import tsx tests/bench/naive-relay-process.ts <dataDir> <atServerPort>`
 * relays every WebSocket to `localhost:<atServerPort>` over TLS (trusting `<dataDir>/tls/ca.crt`), prints
 * `{"port":…}` once listening, and stops when its stdin closes or on SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';
import { exitWithParent } from './child-lifetime';

const [dataDir, atServerPort] = process.argv.slice(2);
if (!dataDir || !atServerPort) throw new Error('usage: naive-relay-process.ts <dataDir> <atServerPort>');
const ca = await readFile(`${dataDir}/tls/ca.crt`, 'utf8');
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (ws) => {
  const target = tls.connect({ host: '127.0.0.1', port: Number(atServerPort), ca, servername: 'localhost' });
  ws.on('message', (data: Buffer) => target.write(data));
  target.on('data', (data: Buffer) => ws.send(data));
  ws.on('close', () => target.destroy());
  target.on('close', () => ws.close());
  target.on('error', () => ws.terminate());
});
await new Promise((resolve) => server.once('listening', resolve));
exitWithParent(async () => server.close());
console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
