/**
 * Handler for `pol` (atprotocol.md §5.4, §6.1): the receiving side of the server-to-server handshake. After
 * `from:@bob` gave @bob's atServer a challenge, `pol` checks that @bob's atServer signed it.
 */
import { AtError } from '$lib/at/errors';
import type { Reply } from '$lib/at/response';
import type { Pol } from '$lib/at/verbs/auth';
import { CryptoError } from '$lib/crypto/crypto-error';
import { verifyRsa } from '$lib/crypto/rsa-signature';
import type { VerbContext } from '../context';
import { unreachable } from '../remote-records';

/** The reference's AtException for a proof it cannot check; unmapped, so AT0011 and the connection closes. */
const cannotVerify = () => new AtError('AT0011', 'Exception: Unable to verify signature');

/**
 * `pol` after `from:@bob`: asks @bob's atServer (found through the atDirectory, over an unauthenticated
 * connection) for the signed challenge `lookup:_<session>@bob` and for `lookup:signing_publickey@bob`, and
 * checks the RSA SHA-256 signature of the challenge. On success the connection speaks for @bob: it answers the
 * bare prompt `@bob@` (no `data:`, no newline), later prompts are `@bob@`, and `stats:5` counts the `pol`.
 *
 * @throws AtError `AT0011` (closes) without a prior `from:@bob` or when the proof cannot be checked (challenge
 *   expired, public key unusable); `AT0401` `Pol Authentication Failed` for a wrong signature; @bob's
 *   atServer's errors (AT0015 when it holds no proof) and the outbound errors (AT0007, AT0021, AT0023).
 * @example pol  →  @bob@
 */
export async function pol(_command: Pol, ctx: VerbContext): Promise<Reply> {
  const { session, server } = ctx;
  const peer = session.fromAtSign;
  if (peer === undefined || peer === server.atSign) {
    throw new AtError('AT0011', "Exception: You must execute a 'from:' command before you may run the pol command");
  }
  if (!server.remote) throw unreachable(peer);
  const signature = await server.remote.request(peer, `lookup:${session.id}${peer}`, { anonymous: true });
  const publicKey = await server.remote.request(peer, `lookup:signing_publickey${peer}`, { anonymous: true });
  const challenge = session.challenge;
  if (!challenge || challenge.expiresAt < server.clock.now()) throw cannotVerify();
  // What was signed is the challenge's uuid, the text after `<session>@bob:`.
  const message = challenge.text.slice(challenge.text.lastIndexOf(':') + 1);
  let verified: boolean;
  try {
    verified = await verifyRsa(message, signature, publicKey);
  } catch (error) {
    if (error instanceof CryptoError) throw cannotVerify();
    throw error;
  }
  if (!verified) throw new AtError('AT0401', 'Pol Authentication Failed');
  session.challenge = undefined;
  session.polAuthenticated = true;
  server.store.access.record(server.clock.now(), 'pol', peer);
  return { kind: 'raw', text: `${peer}@` };
}
