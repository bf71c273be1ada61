/**
 * Our atServer as the benchmark's server under test, in its own process so its CPU time is its own:
 * `node --import tsx tests/bench/atserver-process.ts <dataDir>` hosts one atSign (`@alice`) with the real
 * AtServerHost (TLS from `<dataDir>/tls`, SQLite in `<dataDir>/atsigns`), prints
 * `{"port":…,"atSign":"@alice","cramSecret":"…"}` once listening, and stops when its stdin closes or on SIGTERM.
 */
import { AtServerHost } from '$server/atserver/host';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { ensureLocalCa } from '$server/tls/local-ca';
import { exitWithParent } from './child-lifetime';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: atserver-process.ts <dataDir>');
const tls = await ensureLocalCa(dataDir, ['localhost', '127.0.0.1']);
const host = await AtServerHost.start({
  dataDir,
  tls,
  bindHost: '127.0.0.1',
  publicHost: 'localhost',
  basePort: 0,
  directory: new MemoryDirectoryBackend(),
});
exitWithParent(() => host.close());
const created = await host.create('@alice');
const server = host.server(created.atSign);
console.log(JSON.stringify({ port: server?.port, atSign: created.atSign, cramSecret: created.cramSecret }));
