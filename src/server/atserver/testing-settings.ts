/**
 * The settings `config:set|reset|print` may change while a server runs in testing mode (the reference's
 * `ModifiableConfigs`, atprotocol.md §5.13). Settings we implement as limits (`inboundMaxLimit`,
 * `maxRequestsPerTimeFrame`, `timeFrameInMills`) change those limits at once; the rest are remembered and
 * printed only, as nothing here reads them.
 */
import type { AtServerLimits } from '../config';

/** A setting's value: an int when the text parses as one, else the text (Dart `int.parse` or the string). */
export type SettingValue = number | string | boolean;

type NumericLimit = 'maxInboundConnections' | 'enrollRequestsPerWindow' | 'enrollRequestWindowMs';

/** The reference's names, each with its default or the limit it stands for. */
const settings: Record<string, { limit: NumericLimit } | { fixed: SettingValue }> = {
  inboundMaxLimit: { limit: 'maxInboundConnections' },
  commitLogCompactionFrequencyMins: { fixed: 18 },
  accessLogCompactionFrequencyMins: { fixed: 15 },
  notificationKeyStoreCompactionFrequencyMins: { fixed: 5 },
  autoNotify: { fixed: true },
  maxNotificationRetries: { fixed: 30 },
  checkCertificateReload: { fixed: false },
  shouldReloadCertificates: { fixed: false },
  doCacheRefreshNow: { fixed: false },
  maxRequestsPerTimeFrame: { limit: 'enrollRequestsPerWindow' },
  timeFrameInMills: { limit: 'enrollRequestWindowMs' },
};

/**
 * Whether `name` is one of the reference's modifiable settings (case-sensitive, as Dart `byName`).
 * @example isSettingName('autoNotify') // true; isSettingName('autonotify') // false
 */
export function isSettingName(name: string): boolean {
  return Object.hasOwn(settings, name);
}

/**
 * Reads a `config:set` value as Dart does: `int.parse` (decimal or `0x` hex, spaces ignored) when it can,
 * else the text.
 * @example parseSettingValue('30') // 30; parseSettingValue('false') // 'false'
 */
export function parseSettingValue(text: string): SettingValue {
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10);
  const hex = /^([+-]?)0x([0-9a-f]+)$/i.exec(trimmed);
  if (hex) return (hex[1] === '-' ? -1 : 1) * Number.parseInt(hex[2] ?? '', 16);
  return text;
}

/**
 * The current settings of one server: its defaults, captured on first use, and what was set since.
 * @example new TestingSettings(limits).print('maxNotificationRetries') // 30
 */
export class TestingSettings {
  readonly #limits: AtServerLimits;
  readonly #defaults = new Map<string, SettingValue>();
  readonly #current = new Map<string, SettingValue>();

  constructor(limits: AtServerLimits) {
    this.#limits = limits;
  }

  /** Changes a setting; a numeric value of a limit-backed setting takes effect at once. */
  set(name: string, value: SettingValue): void {
    this.#remember(name);
    this.#current.set(name, value);
    const spec = settings[name];
    if (spec && 'limit' in spec && typeof value === 'number') this.#limits[spec.limit] = value;
  }

  /** Puts a setting back to its default. */
  reset(name: string): void {
    const initial = this.#remember(name);
    this.set(name, initial);
  }

  /** The setting's current value, or its default when never set. */
  print(name: string): SettingValue {
    const initial = this.#remember(name);
    return this.#current.get(name) ?? initial;
  }

  #remember(name: string): SettingValue {
    const known = this.#defaults.get(name);
    if (known !== undefined) return known;
    const spec = settings[name];
    const initial = spec === undefined ? '' : 'limit' in spec ? this.#limits[spec.limit] : spec.fixed;
    this.#defaults.set(name, initial);
    return initial;
  }
}

const byServer = new WeakMap<AtServerLimits, TestingSettings>();

/**
 * The testing settings of the server whose limits these are (each server has its own limits object).
 * @example testingSettingsOf(ctx.server.limits).set('autoNotify', 'false')
 */
export function testingSettingsOf(limits: AtServerLimits): TestingSettings {
  let found = byServer.get(limits);
  if (!found) byServer.set(limits, (found = new TestingSettings(limits)));
  return found;
}
