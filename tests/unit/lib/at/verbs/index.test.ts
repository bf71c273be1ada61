import { describe, expect, it } from 'vitest';
import { formatCommand, grammars } from '$lib/at/verbs';

describe('formatCommand', () => {
  it.each([
    'from:@alice',
    'update:ttr:86400000:@bob:shared_key@alice QUJD',
    'update:json:{"atKey":"phone","value":"1"}',
    'update:meta:@bob:phone@alice:ttl:600000',
    'llookup:all:public:name@alice',
    'delete:@bob:phone@alice',
    'notify:list:wavi',
    'sync:from:5:limit:10',
    'enroll:list',
    'monitor:0 .*',
  ])('writes the command parsed from %s back to the same line', (line) => {
    const verb = Object.keys(grammars)
      .filter((name) => line.startsWith(name))
      .sort((a, b) => b.length - a.length)[0] as keyof typeof grammars;
    const command = grammars[verb].parse(line);
    expect(formatCommand(command)).toBe(line);
  });

  it('formats update:json through the update grammar', () => {
    expect(formatCommand({ verb: 'update:json', json: { atKey: 'k' } })).toBe('update:json:{"atKey":"k"}');
  });
});
