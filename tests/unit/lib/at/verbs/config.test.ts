import { describe, expect, it } from 'vitest';
import { config } from '$lib/at/verbs/config';
import { failure } from '../../../../support/at-error';

describe('config (atprotocol.md §5.13)', () => {
  // The reference usage text, `config:shoe:allow` typo included.
  const invalid = {
    code: 'AT0003',
    message:
      'Invalid syntax. configure block syntax config:block:<action>:@<atSign> \n e.g config:block:add:@alice \n ' +
      'view syntax config:show:<type> \n e.g config:shoe:allow \n configure set syntax \n ' +
      'e.g. config:set:<configName>=<configValue> \n config:reset(or)print:<configName>',
  };

  it.each([
    ['config:block:add:@bob @carol', { verb: 'config', operation: 'add', atSigns: ['@bob', '@carol'] }],
    ['config:block:add:@alice', { verb: 'config', operation: 'add', atSigns: ['@alice'] }],
    ['config:block:remove:@bob', { verb: 'config', operation: 'remove', atSigns: ['@bob'] }],
    ['config:block:show', { verb: 'config', operation: 'show' }],
    ['config:set:autoNotify=false', { verb: 'config', operation: 'set', setting: 'autoNotify=false' }],
    ['config:set:doCacheRefreshNow=true', { verb: 'config', operation: 'set', setting: 'doCacheRefreshNow=true' }],
    ['config:reset:maxNotificationRetries', { verb: 'config', operation: 'reset', setting: 'maxNotificationRetries' }],
    ['config:print:inboundMaxLimit', { verb: 'config', operation: 'print', setting: 'inboundMaxLimit' }],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(config.parse(line)).toEqual(expected);
    expect(config.format(config.parse(line))).toBe(line);
  });

  it('reads the operation words case-insensitively and writes them lowercase (§1.3)', () => {
    expect(config.parse('config:BLOCK:SHOW')).toEqual({ verb: 'config', operation: 'show' });
    const command = config.parse('config:block:REMOVE:@Bob');
    expect(command).toEqual({ verb: 'config', operation: 'remove', atSigns: ['@Bob'] });
    expect(config.format(command)).toBe('config:block:remove:@Bob');
  });

  it.each([
    ['an add with no atSign', 'config:block:add:'],
    ['an atSign with a double @', 'config:block:add:@@kevin'],
    ['the list operation, which does not exist', 'config:block:list'],
    ['an atSign without @', 'config:block:add:bob'],
    ['two spaces between atSigns', 'config:block:add:@bob  @carol'],
    ['text after show', 'config:block:show:allow'],
    ["the usage text's own example", 'config:show:allow'],
    ['a set with no setting', 'config:set:'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => config.parse(line))).toMatchObject(invalid);
  });
});
