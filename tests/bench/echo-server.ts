/**
 * The ceiling for any Node server on this machine: a TLS server that does nothing but send each line back.
 * Run as a child process by the atServer suite (`node --import tsx tests/bench/echo-server.ts <dataDir>`): it
 * serves the local CA's certificate from `<dataDir>/tls`, prints `{"port":…}` once listening, and exits when
 * its stdin closes or on SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { loadTlsFiles } from '$server/tls/local-ca';
import { exitWithParent } from './child-lifetime';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: echo-server.ts <dataDir with tls/>');
const material = await loadTlsFiles({
  caPath: `${dataDir}/tls/ca.crt`,
  certPath: `${dataDir}/tls/server.crt`,
  keyPath: `${dataDir}/tls/server.key`,
});

const server = tls.createServer({ cert: material.certPem, key: material.keyPem, minVersion: 'TLSv1.2' }, (socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let pending = '';
  socket.setEncoding('utf8');
  // Echo whole lines only, like a line-based server would answer them.
  socket.on('data', (text: string) => {
    const data = pending + text;
    const end = data.lastIndexOf('\n') + 1;
    pending = data.slice(end);
    if (end > 0) socket.write(data.slice(0, end));
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
exitWithParent(async () => {
  server.close();
});
