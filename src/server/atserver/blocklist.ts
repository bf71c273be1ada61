import { freshMetadata } from './records';
import type { AtSignStore } from './store/atsign-store';

/** The blocklist record: `{"blockList":["@bob",…]}`, not committed (atprotocol.md §4.3, §5.13). */
export const blocklistKey = (atSign: string) => `private:blocklist${atSign}`;

/** The blocked atSigns, in the order they were added. */
export function readBlocklist(store: AtSignStore, atSign: string): string[] {
  const value = store.keys.get(blocklistKey(atSign))?.value;
  if (!value) return [];
  try {
    const parsed = JSON.parse(value) as { blockList?: unknown };
    return Array.isArray(parsed.blockList) ? parsed.blockList.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Replaces the blocklist; resolves once durable. */
export async function writeBlocklist(store: AtSignStore, atSign: string, blocked: readonly string[], now: number) {
  const metadata = freshMetadata(atSign, now);
  await store.keys.put({ key: blocklistKey(atSign), value: JSON.stringify({ blockList: blocked }), metadata }, '+');
}

/** Whether `other` (an atSign with `@`) is on the blocklist of `owner`. */
export function isBlocked(store: AtSignStore, owner: string, other: string): boolean {
  return readBlocklist(store, owner).includes(other);
}
