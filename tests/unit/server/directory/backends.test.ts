import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryName, type DirectoryBackend } from '$server/directory/backend';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { SqliteDirectoryBackend } from '$server/directory/sqlite-backend';
import { tempDir } from '../../../support/temp-dir';

const backends: [string, () => Promise<{ backend: DirectoryBackend; cleanup(): Promise<void> }>][] = [
  ['memory', async () => ({ backend: new MemoryDirectoryBackend(), cleanup: async () => {} })],
  [
    'sqlite',
    async () => {
      const dir = await tempDir();
      const backend = new SqliteDirectoryBackend(`${dir.path}/directory.sqlite`);
      return { backend, cleanup: async () => (await backend.close(), await dir.remove()) };
    },
  ],
];

describe.each(backends)('%s directory backend', (_name, create) => {
  let backend: DirectoryBackend;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ backend, cleanup } = await create()));
  afterEach(() => cleanup());

  it('answers null for a name never registered', async () => {
    expect(await backend.lookup('alice')).toBeNull();
  });

  it('returns the address registered for a name and follows a move', async () => {
    await backend.register('alice', 'localhost:6464');
    expect(await backend.lookup('alice')).toBe('localhost:6464');
    await backend.register('alice', 'host.example.com:7000');
    expect(await backend.lookup('alice')).toBe('host.example.com:7000');
  });

  it('keeps emoji names distinct', async () => {
    await backend.register('alice🛠', '127.0.0.1:1');
    expect(await backend.lookup('alice🛠')).toBe('127.0.0.1:1');
    expect(await backend.lookup('alice')).toBeNull();
  });

  it('removes a name and reports whether it existed', async () => {
    await backend.register('bob', 'localhost:1');
    expect(await backend.remove('bob')).toBe(true);
    expect(await backend.remove('bob')).toBe(false);
    expect(await backend.lookup('bob')).toBeNull();
  });

  it('lists registrations sorted by name', async () => {
    await backend.register('bob', 'localhost:2');
    await backend.register('alice', 'localhost:1');
    expect(await backend.list()).toEqual([
      { name: 'alice', address: 'localhost:1' },
      { name: 'bob', address: 'localhost:2' },
    ]);
  });

  it.each(['localhost', 'localhost:0', 'localhost:70000', 'a b:1', 'host:12ab'])(
    'refuses the address %j',
    async (address) => {
      await expect(backend.register('alice', address)).rejects.toThrow(/host:port/);
    },
  );
});

describe('directoryName', () => {
  it.each([
    ['@alice', 'alice'],
    ['Alice', 'alice'],
    [' @Bob🛠 ', 'bob🛠'],
  ])('turns %j into %j', (atSign, name) => expect(directoryName(atSign)).toBe(name));
});
