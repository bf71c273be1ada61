import { describe, expect, it } from 'vitest';
import { alwaysSynced, commitFilter, referenceNamespace } from '$server/atserver/commit-filter';

describe('referenceNamespace (AtKey.fromString)', () => {
  it.each([
    ['phone.wavi@alice', 'wavi'],
    ['public:location.wavi@alice', 'wavi'],
    ['@bob:phone.at_contact.buzz@alice', 'buzz'],
    ['cached:@alice:phone.wavi@bob', 'wavi'],
    ['cached:public:name@bob', ''],
    ['shared_key.bob@alice', 'bob'],
    ['public:signing_publickey@alice', ''],
    ['privatekey:at_pkam_publickey', ''],
    ['privatekey:privatekey', ''],
  ])('reads %s as namespace %j', (key, namespace) => {
    expect(referenceNamespace(key)).toBe(namespace);
  });

  it.each(['privatekey:at_secret', 'configkey', 'phone wavi@alice'])('refuses %s, as fromString throws', (key) => {
    expect(referenceNamespace(key)).toBeUndefined();
  });
});

describe('alwaysSynced (§8.2)', () => {
  it.each([
    '@bob:shared_key@alice',
    'shared_key.bob@alice',
    'public:publickey@alice',
    'public:name@alice',
    // The reserved-key regex matches partially, so any `…shared_key.<word>@owner` counts too.
    'my_shared_key.wavi@alice',
  ])('sends %s whatever the regex', (key) => expect(alwaysSynced(key)).toBe(true));

  it.each(['public:name.wavi@alice', 'shared_key_backup.wavi@alice', '@alice:signing_privatekey@alice'])(
    'leaves %s to the regex',
    (key) => expect(alwaysSynced(key)).toBe(false),
  );
});

describe('commitFilter', () => {
  const wavi = (key: string) => key.includes('.wavi');

  it('admits keys matching the regex or always synced', () => {
    const accept = commitFilter(wavi, []);
    expect(accept('phone.wavi@alice')).toBe(true);
    expect(accept('public:name@alice')).toBe(true);
    expect(accept('phone.buzz@alice')).toBe(false);
  });

  it('admits only enrolled namespaces when given some, keys without namespace always, * everything', () => {
    const all = () => true;
    expect(commitFilter(all, ['wavi'])('phone.buzz@alice')).toBe(false);
    expect(commitFilter(all, ['wavi'])('phone.wavi@alice')).toBe(true);
    expect(commitFilter(all, ['wavi'])('nonamespace@alice')).toBe(true);
    expect(commitFilter(all, ['*'])('phone.buzz@alice')).toBe(true);
  });

  it('refuses keys AtKey.fromString refuses, except configkey', () => {
    const all = () => true;
    expect(commitFilter(all, [])('privatekey:at_secret')).toBe(false);
    expect(commitFilter(all, [])('configkey')).toBe(true);
  });
});
