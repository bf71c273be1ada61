import { describe, expect, it } from 'vitest';
import { monitor } from '$lib/at/verbs/monitor';
import { failure } from '../../../../support/at-error';

const none = { verb: 'monitor', strict: false, selfNotifications: false, multiplexed: false };

describe('monitor (atprotocol.md §5.17)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. e.g. monitor or monitor .wavi' };

  it.each([
    // sdk-client-commands.md
    ['monitor:0 .*', { ...none, epochMillis: 0, regex: '.*' }],
    ['monitor c_note_', { ...none, regex: 'c_note_' }],
    ['monitor:0', { ...none, epochMillis: 0 }],
    // §5.17 and the usage text
    ['monitor', none],
    ['monitor .wavi', { ...none, regex: '.wavi' }],
    [
      'monitor:selfNotifications:1730000000000 .wavi',
      { ...none, selfNotifications: true, epochMillis: 1730000000000, regex: '.wavi' },
    ],
    [
      'monitor:strict:selfNotifications:multiplexed:1730000000000 phone.*',
      {
        verb: 'monitor',
        strict: true,
        selfNotifications: true,
        multiplexed: true,
        epochMillis: 1730000000000,
        regex: 'phone.*',
      },
    ],
    ['monitor:strict', { ...none, strict: true }],
    ['monitor:multiplexed', { ...none, multiplexed: true }],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(monitor.parse(line)).toEqual(expected);
    expect(monitor.format(monitor.parse(line))).toBe(line);
  });

  it('keeps spaces inside the regex', () => {
    expect(monitor.parse('monitor .* note')).toEqual({ ...none, regex: '.* note' });
  });

  it('reads the option words case-insensitively and writes them in reference case (§1.3)', () => {
    const command = monitor.parse('monitor:STRICT:SELFNOTIFICATIONS');
    expect(command).toEqual({ ...none, strict: true, selfNotifications: true });
    expect(monitor.format(command)).toBe('monitor:strict:selfNotifications');
  });

  it.each([
    ['text glued to the verb', 'monitorx'],
    ['an unknown option', 'monitor:foo'],
    ['the options out of order', 'monitor:multiplexed:strict'],
    ['a negative epoch', 'monitor:-1'],
    ['a regex glued to the epoch', 'monitor:0.*'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => monitor.parse(line))).toMatchObject(invalid);
  });
});
