import { describe, expect, it } from 'vitest';
import { parseKey } from '$lib/at/key';
import type { AtRecord } from '$lib/client/record-codec';
import { isUserData, rawRecordOf, viewOf } from '$lib/client/record-views';

const record = (key: string, value: string | null, extra: Partial<AtRecord> = {}): AtRecord => {
  const parsed = parseKey(key);
  return {
    key: parsed,
    value,
    metadata: {},
    visibility: parsed.visibility,
    sharedBy: parsed.owner,
    sharedWith: parsed.sharedWith,
    ...extra,
  };
};

describe('which records are the user’s data', () => {
  it('shows public, self and shared keys and cached copies shared with us', () => {
    for (const key of ['public:motto@alice', 'phone.wavi@alice', '@bob:phone.wavi@alice', 'cached:@alice:plan@bob']) {
      expect(isUserData(parseKey(key)), key).toBe(true);
    }
  });

  it('hides the keys the protocol keeps for itself', () => {
    for (const key of [
      'public:publickey@alice',
      'shared_key.bob@alice',
      '@bob:shared_key@alice',
      'cached:@alice:shared_key@bob',
      'cached:public:publickey@bob',
      'public:signing_publickey@alice',
      '_secret@alice',
      'e1.default_enc_private_key.__manage@alice',
      'public:vapid_publickey.__webpush@alice',
      'privatekey:at_pkam_publickey',
    ]) {
      expect(isUserData(parseKey(key)), key).toBe(false);
    }
  });

  it('reads a stored record’s sync metadata and refuses keys that do not parse', () => {
    const raw = rawRecordOf({
      atKey: 'phone@alice',
      value: 'x',
      metadata: { ttl: '5000', ccd: 'true', createdAt: '2024-10-24 10:00:00.123Z' },
      commitId: 3,
    });
    expect(raw?.metadata).toEqual({ ttl: 5000, ccd: true, createdAt: 1729764000123 });
    expect(rawRecordOf({ atKey: 'no owner here', value: 'x', metadata: null, commitId: 1 })).toBeUndefined();
  });
});

describe('the view of a decoded record', () => {
  it('names, namespace, visibility, recipient and times as the app shows them', () => {
    const view = viewOf(
      record('@bob:phone.wavi@alice', '+1 555', { metadata: { ttr: 86400, ccd: true, updatedAt: 0 } }),
      '@bob:phone.wavi@alice',
      true,
    );
    expect(view).toEqual({
      atKey: '@bob:phone.wavi@alice',
      name: 'phone',
      namespace: 'wavi',
      visibility: 'shared',
      owner: '@alice',
      sharedWith: '@bob',
      value: '+1 555',
      times: { ttr: 86400, ccd: true },
      updatedAt: '1970-01-01T00:00:00.000Z',
      pending: true,
    });
  });

  it('reports why a value could not be decoded instead of showing one', () => {
    const view = viewOf(record('phone@alice', null, { error: new Error('bad padding') }), 'phone@alice', false);
    expect(view).toMatchObject({ name: 'phone', namespace: '', visibility: 'self', problem: 'bad padding' });
    expect(view).not.toHaveProperty('value');
  });
});
