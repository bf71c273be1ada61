/**
 * `otp`: issue a one-time passcode, or store a semi-permanent one (SPP), that a new client presents
 * with an unauthenticated `enroll:request`. Reference atprotocol.md §7.4.
 */
import { compact, defineGrammar, intOf, oneOf, part } from './grammar';

/** `otp:get[:ttl:<ms>]`: a fresh single-use OTP (ttl default 5 minutes). */
export interface OtpGet {
  readonly verb: 'otp';
  readonly operation: 'get';
  readonly ttl?: number;
}

/**
 * `otp:put[:<spp>][:ttl:<ms>]`: store a semi-permanent passcode of 6 or more word characters (ttl
 * default -1, never expires). The regex lets the passcode be left out; the handler decides.
 */
export interface OtpPut {
  readonly verb: 'otp';
  readonly operation: 'put';
  /** The passcode as written; the server compares passcodes case-insensitively. */
  readonly otp?: string;
  readonly ttl?: number;
}

/** Any `otp` command, discriminated on `operation`. */
export type Otp = OtpGet | OtpPut;

const otpOperations = ['get', 'put'] as const;

/**
 * `otp` (§7.4). A passcode is only read after `put:` (`otp:get:ABC123` is invalid syntax), and one
 * shorter than 6 characters is not a passcode at all. There is no `otp:validate` and no `totp`
 * verb in this server version, although the reference usage text (kept verbatim) names one.
 *
 * @example
 * otp.parse('otp:put:MYSPP123:ttl:600000'); // { verb: 'otp', operation: 'put', otp: 'MYSPP123', ttl: 600000 }
 */
export const otp = defineGrammar<Otp>({
  name: 'otp',
  usage: 'otp:get or otp:validate:<otp>',
  source: '^otp:(?<operation>get|put)(:(?<otp>(?<=put:)\\w{6,}))?(:(?:ttl:(?<ttl>\\d+)))?$',
  build: (g): Otp => {
    const ttl = intOf(g.ttl);
    return oneOf(g.operation, otpOperations) === 'put'
      ? compact<OtpPut>({ verb: 'otp', operation: 'put', otp: g.otp, ttl })
      : compact<OtpGet>({ verb: 'otp', operation: 'get', ttl });
  },
  format: (c) => `otp:${c.operation}${c.operation === 'put' ? part(':', c.otp) : ''}${part(':ttl:', c.ttl)}`,
});
