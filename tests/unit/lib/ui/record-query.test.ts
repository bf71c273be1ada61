import { describe, expect, it } from 'vitest';
import type { RecordView } from '$lib/client/api';
import {
  applyFilter,
  atSignsOf,
  countByVisibility,
  emptyFilter,
  foldShares,
  isFiltering,
  namespacesOf,
  recipientsOf,
  selfFormOf,
} from '$lib/ui/records/record-query';

function record(atKey: string, fields: Partial<RecordView> = {}): RecordView {
  const [, name = '', namespace = ''] = /^(?:public:|@[^:]+:)?([^.@]+)(?:\.([^@]+))?@/.exec(atKey) ?? [];
  return {
    atKey,
    name,
    namespace,
    visibility: atKey.startsWith('public:') ? 'public' : /^@[^:]+:/.test(atKey) ? 'shared' : 'self',
    owner: '@alice',
    times: {},
    pending: false,
    ...fields,
  };
}

/** Noon of a November 2025 day in this machine's time zone (date filters work in local days). */
const localNoon = (day: number) => new Date(2025, 10, day, 12).toISOString();

const phone = record('phone.wavi@alice', { value: '+1-555-0100', updatedAt: localNoon(20) });
const phoneForBob = record('@bob:phone.wavi@alice', {
  sharedWith: '@bob',
  value: '+1-555-0100',
  updatedAt: localNoon(21),
});
const name = record('public:name.wavi@alice', { value: 'Alice Liddell', updatedAt: localNoon(22) });
const city = record('@carol:city.travel@alice', {
  sharedWith: '@carol',
  value: 'Oxford',
  updatedAt: localNoon(25),
});
const all = [phone, phoneForBob, name, city];
const shares = { 'phone.wavi@alice': ['@bob'] };

describe('the data browser query', () => {
  it('names the self form of a shared key', () => {
    expect(selfFormOf('@bob:phone.wavi@alice')).toBe('phone.wavi@alice');
    expect(selfFormOf('phone.wavi@alice')).toBe('phone.wavi@alice');
  });

  it('folds the copy made by sharing into its self record, but keeps a shared record with no self record', () => {
    expect(foldShares(all, shares).map((r) => r.atKey)).toEqual([
      'phone.wavi@alice',
      'public:name.wavi@alice',
      '@carol:city.travel@alice',
    ]);
  });

  it('keeps a shared copy whose recipient the share list does not name', () => {
    expect(foldShares(all, {}).map((r) => r.atKey)).toContain('@bob:phone.wavi@alice');
  });

  it('lists the recipients of a self record from the shares and of a shared record from itself', () => {
    expect(recipientsOf(phone, shares)).toEqual(['@bob']);
    expect(recipientsOf(city, shares)).toEqual(['@carol']);
    expect(recipientsOf(name, shares)).toEqual([]);
  });

  it('searches names, namespaces and values without regard to case', () => {
    expect(applyFilter(all, shares, { ...emptyFilter, text: 'OXFORD' }, true)).toEqual([city]);
    expect(applyFilter(all, shares, { ...emptyFilter, text: 'travel' }, true)).toEqual([city]);
  });

  it('filters our records by recipient, with or without the @', () => {
    const folded = foldShares(all, shares);
    expect(applyFilter(folded, shares, { ...emptyFilter, atSign: 'bob' }, true)).toEqual([phone]);
    expect(applyFilter(folded, shares, { ...emptyFilter, atSign: '@carol' }, true)).toEqual([city]);
  });

  it('filters data shared with us by its owner', () => {
    const fromBob = record('@alice:note@bob', { owner: '@bob' });
    expect(applyFilter([phone, fromBob], {}, { ...emptyFilter, atSign: '@bob' }, false)).toEqual([fromBob]);
  });

  it('filters by visibility and namespace', () => {
    expect(applyFilter(all, shares, { ...emptyFilter, visibility: 'public' }, true)).toEqual([name]);
    expect(applyFilter(all, shares, { ...emptyFilter, namespace: 'travel' }, true)).toEqual([city]);
  });

  it('keeps the records changed within a date range, both days included', () => {
    const range = { ...emptyFilter, from: '2025-11-21', to: '2025-11-22' };
    expect(applyFilter(all, shares, range, true).map((r) => r.atKey)).toEqual([
      'public:name.wavi@alice',
      '@bob:phone.wavi@alice',
    ]);
  });

  it('leaves out records without a date when a date range is set', () => {
    const undated = record('x@alice');
    expect(applyFilter([undated], {}, { ...emptyFilter, from: '2025-01-01' }, true)).toEqual([]);
  });

  it('sorts newest first, oldest first, by name and by namespace', () => {
    const keys = (sort: typeof emptyFilter.sort) =>
      applyFilter(all, shares, { ...emptyFilter, sort }, true).map((r) => r.atKey);
    expect(keys('newest')[0]).toBe('@carol:city.travel@alice');
    expect(keys('oldest')[0]).toBe('phone.wavi@alice');
    expect(keys('name')[0]).toBe('@carol:city.travel@alice');
    expect(keys('namespace')[0]).toBe('@carol:city.travel@alice');
  });

  it('counts records by visibility and lists namespaces and atSigns for the filter choices', () => {
    expect(countByVisibility(all)).toEqual({ self: 1, shared: 2, public: 1 });
    expect(namespacesOf(all)).toEqual(['travel', 'wavi']);
    expect(atSignsOf(foldShares(all, shares), shares, true)).toEqual(['@bob', '@carol']);
  });

  it('does not count the sort order as filtering', () => {
    expect(isFiltering({ ...emptyFilter, sort: 'name' })).toBe(false);
    expect(isFiltering({ ...emptyFilter, from: '2025-01-01' })).toBe(true);
  });
});
