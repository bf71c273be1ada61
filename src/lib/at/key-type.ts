/**
 * Key classification exactly as at_commons `RegexUtil.keyType` does it with `enforceNamespace=false`
 * (reference atprotocol.md §4.2): the same regex fragments, the same order, the same matching rules.
 *
 * The regexes are compiled WITHOUT the `u` flag, as Dart's `RegExp` is: `allowedEmoji` spells emoji as
 * surrogate pairs (`\ud83d[\ud000-\udfff]`), which only matches UTF-16 code units in non-unicode mode, and
 * `\w` stays ASCII under `i`. Each kind has its own regex built from shared fragments, so no named group
 * repeats inside one pattern.
 */

/** The reference `KeyType` names; `You may not update keys of type KeyType.invalidKey` quotes them. */
export type KeyType =
  | 'selfKey'
  | 'sharedKey'
  | 'publicKey'
  | 'privateKey'
  | 'cachedPublicKey'
  | 'cachedSharedKey'
  | 'reservedKey'
  | 'localKey'
  | 'invalidKey';

/** The most characters (an emoji counts as one) the key grammar allows in an atSign after its `@`. */
export const maxAtSignChars = 55;

const charsInAtSign = String.raw`[\w\-_]`;
const charsInEntity = String.raw`[\w\.\-_'*"]`;
const allowedEmoji = String.raw`((\u00a9|\u00ae|[\u2000-\u3300]|[\ufe00-\ufe0f]|\ud83c[\ud000-\udfff]|\ud83d[\ud000-\udfff]|\ud83e[\ud000-\udfff]))`;

const atSignChars = `(${charsInAtSign}|${allowedEmoji}){1,${maxAtSignChars}}`;
const ownershipWithoutAtPrefix = `(${atSignChars})`;
const ownership = `@(?<owner>${ownershipWithoutAtPrefix})`;
const ownershipWithoutNamedGroup = `@${atSignChars}`;
const sharedWith = `((?<sharedWith>${atSignChars}):)`;
const entity = `(?<entity>(${charsInEntity}|${allowedEmoji})+)`;

const reservedWithoutAtSign =
  '(((?<=privatekey:)(at_pkam_publickey|at_pkam_privatekey|privatekey|self_encryption_key|at_secret' +
  '|at_secret_deleted|signing_keypair_generated|commitLogCompactionStats|accessLogCompactionStats' +
  `|notificationCompactionStats)$)|^(configkey)$|(?:^_(${charsInEntity})+)$)`;
const reservedWithAtSign =
  '(((?<=private:)blocklist|(?<=public:)signing_publickey' +
  `|(?<=${ownershipWithoutNamedGroup}:)signing_privatekey|(?<=^@(${sharedWith}))shared_key` +
  `|(?<=public:)publickey|(shared_key\\.${ownershipWithoutAtPrefix}))(?=${ownership}))`;

const compile = (source: string): RegExp => new RegExp(source, 'i');

/** The per-kind regexes of §4.2 (namespace optional). Exported for the key parser, not for matching by hand. */
export const keyRegexes = {
  reserved: compile(`(?<atKey>(${reservedWithoutAtSign}|${reservedWithAtSign}))`),
  public: compile(`(?<visibility>(public:){1})${entity}${ownership}`),
  private: compile(`(?<visibility>(private:){1})(@${sharedWith})?${entity}${ownership}`),
  self: compile(`(@${sharedWith})?(_*${entity})${ownership}`),
  cachedPublic: compile(`(?<visibility>(cached:public:){1})${entity}${ownership}`),
  cachedShared: compile(`(cached:)(@${sharedWith})(_*${entity})${ownership}`),
  local: compile(`(?<visibility>(local:){1})${entity}${ownership}`),
} as const;

/**
 * The reference `matchAll`: the regex is not anchored, and the key matches only when the FIRST match
 * found spans the whole input. Returns that match, or null.
 */
export function matchWhole(regex: RegExp, text: string): RegExpExecArray | null {
  const match = regex.exec(text);
  return match !== null && match[0].length === text.length ? match : null;
}

/**
 * The types of keys classified lately. A server meets the same keys over and over (every update and sync
 * classifies its key), and the regexes cost more than the rest of an update's parsing; the answer depends on
 * the text alone. Bounded: emptied when full, and texts longer than any valid key are not kept. Big enough for
 * every key of a large atSign (tens of thousands: a sync walks them all, and a cache smaller than that misses on
 * every key, ~2.5 µs each), small in memory (a few MB at typical key lengths).
 */
const knownTypes = new Map<string, KeyType>();
const maxKnownTypes = 65_536;
const maxKnownKeyLength = 300;

/**
 * Classifies a key string as the reference does, in its order: reserved (a partial match is enough) →
 * public → private → self/shared → cached public → cached shared → local → invalid. A self-form key whose
 * `sharedWith` differs from its owner (compared as written, case-sensitively, as Dart does) is shared.
 * Matching is case-insensitive; nothing is normalised first.
 *
 * @example
 * keyType('@bob:shared_key@alice'); // 'reservedKey'
 * keyType('@bob:phone.wavi@alice'); // 'sharedKey'
 * keyType('@alice:phone@alice');    // 'selfKey'
 * keyType('phone,wavi@alice');      // 'invalidKey'
 */
export function keyType(text: string): KeyType {
  let type = knownTypes.get(text);
  if (type === undefined) {
    type = classify(text);
    if (text.length <= maxKnownKeyLength) {
      if (knownTypes.size >= maxKnownTypes) knownTypes.clear();
      knownTypes.set(text, type);
    }
  }
  return type;
}

/** {@link keyType} without the memo. */
function classify(text: string): KeyType {
  if (keyRegexes.reserved.test(text)) return 'reservedKey';
  if (matchWhole(keyRegexes.public, text)) return 'publicKey';
  if (matchWhole(keyRegexes.private, text)) return 'privateKey';
  const self = matchWhole(keyRegexes.self, text);
  if (self) {
    const owner = self.groups?.['owner'] ?? '';
    const sharedWith = self.groups?.['sharedWith'] ?? '';
    return owner !== '' && sharedWith !== '' && owner !== sharedWith ? 'sharedKey' : 'selfKey';
  }
  if (matchWhole(keyRegexes.cachedPublic, text)) return 'cachedPublicKey';
  if (matchWhole(keyRegexes.cachedShared, text)) return 'cachedSharedKey';
  if (matchWhole(keyRegexes.local, text)) return 'localKey';
  return 'invalidKey';
}

const nameChar = new RegExp(`^(${charsInEntity}|${allowedEmoji})`, 'i');

/**
 * Says why {@link keyType} calls a key invalid, for the `AT0016` message: whitespace, a missing owner, an
 * owner atSign too long, or the first character a key name may not hold (`,` `/` `#` `:` …).
 *
 * @example
 * explainInvalidKey('phone,wavi@alice'); // "phone,wavi@alice is not a well-formed key: ',' is not allowed in a key name"
 */
export function explainInvalidKey(text: string): string {
  const problem = `${text} is not a well-formed key`;
  if (text.length === 0) return 'Key cannot be null or empty';
  if (/\s/.test(text)) return `${problem}: whitespace is not allowed`;
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return `${problem}: it must end with its owner's atSign, as in phone@alice`;
  if ([...text.slice(at + 1)].length > maxAtSignChars) {
    return `${problem}: the owner atSign is longer than ${maxAtSignChars} characters`;
  }
  let name = text.slice(0, at).replace(/^(cached:)?(public:|private:|local:)?(@[^:@]+:)?/i, '');
  while (name.length > 0) {
    const match = nameChar.exec(name);
    if (match === null)
      return `${problem}: '${String.fromCodePoint(name.codePointAt(0) ?? 0)}' is not allowed in a key name`;
    name = name.slice(match[0].length);
  }
  return problem;
}
