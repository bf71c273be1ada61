/**
 * Who may say `from:@bob` on this atServer (atprotocol.md §5.1, §6.1 step 2): only another atServer whose TLS
 * client certificate names the host the atDirectory registers for @bob.
 */
import type { PeerCertificate } from 'node:tls';
import { AtError } from '$lib/at/errors';
import type { VerbContext } from './context';
import { unreachable } from './remote-records';

/**
 * The names a certificate is issued for, as the reference compares them: its subject common name(s) and
 * every subjectAltName entry (DNS names and IP addresses, without their `DNS:`/`IP Address:` labels).
 *
 * @example certificateNames(peer) // ['localhost', 'localhost', '127.0.0.1']
 */
export function certificateNames(certificate: PeerCertificate): string[] {
  const common = certificate.subject?.CN as string | string[] | undefined;
  const names = common === undefined ? [] : Array.isArray(common) ? [...common] : [common];
  for (const entry of (certificate.subjectaltname ?? '').split(',')) {
    const colon = entry.indexOf(':');
    if (colon !== -1) names.push(entry.slice(colon + 1).trim());
  }
  return names;
}

/**
 * Checks a `from:@bob` from another atServer before any challenge is issued: the atDirectory must know @bob
 * (AT0007 otherwise, as the reference's root lookup fails first), and the connection's client certificate —
 * which must chain to a trusted CA, else it counts as absent — must name @bob's registered host exactly, in
 * its subject CN or its subjectAltNames.
 *
 * @throws AtError `AT0007` `Unable to find secondary address for atSign:bob`; `AT0401`
 *   `Certificate Verification Failed` (the connection stays open).
 * @example await verifyPeerCertificate(ctx, '@bob') // @bob at localhost:6466, certificate for localhost: passes
 */
export async function verifyPeerCertificate(ctx: VerbContext, atSign: string): Promise<void> {
  const locate = ctx.server.locate;
  if (!locate) throw unreachable(atSign);
  const { host } = await locate(atSign);
  const certificate = ctx.session.peerCertificate();
  if (!certificate?.subject || !certificateNames(certificate).includes(host)) {
    throw new AtError('AT0401', 'Certificate Verification Failed');
  }
}
