/**
 * One-time passcodes (OTP) and the semi-permanent passcode (SPP) a new client presents with an
 * unauthenticated `enroll:request` (atprotocol.md §7.4), and the growing delay that answers a wrong one.
 */
import { isActive } from '$lib/at/metadata';
import type { AtSignContext } from './context';
import { rewrittenMetadata } from './records';
import type { AtSignStore } from './store/atsign-store';

/** `private:<otp>.__otp@alice`: an OTP is stored under its own (lowercased) text. */
export const otpKey = (passcode: string, atSign: string) => `private:${passcode}.__otp${atSign}`.toLowerCase();

/** `private:spp.__otp@alice`: the one SPP, whose value is the passcode. */
export const sppKey = (atSign: string) => `private:spp.__otp${atSign}`.toLowerCase();

function randomBelow(limit: number): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! % limit;
}

/** A random capital letter other than `O` (too like `0`). */
function randomLetter(): string {
  const letters = 'ABCDEFGHIJKLMNPQRSTUVWXYZ';
  return letters[randomBelow(letters.length)]!;
}

/**
 * A new OTP as the reference makes one (§7.4): a 30-bit random number in upper-case base 36, each `0`
 * turned into a digit 1–8 and each `O` into another letter, padded to 6 characters with one repeated
 * letter, drawn again until it holds a digit.
 *
 * @example generateOtp() // 'X7K2QD'
 */
export function generateOtp(): string {
  for (;;) {
    let otp = randomBelow(2 ** 30)
      .toString(36)
      .toUpperCase();
    otp = [...otp].map((c) => (c === '0' ? String(1 + randomBelow(8)) : c === 'O' ? randomLetter() : c)).join('');
    if (otp.length < 6) otp = otp.padEnd(6, randomLetter());
    if (/\d/.test(otp)) return otp;
  }
}

/**
 * Stores a passcode under `key` with the given ttl; a negative ttl (the SPP default, -1) means it never
 * expires. Passcodes are `private:` keys, so they are never committed or synced.
 */
export function savePasscode(server: AtSignContext, key: string, passcode: string, ttl: number): Promise<number> {
  const { store, atSign, clock } = server;
  const existing = store.keys.get(key)?.metadata;
  const metadata = rewrittenMetadata(existing, atSign, clock.now(), ttl < 0 ? undefined : ttl);
  return store.keys.put({ key, value: passcode, metadata }, '+');
}

/**
 * Whether `passcode` opens an unauthenticated `enroll:request` (the reference's `isPasscodeValid`,
 * case-insensitive): the live SPP, which stays; else a live OTP, which is used up by the check whether
 * live or not.
 *
 * Unlike the reference, the SPP record is never read as an OTP (the passcode `spp` would otherwise open
 * it, and use it up), and the legacy keys `private:<otp>@alice` / `private:spp@alice`, which this server
 * never writes, are not consulted: the first would let a passcode name any private key.
 */
export async function isPasscodeValid(
  store: AtSignStore,
  atSign: string,
  passcode: string | undefined,
  now: number,
): Promise<boolean> {
  if (passcode === undefined) return false;
  const spp = store.keys.get(sppKey(atSign));
  if (spp?.value?.toLowerCase() === passcode.toLowerCase() && isActive(spp.metadata, now)) return true;
  const key = otpKey(passcode, atSign);
  if (key === sppKey(atSign)) return false;
  const otp = store.keys.get(key);
  if (!otp) return false;
  await store.keys.remove(key);
  return isActive(otp.metadata, now);
}

/** The first pause before answering an invalid passcode. */
const initialDelayMs = 1_000;

/**
 * The pause before answering an invalid passcode (§7.3): 1 s, 2 s, 3 s, 5 s, 8 s … (Fibonacci) until it
 * reaches `maxMs` (55 s), then constant. The series starts over once an enrollment request is accepted
 * `maxMs` or more after the last invalid passcode. One series per atServer, as the reference keeps it in
 * its single enroll handler, so guessing from many connections does not dodge it.
 */
export class InvalidPasscodeDelay {
  readonly #maxMs: number;
  #series: [number, number] = [0, initialDelayMs];
  #lastInvalidAt = 0;

  constructor(maxMs: number) {
    this.#maxMs = maxMs;
  }

  /** Notes an invalid passcode at `now`; returns how long to wait before answering it. */
  next(now: number): number {
    this.#lastInvalidAt = now;
    const [previous, last] = this.#series;
    if (last >= this.#maxMs) return last;
    this.#series = [last, previous + last];
    return previous + last;
  }

  /** Notes an accepted request at `now`: the series restarts once `maxMs` passed without an invalid passcode. */
  settle(now: number): void {
    if (now - this.#lastInvalidAt < this.#maxMs) return;
    this.#lastInvalidAt = 0;
    this.#series = [0, initialDelayMs];
  }
}

const delays = new WeakMap<AtSignContext, InvalidPasscodeDelay>();

/** The invalid-passcode delay of one atServer (kept beside its context, not in the context itself). */
export function invalidPasscodeDelay(server: AtSignContext): InvalidPasscodeDelay {
  let delay = delays.get(server);
  if (!delay) {
    delay = new InvalidPasscodeDelay(server.limits.invalidOtpMaxDelayMs);
    delays.set(server, delay);
  }
  return delay;
}
