import { describe, expect, it } from 'vitest';
import { AtError } from '$lib/at/errors';
import { resolveReferences } from '$server/atserver/references';
import { failure } from '../../../support/at-error';

/** A keystore read over a map, failing for a missing key as the keystore does. */
const reader = (records: Record<string, string | null>) => {
  const read: string[] = [];
  const fn = (key: string) => {
    read.push(key);
    if (!(key in records)) throw new AtError('AT0015', `${key} does not exist in keystore`);
    return records[key] ?? null;
  };
  return { fn, read };
};

describe('resolveReferences', () => {
  it('follows a public reference to its value', () => {
    const { fn } = reader({ 'public:city@alice': 'Lisbon' });
    expect(resolveReferences('atsign://city@alice', 'public:', fn)).toBe('Lisbon');
  });

  it('reads the prefixed key, then answers the value of its public: twin', () => {
    const { fn, read } = reader({ '@bob:city@alice': 'private', 'public:city@alice': 'Lisbon' });
    expect(resolveReferences('atsign://city@alice', '@bob', fn)).toBe('Lisbon');
    expect(read).toEqual(['@bob:city@alice', 'public:city@alice']);
  });

  it('answers null when the value is still a reference after three hops', () => {
    const { fn } = reader({
      'public:a@alice': 'atsign://b@alice',
      'public:b@alice': 'atsign://c@alice',
      'public:c@alice': 'atsign://d@alice',
      'public:d@alice': 'end',
    });
    expect(resolveReferences('atsign://b@alice', 'public:', fn)).toBe('end');
    expect(resolveReferences('atsign://a@alice', 'public:', fn)).toBeNull();
  });

  it('takes the key from after the first slash, as the reference does', () => {
    const { fn, read } = reader({ 'public:x@alice': 'v' });
    expect(resolveReferences('see atsign://x@alice', 'public:', fn)).toBe('v');
    expect(read).toEqual(['public:x@alice', 'public:x@alice']);
  });

  it('fails with AT0015 for a missing target and AT0010 for one without a value', () => {
    expect(failure(() => resolveReferences('atsign://gone@alice', 'public:', reader({}).fn))).toMatchObject({
      code: 'AT0015',
    });
    const { fn } = reader({ 'public:empty@alice': null });
    expect(failure(() => resolveReferences('atsign://empty@alice', 'public:', fn)).code).toBe('AT0010');
  });

  it('leaves a plain value alone', () => {
    expect(resolveReferences('New York', 'public:', reader({}).fn)).toBe('New York');
  });
});
