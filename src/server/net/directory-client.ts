import { isIP } from 'node:net';
import tls from 'node:tls';
import { toDirectoryForm } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';

export interface DirectoryAddress {
  readonly host: string;
  readonly port: number;
  /** CA certificate(s) to trust instead of the system store. */
  readonly ca?: string | Buffer;
  /** The whole lookup must finish within this (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * Asks an atDirectory where an atSign's atServer is, as the reference client does (atprotocol.md §2):
 * wait for `@`, send the atSign without its `@`, read `host:port\r\n@` (or `null\r\n@`), then `@exit`.
 * Resolves `host:port`, or null when the directory does not know the atSign.
 *
 * @throws AtError AT0011 for an invalid atSign, AT0023 on a timeout, AT0021 when the directory fails.
 * @example
 * await lookupAtServer({ host: 'localhost', port: 6464, ca }, '@alice'); // 'localhost:6465'
 */
export function lookupAtServer(directory: DirectoryAddress, atSign: string): Promise<string | null> {
  const name = toDirectoryForm(atSign);
  return new Promise((resolve, reject) => {
    let text = '';
    let asked = false;
    const socket = tls.connect({
      host: directory.host,
      port: directory.port,
      ca: directory.ca,
      servername: isIP(directory.host) ? undefined : directory.host,
      minVersion: 'TLSv1.2',
    });
    const finish = (error: Error | null, address?: string | null) => {
      clearTimeout(timer);
      if (error) {
        socket.destroy();
        return reject(error);
      }
      socket.end('@exit\n');
      resolve(address ?? null);
    };
    const timer = setTimeout(
      () => finish(new AtError('AT0023', `no answer from the atDirectory ${directory.host}:${directory.port}`)),
      directory.timeoutMs ?? 10_000,
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!asked) {
        if (!text.startsWith('@')) return;
        asked = true;
        text = text.slice(1);
        socket.write(`${name}\n`);
      }
      const end = text.indexOf('\n');
      if (end === -1) return;
      const answer = text.slice(0, end).trim();
      finish(null, answer === 'null' ? null : answer);
    });
    socket.on('error', (error) =>
      finish(new AtError('AT0021', `atDirectory ${directory.host}:${directory.port}: ${error.message}`)),
    );
    socket.on('close', () =>
      finish(new AtError('AT0021', `the atDirectory ${directory.host}:${directory.port} closed the connection`)),
    );
  });
}
