/**
 * `cached:` records: this atServer's copies of other atSigns' data (atprotocol.md §6.3). They are made by
 * remote lookups whose record has a ttr (§5.8, §5.9), by the first lookup on every new outbound connection
 * (`cached:public:publickey@bob`, §6.1 step 3) and by received notifications with a ttr (§6.5); they are
 * committed like any record, so the owner's devices sync them.
 *
 * These functions are the reference's `AtCacheManager` get/put/delete plus the keystore's metadata builder,
 * shared by lookups, the refresh job and notification receipt:
 * - {@link readCached} applies the read rule (active, and `ttr:-1` or not yet at `refreshAt`);
 * - {@link putCached} writes a copy (with the `publickey@X` special case), {@link putCachedMeta} only its
 *   metadata (a notification without a value), {@link removeCached} deletes one (optionally only when its
 *   `ccd` says so, as a delete notification does).
 * Callers that must tell monitors about the change (`AtSignContext.changed`) do so themselves.
 */
import { normaliseStoredKey } from '$lib/at/key';
import { isActive, type Metadata } from '$lib/at/metadata';
import type { AtSignContext } from './context';
import type { StoredRecord } from './store/keystore';

/** What writing a cached copy needs: whose atServer it is, its store and its clock. */
export type CacheOwner = Pick<AtSignContext, 'atSign' | 'store' | 'clock'>;

/** A cached copy as written: the record stored and its commit id. */
export interface CachedWrite {
  readonly record: StoredRecord;
  readonly commitId: number;
}

/** `cached:public:publickey@<atSign>`: the other atSign's encryption public key, kept forever (`ttr:-1`). */
const publicKeyPrefix = 'cached:public:publickey@';

/**
 * Whether a cached copy may answer a read (`AtCacheManager.get` with its metadata rules): it is active
 * (born, not expired) and either cached forever (`ttr:-1`) or not yet past its `refreshAt`. A copy without a
 * `refreshAt` and another ttr (public data cached for 24 h without a ttr) is never fresh: reads fetch it again.
 *
 * @example isFreshCached({ ttr: 60, refreshAt: now + 1000 }, now) // true
 */
export function isFreshCached(metadata: Metadata, now: number): boolean {
  if (!isActive(metadata, now)) return false;
  if (metadata.ttr === -1) return true;
  return metadata.refreshAt !== undefined && now <= metadata.refreshAt;
}

/**
 * The cached copy stored under `cachedKey` if it may answer a read now, else undefined.
 *
 * @example readCached(server, 'cached:@alice:phone@bob') // { key: 'cached:@alice:phone@bob', value: '+44', … }
 */
export function readCached(server: CacheOwner, cachedKey: string): StoredRecord | undefined {
  const record = server.store.keys.get(normaliseStoredKey(cachedKey));
  return record && isFreshCached(record.metadata, server.clock.now()) ? record : undefined;
}

/** Fields a caller imposes on top of the incoming metadata (the keystore's `time_to_live`/`time_to_refresh`). */
export interface MetadataOverrides {
  readonly ttl?: number;
  readonly ttr?: number;
}

/**
 * The metadata the keystore stores for a copy of `incoming` (the reference's `AtMetadataBuilder`): the
 * incoming fields are kept (its `createdBy`, encryption fields, dates it carried), then
 * - `createdAt` is the existing copy's or now, `updatedAt` now, `updatedBy` this atSign, `version` the
 *   existing copy's + 1 (else 0), `status` active;
 * - ttl, ttb, ttr and ccd fall back to the existing copy's; `expiresAt`, `availableAt` and `refreshAt` are
 *   counted from now (ttr in seconds; `ttr:-1` has no `refreshAt`; a ttr of 0 leaves the incoming dates).
 *
 * @example cachedMetadata({ createdBy: '@bob', ttr: 86400 }, undefined, '@alice', now).refreshAt // now + 86_400_000
 */
export function cachedMetadata(
  incoming: Metadata,
  existing: Metadata | undefined,
  atSign: string,
  now: number,
  overrides: MetadataOverrides = {},
): Metadata {
  const metadata: Metadata = {
    ...incoming,
    createdAt: existing?.createdAt ?? now,
    createdBy: incoming.createdBy ?? atSign,
    updatedBy: atSign,
    updatedAt: now,
    status: 'active',
    version: existing?.version === undefined ? 0 : existing.version + 1,
  };
  const ttl = overrides.ttl ?? incoming.ttl ?? existing?.ttl;
  const ttb = incoming.ttb ?? existing?.ttb;
  const ttr = overrides.ttr ?? incoming.ttr ?? existing?.ttr;
  const ccd = incoming.ccd ?? existing?.ccd;
  if (ttl !== undefined && ttl >= 0) {
    metadata.ttl = ttl;
    metadata.expiresAt = ttl === 0 ? undefined : now + ttl + (ttb ?? 0);
  }
  if (ttb !== undefined && ttb >= 0) {
    metadata.ttb = ttb;
    metadata.availableAt = now + ttb;
  }
  if (ttr === -1 || (ttr !== undefined && ttr > 0)) {
    metadata.ttr = ttr;
    metadata.refreshAt = ttr === -1 ? undefined : now + ttr * 1000;
  }
  if (ccd !== undefined) metadata.ccd = ccd;
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined)) as Metadata;
}

async function write(
  server: CacheOwner,
  key: string,
  value: string | null,
  incoming: Metadata,
  existing: StoredRecord | undefined,
  overrides?: MetadataOverrides,
): Promise<CachedWrite> {
  const metadata = cachedMetadata(incoming, existing?.metadata, server.atSign, server.clock.now(), overrides);
  const record = { key, value, metadata };
  return { record, commitId: await server.store.keys.put(record, '*') };
}

/**
 * The reference's reset signal when another atSign's encryption public key changed (it re-onboarded): this
 * atSign's copy of the key shared with it, `shared_key.bob@alice`, becomes `shared_key.bob.until.<ms>@alice`,
 * so clients see no shared key and make a new one. `other` is the atSign without its `@`.
 */
async function retireSharedKey(server: CacheOwner, other: string): Promise<void> {
  const { store, atSign, clock } = server;
  const name = normaliseStoredKey(`shared_key.${other}${atSign}`);
  const shared = store.keys.get(name);
  if (!shared) return;
  const now = clock.now();
  await store.keys.remove(name);
  const retired = normaliseStoredKey(`shared_key.${other}.until.${now}${atSign}`);
  const metadata = cachedMetadata(shared.metadata, undefined, atSign, now);
  await store.keys.put({ key: retired, value: shared.value, metadata }, '*');
}

/**
 * Stores `value` and `metadata` (as another atServer or a notification sent them) under `cachedKey`, merged
 * with the copy it replaces by {@link cachedMetadata}; the commit is `*`. Answers undefined when nothing was
 * written: this atSign's own data is never cached, and `cached:public:publickey@bob` is special:
 * - kept forever (`ttr:-1`);
 * - rewritten only when its value changed, and then recreated (fresh `createdAt`) after renaming
 *   `shared_key.bob@alice` to `shared_key.bob.until.<epochMillis>@alice`.
 *
 * @example await putCached(server, 'cached:@alice:phone@bob', '+44', { createdBy: '@bob', ttr: 86400, ccd: true })
 */
export async function putCached(
  server: CacheOwner,
  cachedKey: string,
  value: string | null,
  metadata: Metadata,
  overrides?: MetadataOverrides,
): Promise<CachedWrite | undefined> {
  const key = normaliseStoredKey(cachedKey);
  if (!key.startsWith('cached:') || key.endsWith(server.atSign)) return undefined;
  const existing = server.store.keys.get(key);
  if (!key.startsWith(publicKeyPrefix)) return write(server, key, value, metadata, existing, overrides);
  const forever = { ...overrides, ttr: -1 };
  if (!existing) return write(server, key, value, metadata, undefined, forever);
  if (value === null || value === 'null' || value === existing.value) return undefined;
  await retireSharedKey(server, key.slice(publicKeyPrefix.length));
  await server.store.keys.remove(key);
  return write(server, key, value, metadata, undefined, forever);
}

/**
 * Changes only the metadata of the cached copy under `cachedKey` (a notification of an update without a
 * value, §6.5), keeping its value; the commit is `#`. Answers undefined when there is no such copy.
 *
 * @example await putCachedMeta(server, 'cached:@alice:phone@bob', { ttr: 3600, ccd: true })
 */
export async function putCachedMeta(
  server: CacheOwner,
  cachedKey: string,
  metadata: Metadata,
): Promise<CachedWrite | undefined> {
  const key = normaliseStoredKey(cachedKey);
  const existing = server.store.keys.get(key);
  if (!existing) return undefined;
  const merged = cachedMetadata(metadata, existing.metadata, server.atSign, server.clock.now());
  const record = { key, value: existing.value, metadata: merged };
  return { record, commitId: await server.store.keys.put(record, '#') };
}

/**
 * Deletes the cached copy under `cachedKey` (a `-` commit) and answers the commit id, or undefined when there
 * was none. With `onlyIfCascading`, a copy is deleted only when its metadata has `ccd:true`, as a received
 * delete notification does (§6.5).
 *
 * @example await removeCached(server, 'cached:@alice:phone@bob', { onlyIfCascading: true })
 */
export async function removeCached(
  server: CacheOwner,
  cachedKey: string,
  options: { onlyIfCascading?: boolean } = {},
): Promise<number | undefined> {
  const key = normaliseStoredKey(cachedKey);
  const existing = server.store.keys.get(key);
  if (!existing || (options.onlyIfCascading && existing.metadata.ccd !== true)) return undefined;
  return server.store.keys.remove(key);
}
