import { describe, expect, it } from 'vitest';
import { stats } from '$lib/at/verbs/stats';
import { failure } from '../../../../support/at-error';

describe('stats (atprotocol.md §5.12)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. stats:1,2,3' };

  it.each([
    ['stats', { verb: 'stats' }],
    ['stats:3', { verb: 'stats', statIds: ['3'] }],
    ['stats:1,2,3', { verb: 'stats', statIds: ['1', '2', '3'] }],
    ['stats:3:.wavi', { verb: 'stats', statIds: ['3'], regex: '.wavi' }],
    ['stats:15:.*phone.*', { verb: 'stats', statIds: ['15'], regex: '.*phone.*' }],
    ['stats:10', { verb: 'stats', statIds: ['10'] }],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(stats.parse(line)).toEqual(expected);
    expect(stats.format(stats.parse(line))).toBe(line);
  });

  it('passes an unknown id through for the handler to answer error:null:InvalidSyntaxException', () => {
    expect(stats.parse('stats:99')).toEqual({ verb: 'stats', statIds: ['99'] });
  });

  it("reads stats: as the one empty id ''", () => {
    expect(stats.parse('stats:')).toEqual({ verb: 'stats', statIds: [''] });
    expect(stats.format(stats.parse('stats:'))).toBe('stats:');
  });

  it.each([
    ['stats:0', 'stats:0'],
    ['stats:-1', 'stats:-1'],
    ['a regex after an id other than 3 or 15', 'stats:1:.wavi'],
    ['a regex after a list ending in 3', 'stats:1,3:.wavi'],
    ['an empty regex', 'stats:3:'],
    ['an id that is not a number', 'stats:a'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => stats.parse(line))).toMatchObject(invalid);
  });
});
