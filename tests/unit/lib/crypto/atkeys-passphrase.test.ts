import { describe, expect, it } from 'vitest';
import {
  defaultArgonCost,
  isPassphraseEnvelope,
  openWithPassphrase,
  sealWithPassphrase,
} from '$lib/crypto/atkeys-passphrase';
import { CryptoError } from '$lib/crypto/crypto-error';

// Small costs wherever the test is about the format rather than the cost; one test keeps the real default.
const cheap = { memory: 64, iterations: 1, parallelism: 1 };
const doc = '{"aesPkamPublicKey":"abc","x":1}';

const parse = (text: string) => JSON.parse(text) as Record<string, unknown>;

async function failure(attempt: () => Promise<unknown>): Promise<CryptoError> {
  const error: unknown = await attempt().then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CryptoError);
  return error as CryptoError;
}

describe('legacy passphrase envelopes written by the Dart SDK', () => {
  // Captured from at_auth's AtKeysPassphraseEnvelopeCodec before salting existed
  // (at_libraries: packages/at_auth/test/passphrase_envelope_test.dart, group "legacy envelopes still open").
  const asciiEnvelope =
    '{"content":"YuP+RgHL2zFSwMUgLlDY9xFdmIZsFZ1jd6xDetH15DURPbRmE1pYociakFgWpsr3","iv":"vnw2SVssTWrIwibp2NvUVw==",' +
    '"hashingAlgoType":"argon2id"}';
  const nonAsciiEnvelope =
    '{"content":"nvu64grwzBfdp5iGdA83QHvcqXlL9rmpQ8A0V7jc/iztFlbTJG4A/ygpXqxo9Sjl","iv":"Wn8W314zbPbZEQAU2RuG+g==",' +
    '"hashingAlgoType":"argon2id"}';

  it('opens a Dart file sealed with an ASCII passphrase', async () => {
    expect(parse(await openWithPassphrase(parse(asciiEnvelope), 'plain-ascii'))).toEqual({
      aesPkamPublicKey: 'abc',
      x: 1,
    });
  });

  it('opens a Dart file sealed with a non-ASCII passphrase (salt = UTF-16 code units cut to bytes)', async () => {
    expect(parse(await openWithPassphrase(parse(nonAsciiEnvelope), 'passwörd-☃'))).toEqual({
      aesPkamPublicKey: 'abc',
      x: 1,
    });
  });

  it('reports a wrong passphrase on a Dart file as wrong-passphrase', async () => {
    expect((await failure(() => openWithPassphrase(parse(asciiEnvelope), 'plain-asciI'))).code).toBe(
      'wrong-passphrase',
    );
  });

  it('writes the legacy form on request, and reads it back', async () => {
    const sealed = parse(await sealWithPassphrase('{"a":1}', 'password', { legacyUnsalted: true }));
    expect(Object.keys(sealed)).toEqual(['content', 'iv', 'hashingAlgoType']);
    expect(await openWithPassphrase(sealed, 'password')).toBe('{"a":1}');
  });

  it('refuses a legacy passphrase shorter than 8 UTF-16 units, which Argon2 cannot salt', async () => {
    expect((await failure(() => sealWithPassphrase(doc, 'pw', { legacyUnsalted: true }))).code).toBe('unsupported');
  });
});

describe('version 1 passphrase envelopes', () => {
  it('writes v, content, iv, hashingAlgoType, salt and kdfParams in the Dart order with the OWASP costs', async () => {
    const sealed = parse(await sealWithPassphrase(doc, 'right'));
    expect(Object.keys(sealed)).toEqual(['v', 'content', 'iv', 'hashingAlgoType', 'salt', 'kdfParams']);
    expect(sealed['v']).toBe(1);
    expect(sealed['hashingAlgoType']).toBe('argon2id');
    expect(sealed['kdfParams']).toEqual({ memory: 19456, iterations: 2, parallelism: 1 });
    expect(defaultArgonCost).toEqual({ memory: 19456, iterations: 2, parallelism: 1 });
    expect(atob(sealed['salt'] as string)).toHaveLength(16);
    expect(atob(sealed['iv'] as string)).toHaveLength(16);
    expect(isPassphraseEnvelope(sealed)).toBe(true);
    expect(await openWithPassphrase(sealed, 'right')).toBe(doc);
  });

  it('gives two seals of one document under one passphrase different salts and contents', async () => {
    const a = parse(await sealWithPassphrase(doc, 'same', { cost: cheap }));
    const b = parse(await sealWithPassphrase(doc, 'same', { cost: cheap }));
    expect(a['salt']).not.toBe(b['salt']);
    expect(a['content']).not.toBe(b['content']);
  });

  it('reads the costs back off the file: a tampered cost no longer opens', async () => {
    const sealed = parse(await sealWithPassphrase(doc, 'right', { cost: cheap }));
    const tampered = { ...sealed, kdfParams: { ...cheap, memory: 72 } };
    expect((await failure(() => openWithPassphrase(tampered, 'right'))).code).toBe('wrong-passphrase');
  });

  it('fails clearly on a wrong passphrase', async () => {
    const sealed = parse(await sealWithPassphrase(doc, 'right', { cost: cheap }));
    const error = await failure(() => openWithPassphrase(sealed, 'wrong'));
    expect(error.code).toBe('wrong-passphrase');
    expect(error.message).toMatch(/passphrase may be wrong/);
  });

  it('refuses an envelope version it has no code for instead of guessing', async () => {
    const envelope = { v: 99, iv: 'aXYaXYaXYaXYaXYa', content: 'x', hashingAlgoType: 'argon2id' };
    expect((await failure(() => openWithPassphrase(envelope, 'right'))).code).toBe('unsupported');
  });

  it('refuses a version 1 envelope without a salt or kdfParams', async () => {
    const envelope = { v: 1, iv: 'aXYaXYaXYaXYaXYa', content: 'x', hashingAlgoType: 'argon2id' };
    expect((await failure(() => openWithPassphrase(envelope, 'right'))).code).toBe('bad-file');
  });

  it('refuses costs a hostile file could use to exhaust memory', async () => {
    const sealed = parse(await sealWithPassphrase(doc, 'right', { cost: cheap }));
    const hostile = { ...sealed, kdfParams: { memory: 1 << 24, iterations: 2, parallelism: 1 } };
    expect((await failure(() => openWithPassphrase(hostile, 'right'))).code).toBe('unsupported');
  });

  it('refuses hashing algorithms other than Argon2id', async () => {
    const sealed = { ...parse(await sealWithPassphrase(doc, 'right', { cost: cheap })), hashingAlgoType: 'md5' };
    expect((await failure(() => openWithPassphrase(sealed, 'right'))).code).toBe('unsupported');
  });

  it('requires a passphrase', async () => {
    expect((await failure(() => sealWithPassphrase(doc, ''))).code).toBe('passphrase-required');
  });
});
