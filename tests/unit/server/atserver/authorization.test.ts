import { describe, expect, it } from 'vitest';
import { keyGrant, splitNamespace } from '$server/atserver/authorization';
import { failure } from '../../../support/at-error';

describe('splitNamespace', () => {
  it.each([
    ['phone.wavi@alice', { name: 'phone', namespace: 'wavi' }],
    ['@bob:phone.buzz.wavi@alice', { name: 'phone.buzz', namespace: 'wavi' }],
    ['public:location@alice', { name: 'location' }],
    ['cached:@alice:phone.wavi@bob', { name: 'phone', namespace: 'wavi' }],
    ['cached:public:name.wavi@bob', { name: 'name', namespace: 'wavi' }],
  ])('splits %s as AtKey.fromString does', (key, expected) => {
    expect(splitNamespace(key)).toEqual(expected);
  });

  it('refuses a key without an atSign with AT0003, as AtKey.fromString does', () => {
    expect(failure(() => splitNamespace('phone.wavi'))).toMatchObject({
      code: 'AT0003',
      message: 'phone.wavi is not well-formed key',
    });
  });
});

describe('keyGrant', () => {
  it('matches the namespace after the last dot', () => {
    expect(keyGrant({ buzz: 'r', wavi: 'rw' }, 'phone.wavi@alice')).toEqual({ namespace: 'wavi', access: 'rw' });
  });

  it('matches a multi-segment namespace against the end of the key name', () => {
    expect(keyGrant({ 'at_contact.buzz': 'rw' }, 'x.at_contact.buzz@alice')?.namespace).toBe('at_contact.buzz');
    expect(keyGrant({ 'at_contact.buzz': 'rw' }, 'x.other.buzz@alice')).toBeUndefined();
  });

  it('falls back to * and covers keys without a namespace only through it', () => {
    expect(keyGrant({ wavi: 'r', '*': 'rw' }, 'phone.buzz@alice')).toEqual({ namespace: '*', access: 'rw' });
    expect(keyGrant({ wavi: 'r' }, 'location@alice')).toBeUndefined();
    expect(keyGrant({ '*': 'r' }, 'location@alice')).toEqual({ namespace: '*', access: 'r' });
  });

  it('does not take a namespace that merely ends the same way', () => {
    expect(keyGrant({ avi: 'rw' }, 'phone.wavi@alice')).toBeUndefined();
  });
});
