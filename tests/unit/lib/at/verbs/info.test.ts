import { describe, expect, it } from 'vitest';
import { info, noop } from '$lib/at/verbs/info';
import { failure } from '../../../../support/at-error';

describe('info (atprotocol.md §5.14)', () => {
  it.each([
    ['info', { verb: 'info', brief: false }],
    ['info:brief', { verb: 'info', brief: true }],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(info.parse(line)).toEqual(expected);
    expect(info.format(info.parse(line))).toBe(line);
  });

  it('reads :BRIEF case-insensitively and writes it lowercase (§1.3)', () => {
    expect(info.format(info.parse('info:BRIEF'))).toBe('info:brief');
  });

  it.each(['info:', 'info:full', 'info:brief:x', 'infobrief'])('refuses %s with AT0003', (line) => {
    expect(failure(() => info.parse(line))).toMatchObject({ code: 'AT0003', message: 'Invalid syntax. info' });
  });
});

describe('noop (§5.15)', () => {
  it.each([
    ['noop:0', 0],
    ['noop:5000', 5000],
  ])('reads %s and writes it back unchanged', (line, delayMillis) => {
    expect(noop.parse(line)).toEqual({ verb: 'noop', delayMillis });
    expect(noop.format(noop.parse(line))).toBe(line);
  });

  it('passes a delay over 5000 ms through for the handler to refuse with AT0022', () => {
    expect(noop.parse('noop:6000')).toEqual({ verb: 'noop', delayMillis: 6000 });
  });

  it.each(['noop:', 'noop:-1', 'noop:1s', 'noop:1.5'])('refuses %s with AT0003', (line) => {
    expect(failure(() => noop.parse(line))).toMatchObject({
      code: 'AT0003',
      message: 'Invalid syntax. noop:<durationInMillis>',
    });
  });
});
