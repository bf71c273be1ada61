/**
 * Two atSigns' atServers for the notify suite, in their own process so their CPU time is their own:
 * `node --import tsx tests/bench/notify-process.ts <dataDir>` starts an atDirectory and one host serving `@alice`
 * and `@bob` with federation (each reaches the other through the directory over mutual TLS), prints
 * `{"alice":{port,cramSecret},"bob":{port,cramSecret}}` once listening, and stops when its stdin closes.
 */
import { AtServerHost } from '$server/atserver/host';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { startDirectory } from '$server/directory/server';
import { ensureLocalCa } from '$server/tls/local-ca';
import { exitWithParent } from './child-lifetime';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: notify-process.ts <dataDir>');
const tls = await ensureLocalCa(dataDir, ['localhost', '127.0.0.1']);
const backend = new MemoryDirectoryBackend();
const directory = await startDirectory({ port: 0, tls, backend });
const host = await AtServerHost.start({
  dataDir,
  tls,
  bindHost: '127.0.0.1',
  publicHost: 'localhost',
  basePort: 0,
  directory: backend,
  federation: { directory: { host: '127.0.0.1', port: directory.port, ca: tls.caPem } },
});
exitWithParent(async () => {
  await host.close();
  await directory.close();
});
const facts: Record<string, { port: number | undefined; cramSecret: string }> = {};
for (const name of ['alice', 'bob']) {
  const created = await host.create(`@${name}`);
  facts[name] = { port: host.server(created.atSign)?.port, cramSecret: created.cramSecret };
}
console.log(JSON.stringify(facts));
