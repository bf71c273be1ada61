/**
 * `atsign://` value references, which `lookup` resolves before answering (atprotocol.md §4.4, the
 * reference's `LookupVerbHandler.resolveValueReference`). `llookup` never resolves them.
 */
import { AtError } from '$lib/at/errors';

/** The marker that makes a value a reference. */
export const referenceMarker = 'atsign://';

/** Hops followed before giving up (the reference's `lookup.depth_of_resolution`). */
export const referenceDepth = 3;

/**
 * Resolves a reference value as the reference does, quirks included: the key to resolve is everything after
 * the first `/` plus one character, prefixed with `prefix` (`public:`, `@bob:` or `@alice:`); that key must
 * exist, and then its `public:` twin (every `prefix` in the key replaced by `public:`) is read for the value.
 * After {@link referenceDepth} hops a value that is still a reference answers null.
 *
 * @param read the stored value of a key; throws AT0015 for a missing key, as the keystore does.
 * @throws AtError `AT0015` from `read` for a missing key; `AT0010` when a hop lands on a record without a
 *   value (the reference fails there with a Dart error).
 * @example
 * resolveReferences('atsign://phone@alice', '@bob', read); // reads @bob:phone@alice, answers public:phone@alice
 */
export function resolveReferences(value: string, prefix: string, read: (key: string) => string | null): string | null {
  const keyPrefix = prefix.endsWith(':') ? prefix : `${prefix}:`;
  let current = value;
  for (let hop = 1; current.includes(referenceMarker) && hop <= referenceDepth; hop += 1) {
    const key = keyPrefix + current.slice(current.indexOf('/') + 2);
    read(key);
    const next = read(key.replaceAll(keyPrefix, 'public:'));
    if (next === null) {
      throw new AtError('AT0010', `NoSuchMethodError: The method 'contains' was called on null.`);
    }
    current = next;
  }
  return current.includes(referenceMarker) ? null : current;
}
