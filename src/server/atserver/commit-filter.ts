/**
 * Which keys a connection's sync sees: the reference's commit-log filter (`_shouldIncludeKeyInSyncResponse`,
 * atprotocol.md §8.2, §8.3) and the pieces `sync:from`, `stats:3`, `stats:15` and `scan` share — the
 * namespace `AtKey.fromString` reads from a stored key and the namespaces an APKAM connection enrolled.
 */
import { keyType } from '$lib/at/key-type';
import type { VerbContext } from './context';
import { allNamespaces, readEnrollment } from './enrollments';

/**
 * The namespace the reference's `AtKey.fromString` reads from a stored key: the text after the last `.` of
 * the name part. `''` when the key has none; `undefined` when `fromString` refuses the key (no `@`, or a
 * space). The PKAM and encryption private keys are accepted whole, without a namespace.
 *
 * @example referenceNamespace('@bob:phone.wavi@alice') // 'wavi'
 * @example referenceNamespace('public:signing_publickey@alice') // ''
 * @example referenceNamespace('privatekey:at_secret') // undefined
 */
export function referenceNamespace(key: string): string | undefined {
  if (key.startsWith('privatekey:at_pkam_') || key.startsWith('privatekey:privatekey')) return '';
  if (!key.includes('@') || key.includes(' ')) return undefined;
  const parts = key.split(':');
  // `phone@bob` → `phone`; `public:phone@bob` / `@alice:phone@bob` → parts[1]; `cached:x:phone@bob` → parts[2].
  const withOwner = parts.length === 1 ? parts[0] : parts[0] === 'cached' ? parts[2] : parts[1];
  const name = (withOwner ?? '').split('@')[0] ?? '';
  const dot = name.lastIndexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1);
}

/**
 * Keys every sync carries whatever its regex says: the encryption shared keys (`@bob:shared_key@alice`,
 * `shared_key.bob@alice`), the encryption public key and namespace-less public keys (§8.2).
 *
 * @example alwaysSynced('public:signing_publickey@alice') // true
 */
export function alwaysSynced(key: string): boolean {
  return (
    (key.includes('shared_key') && keyType(key) === 'reservedKey') ||
    key.startsWith('public:publickey') ||
    (key.startsWith('public:') && !key.includes('.'))
  );
}

/**
 * The reference commit-log filter: the key must parse (`AtKey.fromString`), its namespace must be among
 * `enrolled` when that list is not empty (`*` admits all; a key without namespace always passes), and the
 * key must match `matches` or be {@link alwaysSynced}.
 *
 * @example commitFilter(lazyMatcher('.wavi'), [])('@bob:phone.wavi@alice') // true
 */
export function commitFilter(matches: (key: string) => boolean, enrolled: readonly string[]): (key: string) => boolean {
  const admitted = (key: string): boolean => {
    if (key.toLowerCase() === 'configkey') return true;
    const namespace = referenceNamespace(key);
    if (namespace === undefined) return false;
    if (enrolled.length === 0 || namespace === '') return true;
    return enrolled.includes(allNamespaces) || enrolled.includes(namespace);
  };
  return (key) => admitted(key) && (matches(key) || alwaysSynced(key));
}

/**
 * The namespaces of the enrollment an APKAM connection authenticated with (`{ wavi: 'rw' }`); undefined for
 * connections without one (CRAM, legacy PKAM), which see every namespace. A vanished enrollment reads as
 * none (the dispatcher closes such connections before they get here, §7.7).
 *
 * @example sessionNamespaces(ctx) // { wavi: 'rw', __manage: 'r' } after pkam:…:enrollmentId:<id>:…
 */
export function sessionNamespaces(ctx: VerbContext): Readonly<Record<string, string>> | undefined {
  const id = ctx.session.enrollmentId;
  if (id === undefined || id === '') return undefined;
  const { store, atSign, clock } = ctx.server;
  return readEnrollment(store, atSign, id, clock.now())?.namespaces ?? {};
}
