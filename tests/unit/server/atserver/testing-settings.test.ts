import { describe, expect, it } from 'vitest';
import { defaultAtServerLimits, withDefaults } from '$server/config';
import { isSettingName, parseSettingValue, TestingSettings } from '$server/atserver/testing-settings';

describe('parseSettingValue (Dart int.parse, else the text)', () => {
  it.each([
    ['42', 42],
    [' -7 ', -7],
    ['+3', 3],
    ['0x1F', 31],
    ['true', 'true'],
    ['1.5', '1.5'],
    ['12ab', '12ab'],
  ])('reads %j as %j', (text, value) => expect(parseSettingValue(text)).toBe(value));
});

describe('TestingSettings', () => {
  it('knows the reference ModifiableConfigs names, case-sensitively', () => {
    expect(isSettingName('maxRequestsPerTimeFrame')).toBe(true);
    expect(isSettingName('maxrequestspertimeframe')).toBe(false);
    expect(isSettingName('toString')).toBe(false);
  });

  it('changes the limit a setting stands for, and puts it back on reset', () => {
    const limits = withDefaults(defaultAtServerLimits, { enrollRequestsPerWindow: 5 });
    const settings = new TestingSettings(limits);
    settings.set('maxRequestsPerTimeFrame', 2);
    expect(limits.enrollRequestsPerWindow).toBe(2);
    expect(settings.print('maxRequestsPerTimeFrame')).toBe(2);
    settings.reset('maxRequestsPerTimeFrame');
    expect(limits.enrollRequestsPerWindow).toBe(5);
  });

  it('keeps a text value of a numeric setting without touching the limit', () => {
    const limits = withDefaults(defaultAtServerLimits);
    const settings = new TestingSettings(limits);
    settings.set('timeFrameInMills', 'soon');
    expect(settings.print('timeFrameInMills')).toBe('soon');
    expect(limits.enrollRequestWindowMs).toBe(3_600_000);
  });
});
