/**
 * The expiry job (atprotocol.md §4.6, §8.1): records whose ttl has passed are deleted, each with a `-` commit
 * so devices sync the deletion. Until the job runs, reads already answer such records with `data:null`.
 */
import type { AtSignContext } from './context';

/** Keys deleted per store query; the job keeps going until none are left. */
const batchSize = 500;

/**
 * Deletes every record whose `expiresAt` is before `now` and answers how many went. The reference runs it
 * every 3 minutes; `atsign-server.ts` runs it on `limits.expirySweepMs`.
 *
 * @example await expireRecords(ctx, clock.now()) // 2, after update:ttl:1000:… twice and 1 s more
 */
export async function expireRecords(ctx: Pick<AtSignContext, 'store'>, now: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const keys = ctx.store.keys.expiredKeys(now, batchSize);
    if (keys.length === 0) return deleted;
    await Promise.all(keys.map((key) => ctx.store.keys.remove(key)));
    deleted += keys.length;
  }
}
