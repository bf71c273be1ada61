import { describe, expect, it } from 'vitest';
import { coveringGrant } from '$server/atserver/enrollment-access';

describe('coveringGrant', () => {
  it('takes the first enrolled namespace the namespace ends with, dot-separated', () => {
    expect(coveringGrant({ buzz: 'r', wavi: 'rw' }, 'wavi')).toEqual({ namespace: 'wavi', access: 'rw' });
    expect(coveringGrant({ wavi: 'r' }, 'profile.wavi')).toEqual({ namespace: 'wavi', access: 'r' });
    expect(coveringGrant({ avi: 'rw' }, 'wavi')).toBeUndefined();
  });

  it('falls back to the key with its namespace, for multi-segment namespaces', () => {
    expect(coveringGrant({ 'at_contact.buzz': 'rw' }, 'buzz', 'phone.at_contact.buzz')).toEqual({
      namespace: 'at_contact.buzz',
      access: 'rw',
    });
  });

  it('falls back to * last', () => {
    expect(coveringGrant({ '*': 'rw', __manage: 'r' }, '__manage')).toEqual({ namespace: '__manage', access: 'r' });
    expect(coveringGrant({ '*': 'r', wavi: 'rw' }, 'buzz')).toEqual({ namespace: '*', access: 'r' });
  });
});
