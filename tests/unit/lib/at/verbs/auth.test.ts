import { describe, expect, it } from 'vitest';
import { cram, from, pkam, pol } from '$lib/at/verbs/auth';
import { failure } from '../../../../support/at-error';

// What the SDKs send where sdk-client-commands.md shows <base64>: an RSA-2048 PKCS#1 v1.5 signature.
const signature =
  'd2XFwnOCaamx8qcnBEOjg3pewes25rvxTQ8j/JJMv1dgU8b0TFbyaB2mhlniYaCpLfck+QsSsI/tpgYG5DM7PKFvQfm2KCFvxsVO5gEPPZZpMjfVvbG29VFq' +
  'NvUYO0Bv/nzqWBIfyXRgTlKNs2Rt8zoy2PPd6RAJVhZolJNXAg7OpYWtwqxLtxt5N1J02cycIDeQyTPkxZ1+/QFh6cNNL6bLncy4FSDWZuY1mHwe2bO8S0MN' +
  'VdFpgPrkkn83tz78z66h2qKs0CEgtxfNnt/+3Qz3tdKe7UuwmvcutvOu/fm1wFZ634ceT4xSRqF6cLtMyPL/g/1wAkGHL5uHFFOnbQ==';
const enrollmentId = '352b78c8-4b6f-4d07-a9cf-5466512ffa44';

describe('from (atprotocol.md §5.1)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. syntax from:@<atSign> \n e.g from:@alice' };

  it.each([
    // sdk-client-commands.md: the Python and Java SDKs send the @, the C SDK does not.
    ['from:@alice', { verb: 'from', atSign: '@alice' }],
    ['from:@bob', { verb: 'from', atSign: '@bob' }],
    ['from:alice', { verb: 'from', atSign: 'alice' }],
    ['from:bob', { verb: 'from', atSign: 'bob' }],
    // §5.1 and §12.1
    [
      'from:@alice:clientConfig:{"version":"3.0.57"}',
      { verb: 'from', atSign: '@alice', clientConfig: { version: '3.0.57' } },
    ],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(from.parse(line)).toEqual(expected);
    expect(from.format(from.parse(line))).toBe(line);
  });

  it('decodes every clientConfig key the reference reads', () => {
    const line =
      'from:@alice:clientConfig:{"version":"3.0.57","clientId":"c1","appName":"wavi","appVersion":"1.2","platform":"web"}';
    expect(from.parse(line)).toMatchObject({
      clientConfig: { version: '3.0.57', clientId: 'c1', appName: 'wavi', appVersion: '1.2', platform: 'web' },
    });
    expect(from.format(from.parse(line))).toBe(line);
  });

  it('reads the clientConfig keyword case-insensitively (§1.3)', () => {
    expect(from.parse('from:@alice:CLIENTCONFIG:{"version":"3.0.57"}').clientConfig).toEqual({ version: '3.0.57' });
  });

  it('answers a clientConfig that is not JSON with AT0011 and closes the connection', () => {
    const error = failure(() => from.parse('from:@alice:clientConfig:{version}'));
    expect(error.code).toBe('AT0011');
    expect(error.closesConnection).toBe(true);
  });

  it.each([
    ['an empty atSign', 'from:'],
    ['two @ signs', 'from:@alice@bob'],
    ['a space in the atSign', 'from:@al ice'],
    ['an empty clientConfig, which the regex needs at least one character inside', 'from:@alice:clientConfig:{}'],
    ['a clientConfig that is not an object', 'from:@alice:clientConfig:["3.0.57"]'],
    ['an unknown option', 'from:@alice:version:3.0.57'],
  ])('refuses %s with AT0003', (_case, line) => {
    expect(failure(() => from.parse(line))).toMatchObject(invalid);
  });
});

describe('cram (§5.2)', () => {
  const digest =
    'b5f2ab63a9b5d4e5c0b6a1d4f3e2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4';

  it('reads the hex digest and writes it back unchanged', () => {
    const line = `cram:${digest}`;
    expect(cram.parse(line)).toEqual({ verb: 'cram', digest });
    expect(cram.format(cram.parse(line))).toBe(line);
  });

  it('refuses a missing digest with AT0003 and the reference usage', () => {
    expect(failure(() => cram.parse('cram:'))).toMatchObject({
      code: 'AT0003',
      message: 'Invalid syntax. cram:<digest>',
    });
  });
});

describe('pkam (§5.3)', () => {
  it.each([
    // sdk-client-commands.md (every SDK) and §12.1: legacy PKAM, defaults left to the server.
    [`pkam:${signature}`, { verb: 'pkam', signature }],
    [
      `pkam:signingAlgo:rsa2048:hashingAlgo:sha256:enrollmentId:${enrollmentId}:${signature}`,
      { verb: 'pkam', signingAlgo: 'rsa2048', hashingAlgo: 'sha256', enrollmentId, signature },
    ],
    [
      `pkam:signingAlgo:ecc_secp256r1:hashingAlgo:sha256:${signature}`,
      { verb: 'pkam', signingAlgo: 'ecc_secp256r1', hashingAlgo: 'sha256', signature },
    ],
    [`pkam:hashingAlgo:sha512:${signature}`, { verb: 'pkam', hashingAlgo: 'sha512', signature }],
    [`pkam:enrollmentId:${enrollmentId}:${signature}`, { verb: 'pkam', enrollmentId, signature }],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(pkam.parse(line)).toEqual(expected);
    expect(pkam.format(pkam.parse(line))).toBe(line);
  });

  it('reads the algorithm names case-insensitively and writes them lowercase (§1.3)', () => {
    const command = pkam.parse(`pkam:SIGNINGALGO:RSA2048:HASHINGALGO:SHA512:${signature}`);
    expect(command).toEqual({ verb: 'pkam', signingAlgo: 'rsa2048', hashingAlgo: 'sha512', signature });
    expect(pkam.format(command)).toBe(`pkam:signingAlgo:rsa2048:hashingAlgo:sha512:${signature}`);
  });

  it('makes an unknown signingAlgo part of the signature, as the reference regex does', () => {
    const line = `pkam:signingAlgo:dsa:${signature}`;
    expect(pkam.parse(line)).toEqual({ verb: 'pkam', signature: `signingAlgo:dsa:${signature}` });
    expect(pkam.format(pkam.parse(line))).toBe(line);
  });

  it('refuses a missing signature with AT0003 and the reference usage', () => {
    expect(failure(() => pkam.parse('pkam:'))).toMatchObject({
      code: 'AT0003',
      message: 'Invalid syntax. pkam:<signature>',
    });
  });
});

describe('pol (§5.4)', () => {
  it('reads the bare verb and writes it back', () => {
    expect(pol.parse('pol')).toEqual({ verb: 'pol' });
    expect(pol.format(pol.parse('pol'))).toBe('pol');
  });

  it.each(['pol:', 'pol:@bob', 'poll'])('refuses %s with AT0003', (line) => {
    expect(failure(() => pol.parse(line))).toMatchObject({
      code: 'AT0003',
      message: 'Invalid syntax. syntax pol e.g pol',
    });
  });
});
