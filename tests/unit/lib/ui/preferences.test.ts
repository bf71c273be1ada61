import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Preferences } from '$lib/ui/state/preferences.svelte';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe('preferences', () => {
  beforeEach(() => vi.stubGlobal('localStorage', memoryStorage()));
  afterEach(() => vi.unstubAllGlobals());

  it('starts with the system theme and a 15-minute idle lock', () => {
    const prefs = new Preferences();
    expect([prefs.theme, prefs.idleLockMinutes, prefs.current]).toEqual(['system', 15, undefined]);
  });

  it('keeps choices for the next start of the app', () => {
    const prefs = new Preferences();
    prefs.setTheme('dark');
    prefs.setIdleLockMinutes(5);
    prefs.setBackupPending('@alice', true);
    prefs.setPush('@alice', true);
    const next = new Preferences();
    expect([next.theme, next.idleLockMinutes]).toEqual(['dark', 5]);
    expect([next.isBackupPending('@alice'), next.hasPush('@alice')]).toEqual([true, true]);
  });

  it('forgets an atSign removed from this browser', () => {
    const prefs = new Preferences();
    prefs.setCurrent('@alice');
    prefs.setBackupPending('@alice', true);
    prefs.setPush('@alice', true);
    prefs.forget('@alice');
    expect([prefs.current, prefs.isBackupPending('@alice'), prefs.pushAtSigns]).toEqual([undefined, false, []]);
  });

  it('falls back to the defaults when what is stored cannot be read', () => {
    localStorage.setItem('atstack.preferences', '{not json');
    expect(new Preferences().theme).toBe('system');
  });
});
