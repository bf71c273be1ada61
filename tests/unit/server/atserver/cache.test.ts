import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cachedMetadata,
  isFreshCached,
  putCached,
  putCachedMeta,
  readCached,
  removeCached,
  type CacheOwner,
} from '$server/atserver/cache';
import { isDue } from '$server/atserver/cache-refresh';
import { freshMetadata } from '$server/atserver/records';
import { AtSignStore } from '$server/atserver/store/atsign-store';
import { ManualClock } from '../../../support/manual-clock';
import { tempDir } from '../../../support/temp-dir';

const now = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('cachedMetadata (the keystore’s metadata builder)', () => {
  const remote = { createdBy: '@bob', createdAt: 1, updatedAt: 2, version: 7, ttr: 60, ccd: true, isEncrypted: true };

  it('keeps the incoming fields and stamps a new copy as created now, version 0, refreshAt its ttr away', () => {
    expect(cachedMetadata(remote, undefined, '@alice', now)).toEqual({
      createdBy: '@bob',
      updatedBy: '@alice',
      createdAt: now,
      updatedAt: now,
      status: 'active',
      version: 0,
      ttr: 60,
      refreshAt: now + 60_000,
      ccd: true,
      isEncrypted: true,
    });
  });

  it('keeps the replaced copy’s createdAt and counts its version up', () => {
    const existing = cachedMetadata(remote, undefined, '@alice', now - 5_000);
    expect(cachedMetadata(remote, existing, '@alice', now)).toMatchObject({ createdAt: now - 5_000, version: 1 });
  });

  it('counts ttl and ttb from now and leaves no refreshAt for ttr:-1', () => {
    expect(cachedMetadata({ ttl: 1_000, ttb: 500, ttr: -1 }, undefined, '@alice', now)).toMatchObject({
      ttl: 1_000,
      expiresAt: now + 1_500,
      ttb: 500,
      availableAt: now + 500,
      ttr: -1,
    });
    expect(cachedMetadata({ ttr: -1 }, undefined, '@alice', now).refreshAt).toBeUndefined();
  });

  it('takes the ttl, ttr and ccd of the replaced copy when the incoming metadata has none', () => {
    const existing = { ttl: 10_000, ttr: 5, ccd: true, version: 0, createdAt: now };
    expect(cachedMetadata({}, existing, '@alice', now)).toMatchObject({
      ttl: 10_000,
      expiresAt: now + 10_000,
      ttr: 5,
      refreshAt: now + 5_000,
      ccd: true,
    });
  });

  it('lets the caller impose a ttl or ttr', () => {
    expect(cachedMetadata({ ttr: 60 }, undefined, '@alice', now, { ttr: -1, ttl: 86_400_000 })).toMatchObject({
      ttr: -1,
      ttl: 86_400_000,
      expiresAt: now + 86_400_000,
    });
  });
});

describe('isFreshCached and isDue', () => {
  it('serves a copy until its refreshAt, and one with ttr:-1 for good', () => {
    expect(isFreshCached({ ttr: 60, refreshAt: now }, now)).toBe(true);
    expect(isFreshCached({ ttr: 60, refreshAt: now }, now + 1)).toBe(false);
    expect(isFreshCached({ ttr: -1 }, now + 1e12)).toBe(true);
  });

  it('never serves an expired or unborn copy, nor one without a refreshAt', () => {
    expect(isFreshCached({ ttr: -1, expiresAt: now - 1 }, now)).toBe(false);
    expect(isFreshCached({ ttr: -1, availableAt: now + 1 }, now)).toBe(false);
    expect(isFreshCached({ ttl: 86_400_000, expiresAt: now + 1 }, now)).toBe(false);
  });

  it('refreshes copies past refreshAt and those without one, never ttr:-1 or expired ones', () => {
    expect(isDue({ ttr: 60, refreshAt: now }, now)).toBe(true);
    expect(isDue({ ttr: 60, refreshAt: now + 1 }, now)).toBe(false);
    expect(isDue({ ttl: 86_400_000, expiresAt: now + 1 }, now)).toBe(true);
    expect(isDue({ ttr: -1 }, now)).toBe(false);
    expect(isDue({ ttr: 60, refreshAt: now - 1, expiresAt: now }, now)).toBe(false);
  });
});

describe('writing cached copies', () => {
  let dir: { path: string; remove(): Promise<void> };
  let store: AtSignStore;
  let clock: ManualClock;
  let owner: CacheOwner;
  const lastCommit = () => store.commits.entriesAfter(-1, 1_000).at(-1);

  beforeEach(async () => {
    dir = await tempDir();
    store = AtSignStore.open(`${dir.path}/alice.sqlite`);
    clock = new ManualClock(now);
    owner = { atSign: '@alice', store, clock };
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('stores a copy with a * commit, lowercased, and reads it while fresh', async () => {
    const written = await putCached(owner, 'cached:@alice:Phone@bob', '+44', { createdBy: '@bob', ttr: 60 });
    expect(written?.record.key).toBe('cached:@alice:phone@bob');
    expect(lastCommit()).toEqual({ id: written?.commitId, key: 'cached:@alice:phone@bob', op: '*' });
    expect(readCached(owner, 'cached:@alice:phone@bob')?.value).toBe('+44');
    clock.advance(60_001);
    expect(readCached(owner, 'cached:@alice:phone@bob')).toBeUndefined();
  });

  it('never caches this atSign’s own data', async () => {
    expect(await putCached(owner, 'cached:public:name@alice', 'Alice', { ttr: 60 })).toBeUndefined();
    expect(store.keys.get('cached:public:name@alice')).toBeUndefined();
  });

  it('keeps cached:public:publickey@bob forever and leaves it alone while it does not change', async () => {
    const first = await putCached(owner, 'cached:public:publickey@bob', 'K1', { createdBy: '@bob' });
    expect(first?.record.metadata).toMatchObject({ ttr: -1, version: 0 });
    expect(await putCached(owner, 'cached:public:publickey@bob', 'K1', { createdBy: '@bob' })).toBeUndefined();
    expect(await putCached(owner, 'cached:public:publickey@bob', 'null', { createdBy: '@bob' })).toBeUndefined();
  });

  it('recreates a changed public key and renames shared_key.bob@alice to shared_key.bob.until.<ms>@alice', async () => {
    await putCached(owner, 'cached:public:publickey@bob', 'K1', {});
    await store.keys.put({ key: 'shared_key.bob@alice', value: 'SK', metadata: freshMetadata('@alice', now) }, '*');
    clock.advance(1_000);
    const written = await putCached(owner, 'cached:public:publickey@bob', 'K2', {});
    expect(written?.record).toMatchObject({ value: 'K2', metadata: { createdAt: now + 1_000, version: 0, ttr: -1 } });
    expect(store.keys.get('shared_key.bob@alice')).toBeUndefined();
    expect(store.keys.get(`shared_key.bob.until.${now + 1_000}@alice`)?.value).toBe('SK');
  });

  it('changes only the metadata of a copy with a # commit, and nothing without one', async () => {
    await putCached(owner, 'cached:@alice:phone@bob', '+44', { ttr: 60, ccd: false });
    const written = await putCachedMeta(owner, 'cached:@alice:phone@bob', { ttr: 120, ccd: true });
    expect(written?.record).toMatchObject({ value: '+44', metadata: { ttr: 120, ccd: true, version: 1 } });
    expect(lastCommit()?.op).toBe('#');
    expect(await putCachedMeta(owner, 'cached:@alice:email@bob', { ttr: 120 })).toBeUndefined();
  });

  it('removes a copy with a - commit; only a cascading one when asked so; nothing when there is none', async () => {
    await putCached(owner, 'cached:@alice:phone@bob', '+44', { ttr: 60, ccd: false });
    expect(await removeCached(owner, 'cached:@alice:phone@bob', { onlyIfCascading: true })).toBeUndefined();
    expect(await removeCached(owner, 'cached:@alice:phone@bob')).toBe(lastCommit()?.id);
    expect(lastCommit()).toMatchObject({ key: 'cached:@alice:phone@bob', op: '-' });
    const before = lastCommit()?.id;
    expect(await removeCached(owner, 'cached:@alice:phone@bob')).toBeUndefined();
    expect(lastCommit()?.id).toBe(before);
    await putCached(owner, 'cached:@alice:email@bob', 'x', { ttr: 60, ccd: true });
    expect(await removeCached(owner, 'cached:@alice:email@bob', { onlyIfCascading: true })).toBeGreaterThan(0);
  });
});
