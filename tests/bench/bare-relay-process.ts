/**
 * The floor the gateway suite measures relays against: the least a Node process can do to relay a round trip
 * to an atServer over TLS, with no WebSocket at all. `node --import tsx tests/bench/bare-relay-process.ts <dataDir>
 * <atServerPort>` pipes every plain TCP connection to `localhost:<atServerPort>` over TLS (trusting
 * `<dataDir>/tls/ca.crt`): bytes in are written to TLS as they come, TLS reads go to one shared buffer (`onread`)
 * and out in one write each (a copy: the buffer is reused) — the same data path as the gateway, minus framing and checks. It prints
 * `{"port":…}` once listening, and stops when its stdin closes or on SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { exitWithParent } from './child-lifetime';

const [dataDir, atServerPort] = process.argv.slice(2);
if (!dataDir || !atServerPort) throw new Error('usage: bare-relay-process.ts <dataDir> <atServerPort>');
const ca = await readFile(`${dataDir}/tls/ca.crt`, 'utf8');
const context = tls.createSecureContext({ ca });
const shared = Buffer.allocUnsafe(65_536);
const server = net.createServer((client) => {
  client.setNoDelay(true);
  const target = tls.connect({
    host: '127.0.0.1',
    port: Number(atServerPort),
    servername: 'localhost',
    secureContext: context,
    ...({
      onread: { buffer: shared, callback: (length: number) => client.write(Buffer.from(shared.subarray(0, length))) },
    } as object),
  });
  target.setNoDelay(true);
  client.on('data', (data: Buffer) => target.write(data));
  client.on('close', () => target.destroy());
  target.on('close', () => client.destroy());
  client.on('error', () => client.destroy());
  target.on('error', () => target.destroy());
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
exitWithParent(async () => void server.close());
console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
