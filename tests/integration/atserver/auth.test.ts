import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cramDigest } from '$lib/crypto/cram';
import { startStack, type Stack } from './harness';

describe('owner authentication with from and cram', () => {
  let stack: Stack;
  let secret: string;
  beforeAll(async () => {
    stack = await startStack();
    secret = (await stack.create('@alice')).cramSecret;
  });
  afterAll(() => stack.stop());

  it('writes @ on connect and answers from with the session challenge', async () => {
    const alice = await stack.connect('@alice');
    const exact = await alice.sendExact('from:@alice');
    expect(exact).toMatch(/^data:_[0-9a-f-]{36}@alice:[0-9a-f-]{36}\n@$/);
  });

  it('accepts the CRAM digest of the challenge and switches to the owner prompt', async () => {
    const alice = await stack.connect('@alice');
    const challenge = (await alice.send('from:@alice')).slice(5);
    const exact = await alice.sendExact(`cram:${await cramDigest(secret, challenge)}`);
    expect(exact).toBe('data:success\n@alice@');
  });

  it('refuses a wrong digest with AT0401 and keeps the connection open', async () => {
    const alice = await stack.connect('@alice');
    await alice.send('from:@alice');
    expect(await alice.send('cram:00')).toBe('error:AT0401-Exception: Authentication Failed');
    expect(await alice.send('info:brief')).toMatch(/^data:\{"version":"3\.0\.52/);
  });

  it('refuses cram without a from on the connection', async () => {
    const alice = await stack.connect('@alice');
    expect(await alice.send(`cram:${await cramDigest(secret, 'x')}`)).toMatch(/^error:AT0401-/);
  });

  it('refuses a challenge answered after its 60 seconds', async () => {
    const alice = await stack.connect('@alice');
    const challenge = (await alice.send('from:@alice')).slice(5);
    stack.clock.advance(60_001);
    expect(await alice.send(`cram:${await cramDigest(secret, challenge)}`)).toMatch(/^error:AT0401-/);
  });

  it('answers JSON errors once the client announced a version above 3.0.37', async () => {
    const alice = await stack.connect('@alice');
    await alice.send('from:@alice:clientConfig:{"version":"3.0.57"}');
    expect(await alice.send('cram:00')).toBe(
      'error:{"errorCode":"AT0401","errorDescription":"Exception: Authentication Failed"}',
    );
  });

  it('refuses from:@bob from a client without a certificate', async () => {
    // @bob must be known to the atDirectory: for an unknown atSign `from` answers AT0007 first.
    await stack.create('@bob');
    const alice = await stack.connect('@alice');
    expect(await alice.send('from:@bob')).toBe('error:AT0401-Exception: Certificate Verification Failed');
  });

  it('closes the connection on an invalid atSign in from', async () => {
    const alice = await stack.connect('@alice');
    expect(await alice.send('from:@al!ce')).toMatch(/^error:AT0011-/);
    await alice.raw.closed;
  });

  it('refuses pkam when no PKAM key was stored, with AT0015', async () => {
    const alice = await stack.connect('@alice');
    await alice.send('from:@alice');
    expect(await alice.send('pkam:AAAA')).toBe(
      'error:AT0015-Exception: privatekey:at_pkam_publickey does not exist in keystore',
    );
  });

  it('answers an unknown command with invalid command', async () => {
    const alice = await stack.connect('@alice');
    expect(await alice.send('frobnicate:x')).toBe('error:AT0003-Exception: invalid command');
  });
});
