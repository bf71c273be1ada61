/**
 * The cache refresh job (atprotocol.md §6.3, §8.5; the reference's `AtCacheRefreshJob`): `cached:` copies
 * whose ttr has passed are fetched again from their owners' atServers. `atsign-server.ts` runs it every
 * `limits.cacheRefreshMs` (the reference: once a day).
 */
import { AtError } from '$lib/at/errors';
import type { Metadata } from '$lib/at/metadata';
import { putCached, removeCached, type CacheOwner } from './cache';
import type { AtSignContext } from './context';
import { lookUpRemote } from './remote-records';

/** What one run did, as the reference's job reports it. */
export interface CacheRefreshSummary {
  keysChecked: number;
  valueUnchanged: number;
  valueChanged: number;
  deletedByRemote: number;
  exceptionFromRemote: number;
}

/**
 * Whether a cached copy is due (`AtCacheManager.getKeyNamesToRefresh`): born and not expired, not cached
 * forever (`ttr:-1`), and at or past its `refreshAt` — a copy without one (public data cached 24 h) is
 * always due.
 *
 * @example isDue({ ttr: 60, refreshAt: now - 1 }, now) // true
 */
export function isDue(metadata: Metadata, now: number): boolean {
  if (metadata.availableAt !== undefined && metadata.availableAt >= now) return false;
  if (metadata.expiresAt !== undefined && now >= metadata.expiresAt) return false;
  if (metadata.ttr === -1) return false;
  return metadata.refreshAt === undefined || metadata.refreshAt <= now;
}

/**
 * Refreshes every due `cached:` copy: a remote record that is gone (AT0015, or `null`) deletes the copy; an
 * unchanged value leaves it as it is (so, as in the reference, it stays due); a changed one is written with the
 * remote's metadata. Other failures (the remote is down) leave the copy for the next run.
 *
 * @example await refreshCachedRecords(ctx) // { keysChecked: 1, valueChanged: 1, … }
 */
export async function refreshCachedRecords(
  server: CacheOwner & Pick<AtSignContext, 'remote' | 'log'>,
): Promise<CacheRefreshSummary> {
  const summary: CacheRefreshSummary = {
    keysChecked: 0,
    valueUnchanged: 0,
    valueChanged: 0,
    deletedByRemote: 0,
    exceptionFromRemote: 0,
  };
  const now = server.clock.now();
  const due = server.store.keys
    .activeKeys(now)
    .filter((key) => key.startsWith('cached:'))
    .filter((key) => {
      const metadata = server.store.keys.get(key)?.metadata;
      return metadata !== undefined && isDue(metadata, now);
    });
  for (const key of due) {
    summary.keysChecked += 1;
    let fresh;
    try {
      fresh = await lookUpRemote(server, key, { maintainCache: false });
    } catch (error) {
      if (error instanceof AtError && error.code === 'AT0015') {
        await removeCached(server, key);
        summary.deletedByRemote += 1;
      } else {
        server.log.info('cache refresh failed', { key, error: String(error) });
        summary.exceptionFromRemote += 1;
      }
      continue;
    }
    if (server.store.keys.get(key)?.value === fresh.value) {
      summary.valueUnchanged += 1;
      continue;
    }
    await putCached(server, key, fresh.value, fresh.metadata);
    summary.valueChanged += 1;
  }
  return summary;
}
