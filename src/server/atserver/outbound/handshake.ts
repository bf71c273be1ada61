/**
 * The requester's side of the `from`/`pol` handshake (atprotocol.md §6.1 step 4, §12.3): this atServer proves
 * to another atSign's atServer that it speaks for its own atSign.
 */
import { AtError } from '$lib/at/errors';
import { normaliseStoredKey } from '$lib/at/key';
import { signRsa } from '$lib/crypto/rsa-signature';
import { reservedKeys } from '../bootstrap';
import type { AtSignContext } from '../context';
import { rewrittenMetadata } from '../records';
import { ask, type PeerConnection } from './peer-connection';

/** How long the signed challenge stays readable: the reference stores it with a 60 s TTL. */
export const proofTtlMs = 60_000;

/** What the handshake needs of this atServer: its atSign, its signing key (in its store) and its clock. */
export type HandshakeSelf = Pick<AtSignContext, 'atSign' | 'store' | 'clock'>;

/**
 * Runs the handshake on a fresh connection:
 * 1. `from:@alice` → `data:proof:_<session>@alice:<challenge>`;
 * 2. signs `<challenge>` with `@alice:signing_privatekey@alice` (RSA SHA-256, base64) and stores the signature
 *    as the public hidden key `public:_<session>@alice` (ttl 60 s, not committed), where the other atServer
 *    reads it with an unauthenticated `lookup:_<session>@alice`;
 * 3. `pol` → the bare prompt `@alice@`.
 * Every answer must arrive within `timeoutMs` (3 s in the reference).
 *
 * @throws AtError `AT0008` `Exception: <reason>` for any failure (the other atServer refused `from` — it
 *   blocks us, our certificate does not match — or `pol`, a timeout, no signing key); the connection is
 *   closed then.
 * @example await polHandshake(peer, ctx.server, 3_000) // from:@alice … pol → @alice@
 */
export async function polHandshake(peer: PeerConnection, self: HandshakeSelf, timeoutMs: number): Promise<void> {
  try {
    // The reference splits `data:proof:<session>@alice:<challenge>` on `:` and takes parts 2 and 3.
    const parts = `data:${await ask(peer, `from:${self.atSign}`, timeoutMs)}`.split(':');
    const [sessionKey, challenge] = [parts[2], parts[3]];
    if (!sessionKey || challenge === undefined) throw new Error(`unexpected from answer ${parts.join(':')}`);
    const privateKey = self.store.keys.get(reservedKeys.signingPrivateKey(self.atSign))?.value;
    if (!privateKey) throw new Error(`${reservedKeys.signingPrivateKey(self.atSign)} does not exist in keystore`);
    const signature = await signRsa(challenge.trim(), privateKey);
    const now = self.clock.now();
    await self.store.keys.put(
      {
        key: normaliseStoredKey(`public:${sessionKey}`),
        value: signature,
        metadata: rewrittenMetadata(undefined, self.atSign, now, proofTtlMs),
      },
      '*',
    );
    const answer = await ask(peer, 'pol', timeoutMs);
    if (!answer.startsWith(`${self.atSign}@`)) throw new Error(`pol handshake failed - handShakeResult was ${answer}`);
  } catch (error) {
    peer.client.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new AtError('AT0008', `Exception: ${reason}`);
  }
}
