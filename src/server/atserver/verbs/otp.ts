/**
 * Handler for `otp` (atprotocol.md §7.4): the owner issues a one-time passcode, or sets the
 * semi-permanent one, that a new client presents with its unauthenticated `enroll:request`.
 */
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { Otp } from '$lib/at/verbs/otp';
import type { VerbContext } from '../context';
import { mayManage } from '../enrollment-access';
import { generateOtp, otpKey, savePasscode, sppKey } from '../passcodes';

/**
 * `otp:get[:ttl:<ms>]` answers a fresh OTP, valid once for the ttl (default 5 minutes);
 * `otp:put:<spp>[:ttl:<ms>]` stores the SPP (no expiry unless a ttl is given) and answers `ok`. Only a
 * connection with `__manage` (or without an enrollment) may put; the reference answers anything else with
 * an unmapped exception, so AT0011 and the connection closes.
 *
 * @example otp:get  →  data:X7K2QD
 * @example otp:put:MYSPP123  →  data:ok
 */
export async function otp(command: Otp, ctx: VerbContext): Promise<Reply> {
  const { server } = ctx;
  if (command.operation === 'get') {
    const passcode = generateOtp();
    await savePasscode(server, otpKey(passcode, server.atSign), passcode, command.ttl ?? server.limits.otpTtlMs);
    return dataReply(passcode);
  }
  // InvalidRequestException is unmapped: its `Exception: …` text is wrapped once more (§1.6).
  if (!mayManage(ctx)) {
    throw new AtError('AT0011', 'Exception: Client not allowed to not store semi permanent pass code');
  }
  if (command.otp === undefined) throw new AtError('AT0011', 'Exception: otp:put requires a passcode');
  await savePasscode(server, sppKey(server.atSign), command.otp, command.ttl ?? -1);
  return dataReply('ok');
}
