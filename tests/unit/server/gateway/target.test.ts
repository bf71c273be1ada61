import { describe, expect, it } from 'vitest';
import { parseTargetPath } from '$server/gateway/target';

describe('parseTargetPath', () => {
  it('names the directory', () => expect(parseTargetPath('/ws/directory')).toEqual({ kind: 'directory' }));

  it.each([
    ['/ws/@alice', '@alice', 'alice'],
    ['/ws/@Alice', '@alice', 'alice'],
    ['/ws/@colin.constable', '@colinconstable', 'colinconstable'],
    ['/ws/@alice%F0%9F%9B%A0', '@alice🛠', 'alice🛠'],
    ['/ws/@directory', '@directory', 'directory'],
  ])('reads %s as %s', (path, atSign, name) => expect(parseTargetPath(path)).toEqual({ kind: 'atSign', atSign, name }));

  it.each(['/ws/@b%20ob', '/ws/@a@b', '/ws/@', '/ws/@alice/extra', '/ws/@%E0%A4%A'])(
    'refuses %s as an invalid atSign',
    (path) => expect(parseTargetPath(path)).toBe('invalidAtSign'),
  );

  it.each(['/', '/ws', '/ws/', '/ws/alice', '/ws/127.0.0.1:64', '/ws/localhost:6464', '/api/@alice'])(
    'does not take %s as a relay path at all',
    (path) => expect(parseTargetPath(path)).toBeNull(),
  );
});
