/**
 * atSign normalisation and validation, as the reference applies it to every atSign it reads from a
 * command (`AtUtils.fixAtSign` in at_utils; reference atprotocol.md §5.1) and as the atDirectory wants it
 * (without the `@`, §2).
 */

import { AtError } from './errors';

/**
 * The exception messages of at_commons `AtMessage`, verbatim: clients see them after `Exception: `
 * (reference §1.5), so the text is part of the wire.
 */
export const atSignMessages = {
  noAtSign: 'invalid @sign: must include one @ character and at least one character on the right',
  moreThanOneAt: 'invalid @sign: Cannot Contain more than one @ character',
  reservedCharacterUsed: "invalid @sign: Cannot contain !*'`();:&=+$,/?#[]{} characters",
  whiteSpaceNotAllowed: 'invalid @sign: Cannot Contain whitespace characters',
  controlCharacter: 'invalid @sign: must not include control characters',
} as const;

/** The reserved characters of at_utils; any of them anywhere rejects the atSign. */
const reservedCharacters = new Set("!*'`();:&=+$,/?#[]{}");

/** The whitespace code points at_utils rejects (its list follows Wikipedia's, so U+180E is absent). */
const whitespace = new Set([
  0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** ASCII controls, and the Unicode control pictures at_utils also refuses (U+2400–U+241F, U+2421, U+2424, U+2425). */
function isControl(code: number): boolean {
  if (code <= 0x1f || code === 0x7f) return true;
  return (code >= 0x2400 && code <= 0x241f) || code === 0x2421 || code === 0x2424 || code === 0x2425;
}

function invalid(message: string): AtError {
  // InvalidAtSignException is unmapped, so it becomes AT0011 and the reference closes the connection (§1.6).
  return new AtError('AT0011', message, { close: true });
}

function firstMatch(text: string, test: (code: number, char: string) => boolean): boolean {
  for (let i = 0; i < text.length; i += 1) {
    if (test(text.charCodeAt(i), text.charAt(i))) return true;
  }
  return false;
}

/**
 * Normalises an atSign exactly as the reference does before using it: lowercase, add a leading `@`,
 * refuse a second `@`, remove every `.` (so `@colin.constable` is `@colinconstable`), then refuse reserved
 * characters, whitespace and control characters, in that order. Emoji atSigns pass unchanged. There is no
 * length limit here; the key grammar allows 55 characters after the `@` (see `key-type.ts`).
 *
 * @throws AtError `AT0011` (closes the connection) with the at_commons message of the first rule broken.
 * @example
 * fixAtSign('Alice');        // '@alice'
 * fixAtSign('@colin.constable'); // '@colinconstable'
 * fixAtSign('@alice🛠');      // '@alice🛠'
 * fixAtSign('@b ob');        // throws AT0011 'invalid @sign: Cannot Contain whitespace characters'
 */
export function fixAtSign(text: string): string {
  let fixed = fixedAtSigns.get(text);
  if (fixed === undefined) {
    fixed = checkAtSign(text);
    if (text.length > maxFixedLength) return fixed;
    if (fixedAtSigns.size >= maxFixedAtSigns) fixedAtSigns.clear();
    fixedAtSigns.set(text, fixed);
  }
  return fixed;
}

/**
 * Atsigns already fixed, as written: a server sees the same few (its own, its peers') in nearly every command,
 * and the checks walk the text three times. Bounded in count and in length (the key grammar allows 55
 * characters after the `@`); refused atSigns are not kept.
 */
const fixedAtSigns = new Map<string, string>();
const maxFixedAtSigns = 4_096;
const maxFixedLength = 64;

/** {@link fixAtSign} without the memo. */
function checkAtSign(text: string): string {
  if (text.length === 0) throw invalid(atSignMessages.noAtSign);
  let atSign = text.toLowerCase();
  if (!atSign.startsWith('@')) atSign = `@${atSign}`;
  const afterAt = atSign.slice(1);
  if (afterAt.includes('@')) throw invalid(atSignMessages.moreThanOneAt);
  // Dots are removed "for clarity for humans": @colin.constable and @colinconstable are one atSign.
  const name = afterAt.replaceAll('.', '');
  if (name.length === 0) throw invalid(atSignMessages.noAtSign);
  atSign = `@${name}`;
  if (firstMatch(atSign, (_, char) => reservedCharacters.has(char))) {
    throw invalid(atSignMessages.reservedCharacterUsed);
  }
  if (firstMatch(atSign, (code) => whitespace.has(code))) throw invalid(atSignMessages.whiteSpaceNotAllowed);
  if (firstMatch(atSign, isControl)) throw invalid(atSignMessages.controlCharacter);
  return atSign;
}

/**
 * The deprecated at_utils `formatAtSign`: only adds a missing leading `@`; no lowercasing, no checks.
 * An empty string stays empty.
 *
 * @example
 * formatAtSign('alice'); // '@alice'
 */
export function formatAtSign(text: string): string {
  return text.length > 0 && !text.startsWith('@') ? `@${text}` : text;
}

/** True when {@link fixAtSign} accepts `text`. */
export function isValidAtSign(text: string): boolean {
  try {
    fixAtSign(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The form the atDirectory stores and is asked for: the normalised atSign without its `@`
 * (clients strip it; the root looks the line up verbatim, §2).
 *
 * @throws AtError `AT0011` as {@link fixAtSign}.
 * @example
 * toDirectoryForm('@Alice🛠'); // 'alice🛠' (sent to the root as `alice🛠\n`)
 */
export function toDirectoryForm(text: string): string {
  return fixAtSign(text).slice(1);
}
