import { describe, expect, it } from 'vitest';
import type { InboxItem } from '$lib/client/api';
import { inboxKind, keyNameOf } from '$lib/ui/inbox/inbox-item';

const item = (atKey: string, operation: InboxItem['operation'] = 'update', kind: InboxItem['kind'] = 'record') =>
  ({
    id: '1',
    kind,
    from: '@alice',
    to: '@bob',
    atKey,
    operation,
    epochMillis: 0,
  }) satisfies InboxItem;

describe('inbox items', () => {
  it('names a key as its recipient knows it', () => {
    expect(keyNameOf('@bob:phone.wavi@alice')).toBe('phone.wavi');
    expect(keyNameOf('public:name.wavi@alice')).toBe('name.wavi');
  });

  it('tells text messages, shared data and revoked data apart', () => {
    expect(inboxKind(item('@bob:6f1c2a.message.atstack@alice', 'update', 'message'))).toBe('message');
    expect(inboxKind(item('@bob:phone.wavi@alice'))).toBe('shared');
    expect(inboxKind(item('@bob:phone.wavi@alice', 'delete'))).toBe('unshared');
  });
});
