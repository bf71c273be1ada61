/**
 * The AtKey model: every kind of stored key (reference atprotocol.md §4.1), parsed from and formatted to
 * the canonical stored string, plus the keystore's normalisation and the key length limits.
 */

import { fixAtSign } from './atsign';
import { AtError } from './errors';
import { explainInvalidKey, keyRegexes, keyType, matchWhole, type KeyType } from './key-type';

export type { KeyType } from './key-type';
export { keyType } from './key-type';

/**
 * The written form of a key, which decides how it is formatted:
 * `public:n@o`, `n@o` or `@o:n@o`, `@w:n@o`, `private:[@w:]n@o`, `cached:public:n@o`, `cached:@w:n@o`,
 * `local:n@o`, `privatekey:n` and a bare `n` (the last two exist only as reserved keys, e.g.
 * `privatekey:at_pkam_publickey`, `configkey`, `_latestnotificationidv2`).
 */
export type KeyKind =
  'public' | 'self' | 'shared' | 'private' | 'cachedPublic' | 'cachedShared' | 'local' | 'privatekey' | 'internal';

/** Who may read the key: everyone, one other atSign, the owner only (self), the server/owner only, the device. */
export type Visibility = 'public' | 'shared' | 'self' | 'private' | 'local';

/**
 * What identifies a key. `name` is the whole text between the prefix and `@owner`, namespace included
 * (`phone.wavi`); atSigns carry their `@`.
 */
export type KeySpec =
  | { kind: 'public' | 'cachedPublic' | 'local'; name: string; owner: string; sharedWith?: undefined }
  | { kind: 'self' | 'private'; name: string; owner: string; sharedWith?: string }
  | { kind: 'shared' | 'cachedShared'; name: string; owner: string; sharedWith: string }
  | { kind: 'privatekey' | 'internal'; name: string; owner?: undefined; sharedWith?: undefined };

/** A key with everything the reference derives from it. */
export type AtKey = KeySpec & {
  /** The reference classification (§4.2); `reservedKey` wins over the written form. */
  readonly type: KeyType;
  readonly visibility: Visibility;
  /** Text after the last `.` of the name (AtKey.fromString), if any. */
  readonly namespace: string | undefined;
  /** The name starts with `_` (hidden from scan, §4.1). */
  readonly isHidden: boolean;
  readonly isCached: boolean;
  readonly isReserved: boolean;
};

/** Longest stored key, in UTF-16 units as Dart counts them (§4.1); cached copies may reach 255. */
export const maxKeyLength = 248;
export const maxCachedKeyLength = 255;

const visibilityOf: Record<KeyKind, Visibility> = {
  public: 'public',
  cachedPublic: 'public',
  shared: 'shared',
  cachedShared: 'shared',
  self: 'self',
  private: 'private',
  privatekey: 'private',
  internal: 'private',
  local: 'local',
};

/**
 * The keystore's normalisation of a key before storing or finding it: `trim().toLowerCase()` and every
 * space removed (§4.1).
 *
 * @example
 * normaliseStoredKey(' Phone.Wavi@Alice '); // 'phone.wavi@alice'
 */
export function normaliseStoredKey(text: string): string {
  return text.trim().toLowerCase().replaceAll(' ', '');
}

/**
 * Checks a full key string against the update handler's limit: 248 characters, 255 when it starts
 * with `cached:`.
 *
 * @throws AtError `AT0016` `key length N is greater than max allowed 248 chars`.
 * @example
 * checkKeyLength('@bob:phone.wavi@alice'); // passes
 */
export function checkKeyLength(text: string): void {
  const max = text.startsWith('cached:') ? maxCachedKeyLength : maxKeyLength;
  if (text.length > max) {
    throw new AtError('AT0016', `key length ${text.length} is greater than max allowed ${max} chars`);
  }
}

/**
 * Checks the `cached:` key a received notification would create (notify receiver, §6.5).
 *
 * @throws AtError `AT0016` `notification key length N is greater than 255 chars`.
 * @example
 * checkNotificationKeyLength('cached:@bob:phone.wavi@alice'); // passes
 */
export function checkNotificationKeyLength(cachedKey: string): void {
  if (cachedKey.length > maxCachedKeyLength) {
    throw new AtError(
      'AT0016',
      `notification key length ${cachedKey.length} is greater than ${maxCachedKeyLength} chars`,
    );
  }
}

function deriveNamespace(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && dot < name.length - 1 ? name.slice(dot + 1) : undefined;
}

function complete(spec: KeySpec, type: KeyType): AtKey {
  return {
    ...spec,
    type,
    visibility: visibilityOf[spec.kind],
    namespace: deriveNamespace(spec.name),
    isHidden: spec.name.startsWith('_'),
    isCached: spec.kind === 'cachedPublic' || spec.kind === 'cachedShared',
    isReserved: type === 'reservedKey',
  };
}

/** Splits a lowercased key into its written form; null when no form fits it whole. */
function structure(text: string): KeySpec | null {
  const nameOf = (prefix: number, owner: string): string => text.slice(prefix, text.length - owner.length - 1);
  const attempt = (regex: RegExp): { owner: string; sharedWith: string | undefined } | null => {
    const groups = matchWhole(regex, text)?.groups;
    return groups?.['owner'] ? { owner: groups['owner'], sharedWith: groups['sharedWith'] } : null;
  };
  let parts = attempt(keyRegexes.public);
  if (parts) return { kind: 'public', name: nameOf('public:'.length, parts.owner), owner: `@${parts.owner}` };
  if ((parts = attempt(keyRegexes.private))) {
    const sharedWith = parts.sharedWith === undefined ? undefined : `@${parts.sharedWith}`;
    const prefix = 'private:'.length + (sharedWith === undefined ? 0 : sharedWith.length + 1);
    return { kind: 'private', name: nameOf(prefix, parts.owner), owner: `@${parts.owner}`, sharedWith };
  }
  if ((parts = attempt(keyRegexes.self))) {
    const owner = `@${parts.owner}`;
    if (parts.sharedWith === undefined) return { kind: 'self', name: nameOf(0, parts.owner), owner };
    const sharedWith = `@${parts.sharedWith}`;
    const name = nameOf(sharedWith.length + 1, parts.owner);
    return sharedWith === owner
      ? { kind: 'self', name, owner, sharedWith }
      : { kind: 'shared', name, owner, sharedWith };
  }
  if ((parts = attempt(keyRegexes.cachedPublic))) {
    return { kind: 'cachedPublic', name: nameOf('cached:public:'.length, parts.owner), owner: `@${parts.owner}` };
  }
  if ((parts = attempt(keyRegexes.cachedShared)) && parts.sharedWith !== undefined) {
    const sharedWith = `@${parts.sharedWith}`;
    const name = nameOf('cached:'.length + sharedWith.length + 1, parts.owner);
    return { kind: 'cachedShared', name, owner: `@${parts.owner}`, sharedWith };
  }
  if ((parts = attempt(keyRegexes.local))) {
    return { kind: 'local', name: nameOf('local:'.length, parts.owner), owner: `@${parts.owner}` };
  }
  // Only reserved keys come without an owner: privatekey:at_secret, configkey, _latestnotificationidv2.
  if (/^privatekey:[^:@]+$/.test(text)) return { kind: 'privatekey', name: text.slice('privatekey:'.length) };
  if (/^[^:@]+$/.test(text)) return { kind: 'internal', name: text };
  return null;
}

/**
 * Parses a key into its typed form. The text is lowercased first, as the keystore stores it (§4.1), then
 * classified with {@link keyType}. A reserved key keeps its written form (`@bob:shared_key@alice` is a
 * `shared` key with `isReserved`). Reserved keys the reference only matches partially, such as
 * `x:privatekey:at_secret`, have no written form and are refused here.
 *
 * @throws AtError `AT0016` when the reference would classify the key as `invalidKey`, with the reason.
 * @example
 * parseKey('@bob:phone.wavi@alice');
 * // { kind: 'shared', name: 'phone.wavi', namespace: 'wavi', owner: '@alice', sharedWith: '@bob', … }
 * parseKey('privatekey:at_pkam_publickey'); // { kind: 'privatekey', name: 'at_pkam_publickey', isReserved: true, … }
 */
export function parseKey(text: string): AtKey {
  const lowered = text.toLowerCase();
  const type = keyType(lowered);
  if (type === 'invalidKey') throw new AtError('AT0016', explainInvalidKey(text));
  const spec = structure(lowered);
  if (spec === null) throw new AtError('AT0016', `${text} is not a well-formed key`);
  return complete(spec, type);
}

function written(spec: KeySpec): string {
  switch (spec.kind) {
    case 'public':
      return `public:${spec.name}${spec.owner}`;
    case 'self':
      return `${spec.sharedWith === undefined ? '' : `${spec.sharedWith}:`}${spec.name}${spec.owner}`;
    case 'shared':
      return `${spec.sharedWith}:${spec.name}${spec.owner}`;
    case 'private':
      return `private:${spec.sharedWith === undefined ? '' : `${spec.sharedWith}:`}${spec.name}${spec.owner}`;
    case 'cachedPublic':
      return `cached:public:${spec.name}${spec.owner}`;
    case 'cachedShared':
      return `cached:${spec.sharedWith}:${spec.name}${spec.owner}`;
    case 'local':
      return `local:${spec.name}${spec.owner}`;
    case 'privatekey':
      return `privatekey:${spec.name}`;
    case 'internal':
      return spec.name;
  }
}

/**
 * Builds a key from its parts, normalising atSigns with {@link fixAtSign} (as `update` does with the
 * atSigns of its command) and checking the result against the grammar.
 *
 * @throws AtError `AT0011` for a bad atSign; `AT0016` when the parts do not make a valid key of that kind.
 * @example
 * createKey({ kind: 'shared', name: 'phone.wavi', owner: 'alice', sharedWith: '@Bob' }).sharedWith; // '@bob'
 */
export function createKey(spec: KeySpec): AtKey {
  const normalised = {
    ...spec,
    name: spec.name.toLowerCase(),
    ...(spec.owner === undefined ? {} : { owner: fixAtSign(spec.owner) }),
    ...(spec.sharedWith === undefined ? {} : { sharedWith: fixAtSign(spec.sharedWith) }),
  } as KeySpec;
  const key = parseKey(written(normalised));
  if (key.kind !== normalised.kind) {
    throw new AtError('AT0016', `${written(normalised)} is a ${key.kind} key, not a ${normalised.kind} key`);
  }
  return key;
}

/**
 * The canonical stored string of a key: lowercased, in its written form.
 *
 * @example
 * formatKey(parseKey('Cached:@Alice:Phone.Wavi@Bob')); // 'cached:@alice:phone.wavi@bob'
 * formatKey({ kind: 'privatekey', name: 'at_pkam_publickey' }); // 'privatekey:at_pkam_publickey'
 */
export function formatKey(key: KeySpec): string {
  return written(key).toLowerCase();
}
