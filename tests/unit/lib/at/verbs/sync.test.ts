import { describe, expect, it } from 'vitest';
import { syncFrom } from '$lib/at/verbs/sync';
import { failure } from '../../../../support/at-error';

describe('sync:from', () => {
  it('uses the reference regex verbatim (atprotocol.md §5.24, §8.2)', () => {
    expect(syncFrom.source).toBe(
      String.raw`^sync:from:(?<from_commit_seq>[0-9]+|-1)(:limit:(?<limit>\d+))(:(?<regex>.+))?$`,
    );
  });

  it.each([
    ['sync:from:-1:limit:25', { fromCommitId: -1, limit: 25 }],
    ['sync:from:12:limit:10', { fromCommitId: 12, limit: 10 }],
    ['sync:from:1:limit:10:.wavi', { fromCommitId: 1, limit: 10, regex: '.wavi' }],
    ['sync:from:17:limit:0:.*\\.wavi@alice', { fromCommitId: 17, limit: 0, regex: '.*\\.wavi@alice' }],
  ])('reads %s and formats it back unchanged', (line, parts) => {
    const command = syncFrom.parse(line);
    expect(command).toEqual({ verb: 'sync:from', ...parts });
    expect(syncFrom.format(command)).toBe(line);
  });

  it('keeps colons inside the regex', () => {
    expect(syncFrom.parse('sync:from:5:limit:10:@bob:phone').regex).toBe('@bob:phone');
  });

  it('starts from the beginning with -1, the way a fresh client pages', () => {
    expect(syncFrom.format({ verb: 'sync:from', fromCommitId: -1, limit: 25 })).toBe('sync:from:-1:limit:25');
  });

  it.each([
    ['the limit part is missing', 'sync:from:5'],
    ['the limit part is missing before a regex', 'sync:from:5:.wavi'],
    ['the limit has no number', 'sync:from:5:limit:'],
    ['the commit id is below -1', 'sync:from:-2:limit:10'],
    ['the commit id is not a number', 'sync:from:x:limit:10'],
    ['the old sync:<n> form is used', 'sync:5'],
    ['the old sync <regex> form is used', 'sync .wavi'],
  ])('rejects the line when %s', (_, line) => {
    const error = failure(() => syncFrom.parse(line));
    expect(error.code).toBe('AT0003');
    expect(error.message).toBe('Invalid syntax. syntax sync:from:1:limit:10:.wavi');
  });
});
