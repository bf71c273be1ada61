/**
 * Handlers for the authentication verbs `from`, `cram` and `pkam` (atprotocol.md §5.1–§5.3).
 * `pol`, which completes a `from:@other`, is in `pol.ts`.
 */
import { randomUUID } from 'node:crypto';
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { Cram, From, Pkam } from '$lib/at/verbs/auth';
import { cramDigest } from '$lib/crypto/cram';
import { CryptoError } from '$lib/crypto/crypto-error';
import { verifyPkam } from '$lib/crypto/pkam';
import { reservedKeys } from '../bootstrap';
import type { VerbContext } from '../context';
import { isBlocked } from '../blocklist';
import { enrollmentForPkam } from '../enrollments';
import { verifyPeerCertificate } from '../peer-certificate';

/** How long a `from` challenge may be answered (the reference stores it with a 60 s TTL). */
export const challengeTtlMs = 60_000;

/**
 * `from:@alice` starts owner authentication with a challenge; `from:@bob` (another atSign) starts the
 * peer handshake and needs mutual TLS: a client certificate naming the host the atDirectory registers for
 * @bob (AT0401 `Certificate Verification Failed` otherwise, AT0007 for an atSign the directory does not
 * know). A blocked atSign is refused with AT0013 and the connection closes.
 *
 * @example from:@alice:clientConfig:{"version":"3.0.57"}  →  data:_4af2…@alice:d6ca…
 */
export async function from(command: From, ctx: VerbContext): Promise<Reply> {
  const { session, server } = ctx;
  const atSign = fixAtSign(command.atSign);
  const version = command.clientConfig?.version;
  if (typeof version === 'string') session.clientVersion = version;
  if (atSign !== server.atSign && isBlocked(server.store, server.atSign, atSign)) {
    throw new AtError('AT0013', 'Unable to connect');
  }
  // Another atServer proves its host with its certificate before it gets a challenge (§5.1).
  if (atSign !== server.atSign) await verifyPeerCertificate(ctx, atSign);
  const challenge = `${session.id}${atSign}:${randomUUID()}`;
  session.fromAtSign = atSign;
  session.challenge = { text: challenge, expiresAt: server.clock.now() + challengeTtlMs };
  server.store.access.record(server.clock.now(), 'from', atSign);
  return dataReply(atSign === server.atSign ? challenge : `proof:${challenge}`);
}

/** The challenge a `from:@alice` on this connection issued, or undefined when absent or expired. */
function ownerChallenge(ctx: VerbContext): string | undefined {
  const { session, server } = ctx;
  const challenge = session.challenge;
  if (!challenge || session.fromAtSign !== server.atSign || challenge.expiresAt < server.clock.now()) return undefined;
  return challenge.text;
}

/**
 * `cram:<hex sha512(secret + challenge)>`: authenticates with the CRAM secret created with the atSign,
 * until first activation deletes it. A wrong digest is AT0401 and leaves the connection open.
 *
 * @example cram:b5f2ab63…  →  data:success
 */
export async function cram(command: Cram, ctx: VerbContext): Promise<Reply> {
  const { session, server } = ctx;
  const secret = server.store.keys.get(reservedKeys.cramSecret)?.value;
  if (!secret) throw new AtError('AT0015', `${reservedKeys.cramSecret} does not exist in keystore`);
  const challenge = ownerChallenge(ctx);
  if (challenge === undefined || command.digest !== (await cramDigest(secret, challenge))) {
    throw new AtError('AT0401', 'Authentication Failed');
  }
  session.authenticated = true;
  session.authType = 'cram';
  session.challenge = undefined;
  server.store.access.record(server.clock.now(), 'cram', server.atSign);
  return dataReply('success');
}

/**
 * `pkam[:signingAlgo:…][:hashingAlgo:…][:enrollmentId:…]:<signature>`: authenticates with a signature of
 * the challenge, by the legacy PKAM key or, with `enrollmentId`, by that approved enrollment's APKAM key.
 *
 * @example pkam:signingAlgo:ecc_secp256r1:hashingAlgo:sha256:enrollmentId:0f3c…:ZmFrZQ==  →  data:success
 */
export async function pkam(command: Pkam, ctx: VerbContext): Promise<Reply> {
  const { session, server } = ctx;
  const publicKey =
    command.enrollmentId === undefined ? legacyPkamKey(ctx) : enrollmentForPkam(ctx, command.enrollmentId).publicKey;
  const challenge = ownerChallenge(ctx);
  if (challenge === undefined) {
    throw new AtError('AT0015', `private:${session.id}${server.atSign} does not exist in keystore`);
  }
  if (!isBase64(command.signature)) {
    // The reference fails to base64-decode and closes the connection (FormatException, §5.3).
    throw new AtError('AT0011', `FormatException: Invalid character (at character 1)\n${command.signature}`);
  }
  let verified: boolean;
  try {
    verified = await verifyPkam({
      challenge,
      signature: command.signature,
      publicKey,
      signingAlgo: command.signingAlgo,
      hashingAlgo: command.hashingAlgo,
    });
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    verified = false;
  }
  if (!verified) throw new AtError('AT0401', 'pkam authentication failed');
  session.authenticated = true;
  session.authType = command.enrollmentId === undefined ? 'pkamLegacy' : 'apkam';
  session.enrollmentId = command.enrollmentId;
  session.challenge = undefined;
  return dataReply('success');
}

function legacyPkamKey(ctx: VerbContext): string {
  const record = ctx.server.store.keys.get(reservedKeys.legacyPkamPublicKey);
  if (!record) throw new AtError('AT0015', `${reservedKeys.legacyPkamPublicKey} does not exist in keystore`);
  if (!record.value) throw new AtError('AT0401', 'pkam publickey not found');
  return record.value;
}

const isBase64 = (text: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0;
