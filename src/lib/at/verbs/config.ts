/**
 * `config`: the blocklist (`config:block:…`) and, in testing mode, live settings
 * (`config:set|reset|print:…`). Reference §5.13.
 */
import { defineGrammar, oneOf, required } from './grammar';

/** `config:block:add:@bob @carol` / `config:block:remove:@bob`: atSigns as written, with `@`. */
export interface ConfigBlockChange {
  readonly verb: 'config';
  readonly operation: 'add' | 'remove';
  readonly atSigns: readonly string[];
}

/** `config:block:show`. */
export interface ConfigBlockShow {
  readonly verb: 'config';
  readonly operation: 'show';
}

/** `config:set:<name>=<value>`, `config:reset:<name>`, `config:print:<name>` (testing mode only). */
export interface ConfigSetting {
  readonly verb: 'config';
  readonly operation: 'set' | 'reset' | 'print';
  /** Everything after the operation, e.g. `autoNotify=false`; the handler splits it. */
  readonly setting: string;
}

/** Any `config` command, discriminated on `operation`. */
export type Config = ConfigBlockChange | ConfigBlockShow | ConfigSetting;

const blockOperations = ['add', 'remove', 'show'] as const;
const settingOperations = ['set', 'reset', 'print'] as const;

/**
 * `config` (§5.13). `config:block:add:`, `config:block:add:@@kevin` and `config:block:list` are
 * invalid syntax. The usage text is the reference's, typo (`config:shoe:allow`) included.
 *
 * @example
 * config.parse('config:block:add:@bob @carol'); // { verb: 'config', operation: 'add', atSigns: ['@bob', '@carol'] }
 */
export const config = defineGrammar<Config>({
  name: 'config',
  usage:
    'configure block syntax config:block:<action>:@<atSign> \n e.g config:block:add:@alice \n view syntax ' +
    'config:show:<type> \n e.g config:shoe:allow \n configure set syntax \n e.g. config:set:<configName>=<configValue> ' +
    '\n config:reset(or)print:<configName>',
  source:
    '^config:(?:(?<=config:)block:(?<operation>add|remove|show)(?:(?<=show)\\s?$|(?:(?<=add|remove):' +
    '(?<atSign>(?:@[^:@\\s]+)( (?:@[^\\s@]+))*$))))|(?:(?<=config:)(?<setOperation>set|reset|print):(?<configNew>.+)$)',
  build: (g): Config => {
    const setting = oneOf(g.setOperation, settingOperations);
    if (setting) return { verb: 'config', operation: setting, setting: required(g.configNew) };
    const block = oneOf(g.operation, blockOperations);
    if (block === 'show') return { verb: 'config', operation: 'show' };
    return { verb: 'config', operation: block ?? 'add', atSigns: required(g.atSign).split(' ') };
  },
  format: (c) => {
    switch (c.operation) {
      case 'show':
        return 'config:block:show';
      case 'add':
      case 'remove':
        return `config:block:${c.operation}:${c.atSigns.join(' ')}`;
      default:
        return `config:${c.operation}:${c.setting}`;
    }
  },
});
