/** Handler for `config` (atprotocol.md §5.13): the blocklist, and run-time settings in testing mode. */
import { AtError } from '$lib/at/errors';
import { dataReply, type Reply } from '$lib/at/response';
import type { Config, ConfigBlockChange, ConfigSetting } from '$lib/at/verbs/config';
import { readBlocklist, writeBlocklist } from '../blocklist';
import type { VerbContext } from '../context';
import { isSettingName, parseSettingValue, testingSettingsOf } from '../testing-settings';

/**
 * `config:block:add:@bob @carol` adds to the blocklist (the owner's own atSign is dropped; with nothing left
 * it still answers `success`); `config:block:remove:@bob` removes (`data:null` when the list was empty).
 * atSigns are kept as written, as the reference keeps them.
 */
async function changeBlocklist(command: ConfigBlockChange, ctx: VerbContext): Promise<Reply> {
  const { store, atSign, clock } = ctx.server;
  const blocked = readBlocklist(store, atSign);
  if (command.operation === 'add') {
    const adding = command.atSigns.filter((other) => other !== atSign);
    if (adding.length === 0) return dataReply('success');
    await writeBlocklist(store, atSign, [...new Set([...blocked, ...adding])], clock.now());
    return dataReply('success');
  }
  if (blocked.length === 0) return dataReply(null);
  const removing = new Set(command.atSigns);
  await writeBlocklist(
    store,
    atSign,
    blocked.filter((other) => !removing.has(other)),
    clock.now(),
  );
  return dataReply('success');
}

/**
 * The name (and for `set` the value) of `config:set:<name>=<value>`, `config:reset:<name>`,
 * `config:print:<name>`, read before testing mode is looked at, as the reference does: an unknown name is
 * Dart's `ArgumentError` from `byName`, a `set` without `=` its `RangeError`, both AT0010.
 */
function readSetting(command: ConfigSetting): { name: string; value?: string } {
  const [name = '', value] = command.operation === 'set' ? command.setting.split('=') : [command.setting];
  if (!isSettingName(name)) {
    throw new AtError('AT0010', `Invalid argument (name): No enum value with that name: ${JSON.stringify(name)}`);
  }
  if (command.operation === 'set' && value === undefined) {
    throw new AtError('AT0010', 'RangeError (index): Invalid value: Only valid value is 0: 1');
  }
  return { name, value };
}

/** `config:set|reset|print`: `ok` / the value in testing mode, else `testing mode disabled by default`. */
async function changeSetting(command: ConfigSetting, ctx: VerbContext): Promise<Reply> {
  const { name, value } = readSetting(command);
  const { limits } = ctx.server;
  if (!limits.testingMode) return dataReply('testing mode disabled by default');
  const settings = testingSettingsOf(limits);
  switch (command.operation) {
    case 'set':
      settings.set(name, parseSettingValue(value ?? ''));
      // Setting doCacheRefreshNow to true runs the cache refresh job at once (the reference does not wait
      // for it; waiting lets a client see its effect after the `ok`).
      if (name === 'doCacheRefreshNow' && value === 'true') await ctx.server.refreshCache?.();
      return dataReply('ok');
    case 'reset':
      settings.reset(name);
      return dataReply('ok');
    case 'print':
      return dataReply(String(settings.print(name)));
  }
}

/**
 * `config:block:add|remove|show…` and `config:set|reset|print:…`.
 *
 * @example config:block:add:@bob @carol  →  data:success
 * @example config:block:show  →  data:["@bob","@carol"]
 * @example config:print:autoNotify  →  data:testing mode disabled by default
 */
export async function config(command: Config, ctx: VerbContext): Promise<Reply> {
  switch (command.operation) {
    case 'show': {
      const blocked = readBlocklist(ctx.server.store, ctx.server.atSign);
      return dataReply(blocked.length === 0 ? null : JSON.stringify(blocked));
    }
    case 'add':
    case 'remove':
      return changeBlocklist(command, ctx);
    default:
      return changeSetting(command, ctx);
  }
}
