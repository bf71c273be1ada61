import { describe, expect, it } from 'vitest';
import { buildTable } from '$server/atserver/verbs/table';
import { verbTable } from '$server/atserver/verbs/index';

const verbOf = (line: string) => verbTable.match(line)?.grammar.name;

describe('the verb table', () => {
  it('finds a verb by the longest prefix the line starts with', () => {
    expect(verbOf('llookup:phone@alice')).toBe('llookup');
    expect(verbOf('lookup:phone@bob')).toBe('lookup');
    expect(verbOf('update:meta:phone@alice:ttl:5')).toBe('update:meta');
    expect(verbOf('update:phone@alice 1')).toBe('update');
    expect(verbOf('notify:list')).toBe('notify:list');
    expect(verbOf('notify:phone@bob:hello')).toBe('notify');
  });

  it('takes whole-line verbs only as the whole line', () => {
    expect(verbOf('pol')).toBe('pol');
    expect(verbOf('info')).toBe('info');
    expect(verbOf('info:brief')).toBe('info');
    expect(verbOf('polka')).toBeUndefined();
    expect(verbOf('info:more')).toBeUndefined();
  });

  it('gives an excluded prefix to no verb, even one a shorter prefix would take', () => {
    expect(verbOf('update:metadata@alice 1')).toBeUndefined();
  });

  it('finds no verb for an unknown line, an empty one or one in the wrong case', () => {
    expect(verbOf('frobnicate:x')).toBeUndefined();
    expect(verbOf('')).toBeUndefined();
    expect(verbOf('LLOOKUP:phone@alice')).toBeUndefined();
  });

  it('finds every verb it lists by its own prefix or whole lines', () => {
    for (const entry of verbTable.entries) {
      for (const line of entry.exact ?? [`${entry.prefix}x`]) {
        expect(verbTable.match(line), line).toBe(entry);
      }
    }
  });

  it('refuses to list a verb without a prefix, which would take every line', () => {
    const [first] = verbTable.entries;
    expect(() => buildTable([{ ...first!, prefix: '', exact: undefined }])).toThrow(/needs a prefix/);
  });
});
