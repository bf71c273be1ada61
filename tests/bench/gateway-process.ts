/**
 * The atstack gateway as the gateway suite's relay under test, in its own process so its CPU time is its own:
 * `node --import tsx tests/bench/gateway-process.ts <dataDir> <directoryPort>` resolves atSigns through the
 * atDirectory on `127.0.0.1:<directoryPort>` (trusting `<dataDir>/tls/ca.crt`), allows atServers on localhost,
 * prints `{"port":…}` once listening, and stops when its stdin closes or on SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { startGateway } from '$server/gateway/gateway';
import { exitWithParent } from './child-lifetime';

const [dataDir, directoryPort] = process.argv.slice(2);
if (!dataDir || !directoryPort) throw new Error('usage: gateway-process.ts <dataDir> <directoryPort>');
const ca = await readFile(`${dataDir}/tls/ca.crt`, 'utf8');
const gateway = await startGateway({
  port: 0,
  directory: { host: '127.0.0.1', port: Number(directoryPort), ca },
  atServerCa: ca,
  policy: { atServerHosts: ['localhost'], allowedAddressClasses: ['loopback'] },
  // Every bench connection comes from 127.0.0.1, far faster than a person: lift the per-address limits, not the
  // work of checking them.
  limits: { maxConnectionsPerIp: 10_000, messagesPerSecondPerIp: 1e9, messageBurstPerIp: 1e9 },
});
exitWithParent(() => gateway.close());
console.log(JSON.stringify({ port: gateway.port }));
