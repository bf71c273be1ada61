/**
 * What a received notification is about, for the inbox: a text message, data shared with us, or data no longer
 * shared.
 */
import type { InboxItem } from '$lib/client/api';

export type InboxKind = 'message' | 'shared' | 'unshared';

/**
 * The key's name as the recipient knows it.
 *
 * @example keyNameOf('@bob:phone.wavi@alice') // 'phone.wavi'
 */
export function keyNameOf(atKey: string): string {
  const name = atKey
    .replace(/^(public|cached):/, '')
    .replace(/^@[^:@]+:/, '')
    .replace(/@[^@]*$/, '');
  return name || atKey;
}

export function inboxKind(item: InboxItem): InboxKind {
  if (item.kind === 'message') return 'message';
  return item.operation === 'delete' ? 'unshared' : 'shared';
}
