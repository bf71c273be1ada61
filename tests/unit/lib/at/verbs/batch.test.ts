import { describe, expect, it } from 'vitest';
import { batch } from '$lib/at/verbs/batch';
import { failure } from '../../../../support/at-error';

describe('batch (atprotocol.md §5.16)', () => {
  it('reads the requests of the reference example and writes them back unchanged', () => {
    const line =
      'batch:[{"id":1,"command":"update:location@alice newyork"},{"id":2,"command":"delete:location@alice"}]';
    expect(batch.parse(line)).toEqual({
      verb: 'batch',
      requests: [
        { id: 1, command: 'update:location@alice newyork' },
        { id: 2, command: 'delete:location@alice' },
      ],
    });
    expect(batch.format(batch.parse(line))).toBe(line);
  });

  it('keeps keys other than command as sent', () => {
    const line = 'batch:[{"id":"a","command":"llookup:phone@alice","note":true}]';
    expect(batch.parse(line).requests).toEqual([{ id: 'a', command: 'llookup:phone@alice', note: true }]);
    expect(batch.format(batch.parse(line))).toBe(line);
  });

  it('reads an empty array as no requests', () => {
    expect(batch.parse('batch:[]')).toEqual({ verb: 'batch', requests: [] });
  });

  it('answers JSON that does not parse with AT0011 and closes the connection', () => {
    const error = failure(() => batch.parse('batch:[{"id":1,'));
    expect(error.code).toBe('AT0011');
    expect(error.closesConnection).toBe(true);
  });

  it.each([
    ['an object instead of an array', 'batch:{"id":1,"command":"llookup:phone@alice"}'],
    ['an element without a command', 'batch:[{"id":1}]'],
    ['a command that is not a string', 'batch:[{"id":1,"command":5}]'],
    ['an element that is not an object', 'batch:["llookup:phone@alice"]'],
  ])('answers %s with AT0010 and keeps the connection, as the reference TypeError does', (_case, line) => {
    const error = failure(() => batch.parse(line));
    expect(error.code).toBe('AT0010');
    expect(error.closesConnection).toBe(false);
  });

  it('refuses an empty body with AT0003 and the reference usage, commmand typo included', () => {
    expect(failure(() => batch.parse('batch:'))).toMatchObject({
      code: 'AT0003',
      message:
        'Invalid syntax. e.g batch:[{"id":1, "commmand":"update:location@alice newyork"},' +
        '{"id":2, "commmand":"delete:location@alice"}]',
    });
  });
});
