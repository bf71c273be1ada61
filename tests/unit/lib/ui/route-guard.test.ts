import { describe, expect, it } from 'vitest';
import { redirectFor } from '$lib/ui/state/route-guard';

const fresh = { atSigns: 0, unlocked: false, backupPending: false };
const locked = { atSigns: 1, unlocked: false, backupPending: false };
const open = { atSigns: 1, unlocked: true, backupPending: false };
const owesBackup = { atSigns: 1, unlocked: true, backupPending: true };

describe('where each screen may be shown', () => {
  it('shows the start on / with no atSign, and sends / on to unlock or the data otherwise', () => {
    expect(redirectFor('/', fresh)).toBeUndefined();
    expect(redirectFor('/', locked)).toBe('/unlock');
    expect(redirectFor('/', open)).toBe('/records');
  });

  it('sends data screens to the start with no atSign and to unlock while locked', () => {
    for (const route of ['/records', '/shared', '/inbox', '/conflicts']) {
      expect(redirectFor(route, fresh)).toBe('/');
      expect(redirectFor(route, locked)).toBe('/unlock');
      expect(redirectFor(route, open)).toBeUndefined();
    }
  });

  it('holds a fresh activation on the backup step until it is done', () => {
    expect(redirectFor('/', owesBackup)).toBe('/backup');
    expect(redirectFor('/records', owesBackup)).toBe('/backup');
    expect(redirectFor('/backup', owesBackup)).toBeUndefined();
  });

  it('leaves the ways in and the settings open to everyone', () => {
    for (const route of ['/start', '/activate', '/import', '/settings']) {
      expect(redirectFor(route, fresh)).toBeUndefined();
      expect(redirectFor(route, locked)).toBeUndefined();
    }
  });

  it('sends the unlock screen to the start when there is nothing to unlock', () => {
    expect(redirectFor('/unlock', fresh)).toBe('/');
    expect(redirectFor('/unlock', locked)).toBeUndefined();
  });
});
