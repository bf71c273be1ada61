/**
 * Records of another atSign, fetched from its atServer for an owner's `lookup` or `plookup` and for the cache
 * refresh job (atprotocol.md §5.8, §5.9, §6.2, §6.3) through the federation seam `AtSignContext.remote`.
 * Without that seam the other atServer cannot be reached and the answer is AT0007.
 */
import { AtError } from '$lib/at/errors';
import { fromRecordJson } from '$lib/at/metadata-json';
import type { Metadata } from '$lib/at/metadata';
import { putCached, removeCached, type CacheOwner } from './cache';
import type { AtSignContext } from './context';

/** A record as another atServer answered `lookup:all:` (`metadata` is `{}` when it sent none). */
export interface RemoteRecord {
  readonly value: string | null;
  readonly metadata: Metadata;
}

/** Public data without a ttr is still cached for 24 h, for backwards compatibility (§5.9). */
const publicDataTtlMs = 24 * 60 * 60 * 1000;

/**
 * The reference's `SecondaryNotFoundException`: `Unable to find secondary address for atSign:<name>`.
 *
 * @example unreachable('@bob') // AT0007 'Unable to find secondary address for atSign:bob'
 */
export function unreachable(atSign: string): AtError {
  return new AtError('AT0007', `Unable to find secondary address for atSign:${atSign.replace(/^@/, '')}`);
}

/**
 * Asks `owner`'s atServer for `lookup:all:<keyAtOwner>`: as this atSign over `from`/`pol` (it answers the
 * record shared with us), or `anonymous` (it answers the public record).
 *
 * @throws AtError `AT0007` without federation; `AT0015`
 *   `remoteLookUp: remote atServer returned String value 'null' for <key>` when the remote record is not
 *   active; the remote's own errors as it sent them; `AT0011` for an answer that is not a record.
 * @example remoteRecord(ctx.server, '@bob', 'phone.wavi@bob', { anonymous: false })
 */
export async function remoteRecord(
  server: Pick<AtSignContext, 'remote'>,
  owner: string,
  keyAtOwner: string,
  options: { anonymous: boolean },
): Promise<RemoteRecord> {
  const remote = server.remote;
  if (!remote) throw unreachable(owner);
  // The reference strips every `data:` from the answer (quirk §13.20) before reading it.
  const answer = (await remote.request(owner, `lookup:all:${keyAtOwner}`, options)).replaceAll('data:', '');
  if (answer === 'null') {
    throw new AtError('AT0015', `remoteLookUp: remote atServer returned String value 'null' for ${keyAtOwner}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(answer);
  } catch {
    throw new AtError('AT0011', `FormatException: Unexpected character in ${answer}`);
  }
  const record = fromRecordJson(json);
  return { value: record.data ?? null, metadata: record.metadata };
}

/**
 * Where a cached copy comes from: `cached:public:x@bob` is `x@bob` read anonymously, `cached:@alice:x@bob`
 * is `x@bob` read as @alice over `pol`; the owner is the text from the first `@` of that key on.
 */
function sourceOf(atSign: string, cachedKey: string): { owner: string; keyAtOwner: string; anonymous: boolean } {
  const publicPrefix = 'cached:public:';
  const sharedPrefix = `cached:${atSign}:`;
  let keyAtOwner: string;
  let anonymous: boolean;
  if (cachedKey.startsWith(publicPrefix)) [keyAtOwner, anonymous] = [cachedKey.replaceAll(publicPrefix, ''), true];
  else if (cachedKey.startsWith(sharedPrefix))
    [keyAtOwner, anonymous] = [cachedKey.replaceAll(sharedPrefix, ''), false];
  else throw new AtError('AT0022', `AtCacheManager.remoteLookUp called with invalid cachedKeyName ${cachedKey}`);
  return { owner: keyAtOwner.slice(keyAtOwner.indexOf('@')), keyAtOwner, anonymous };
}

/** Whether the reference caches a looked-up record, and with what ttl (`AtCacheManager.remoteLookUp`). */
function cacheable(cachedKey: string, metadata: Metadata): { cache: boolean; metadata: Metadata } {
  if (Object.keys(metadata).length === 0) return { cache: false, metadata };
  if (metadata.ttr !== undefined && metadata.ttr !== 0) return { cache: true, metadata };
  // A ttr of 0 or none means "do not cache", except public data, kept 24 h. (The reference's branch that
  // would cache `publickey` forever tests `cached:public:publickey:@`, which no key matches.)
  if (cachedKey.startsWith('cached:public:')) return { cache: true, metadata: { ...metadata, ttl: publicDataTtlMs } };
  return { cache: false, metadata };
}

/**
 * Fetches the record a cached key stands for from its owner's atServer (the reference's
 * `AtCacheManager.remoteLookUp`). With `maintainCache` the copy follows the answer: a missing or inactive
 * remote record deletes it (never `cached:public:publickey@…`), a record with a ttr — or public data, for
 * 24 h — is (re)cached. Answers the record as the lookup reports it: the copy's metadata when it was cached
 * (the reference's keystore rewrites the very metadata it returns), else the remote's.
 *
 * @throws AtError as {@link remoteRecord}.
 * @example await lookUpRemote(ctx.server, 'cached:@alice:phone@bob', { maintainCache: true })
 */
export async function lookUpRemote(
  server: CacheOwner & Pick<AtSignContext, 'remote'>,
  cachedKey: string,
  options: { maintainCache: boolean },
): Promise<RemoteRecord> {
  const { owner, keyAtOwner, anonymous } = sourceOf(server.atSign, cachedKey);
  let record: RemoteRecord;
  try {
    record = await remoteRecord(server, owner, keyAtOwner, { anonymous });
  } catch (error) {
    const notFound = error instanceof AtError && error.code === 'AT0015';
    if (notFound && options.maintainCache && !cachedKey.startsWith('cached:public:publickey@')) {
      await removeCached(server, cachedKey);
    }
    throw error;
  }
  // Only other atSigns' data is cached.
  if (!options.maintainCache || cachedKey.toLowerCase().endsWith(server.atSign)) return record;
  const decision = cacheable(cachedKey, record.metadata);
  if (!decision.cache) return record;
  const written = await putCached(server, cachedKey, record.value, decision.metadata);
  return { value: record.value, metadata: written?.record.metadata ?? decision.metadata };
}
