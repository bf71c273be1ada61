import { describe, expect, it } from 'vitest';
import { hostListed } from '$server/net/host-list';

describe('host allow-lists', () => {
  it('matches an exact entry, and a dotted entry only for names below it', () => {
    expect(hostListed(['fcm.googleapis.com'], 'fcm.googleapis.com')).toBe(true);
    expect(hostListed(['fcm.googleapis.com'], 'x.fcm.googleapis.com')).toBe(false);
    expect(hostListed(['.push.apple.com'], 'web.push.apple.com')).toBe(true);
    expect(hostListed(['.push.apple.com'], 'push.apple.com')).toBe(false);
    expect(hostListed(['.push.apple.com'], 'evilpush.apple.com')).toBe(false);
  });
});
