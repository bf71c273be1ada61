import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apkamConnection,
  encryptedDefaultKeys,
  enrollmentIdOf,
  newDeviceKeys,
  onboardFirstDevice,
  otpEnrollRequest,
  type DeviceKeys,
} from './apkam';
import { startStack, type Stack } from './harness';

type Owner = Awaited<ReturnType<typeof onboardFirstDevice>>;

describe('otp', () => {
  let stack: Stack;
  let owner: Owner;
  let device: DeviceKeys;
  let devices = 0;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    owner = await onboardFirstDevice(stack, '@alice');
    device = await newDeviceKeys();
  });
  afterAll(() => stack.stop());

  /**
   * A new device's enroll:request with `passcode` on a fresh unauthenticated connection. An invalid
   * passcode is answered after the growing delay, so the clock is moved past its 55 s cap.
   */
  async function enrollWith(passcode: string): Promise<string> {
    devices += 1;
    const stranger = await stack.connect('@alice');
    const sleeping = stack.clock.sleeping;
    let answered = false;
    const answer = stranger
      .send(
        await otpEnrollRequest(owner.keys.encryption.publicKey, device, {
          appName: 'wavi',
          deviceName: `device${devices}`,
          namespaces: { wavi: 'rw' },
          otp: passcode,
        }),
      )
      .finally(() => (answered = true));
    while (!answered && stack.clock.sleeping === sleeping) await new Promise((resolve) => setImmediate(resolve));
    if (!answered) stack.clock.advance(55_000);
    return answer;
  }

  const pending = /^data:\{"enrollmentId":"[0-9a-f-]{36}","status":"pending"\}$/;
  const invalid = 'error:AT0011-Exception: invalid otp. Cannot process enroll request';
  const passcode = async (line = 'otp:get') => (await owner.owner.send(line)).slice('data:'.length);

  it('issues a 6-character OTP holding a digit and neither 0 nor O', async () => {
    for (let i = 0; i < 20; i++) {
      const answer = await owner.owner.send('otp:get');
      expect(answer).toMatch(/^data:[1-9A-NP-Z]{6}$/);
      expect(answer.slice(5)).toMatch(/\d/);
    }
  });

  it('refuses an unauthenticated connection with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('otp:get')).toBe('error:AT0401-Exception: Command cannot be executed without auth');
  });

  it('opens one enroll:request and is used up by it', async () => {
    const otp = await passcode();
    expect(await enrollWith(otp)).toMatch(pending);
    expect(await enrollWith(otp)).toBe(invalid);
  });

  it('is compared without regard to case', async () => {
    expect(await enrollWith((await passcode()).toLowerCase())).toMatch(pending);
  });

  it('expires after 5 minutes', async () => {
    const otp = await passcode();
    stack.clock.advance(300_001);
    expect(await enrollWith(otp)).toBe(invalid);
  });

  it('lives as long as the ttl given in milliseconds', async () => {
    const short = await passcode('otp:get:ttl:1000');
    const long = await passcode('otp:get:ttl:600000');
    stack.clock.advance(1_001);
    expect(await enrollWith(short)).toBe(invalid);
    expect(await enrollWith(long)).toMatch(pending);
  });

  it('keeps a semi-permanent passcode set with otp:put for many requests', async () => {
    expect(await owner.owner.send('otp:put:MySpp123')).toBe('data:ok');
    expect(await enrollWith('MySpp123')).toMatch(pending);
    expect(await enrollWith('myspp123')).toMatch(pending);
    stack.clock.advance(7 * 86_400_000);
    expect(await enrollWith('MYSPP123')).toMatch(pending);
  });

  it('lets a semi-permanent passcode expire when put with a ttl', async () => {
    expect(await owner.owner.send('otp:put:Brief123:ttl:1000')).toBe('data:ok');
    stack.clock.advance(1_001);
    expect(await enrollWith('Brief123')).toBe(invalid);
  });

  it('does not take the text "spp" for the semi-permanent passcode', async () => {
    expect(await owner.owner.send('otp:put:Guarded1')).toBe('data:ok');
    expect(await enrollWith('spp')).toBe(invalid);
    expect(await enrollWith('Guarded1')).toMatch(pending);
  });

  it('closes the connection on otp:put without a passcode', async () => {
    const cram = await stack.owner('@alice');
    expect(await cram.send('otp:put')).toBe(
      'error:AT0011-Internal server exception : Exception: otp:put requires a passcode',
    );
    await cram.raw.closed;
  });

  it('closes the connection of an enrollment without __manage that tries otp:put', async () => {
    const otp = await passcode();
    const stranger = await stack.connect('@alice');
    const answer = await stranger.send(
      await otpEnrollRequest(owner.keys.encryption.publicKey, device, {
        appName: 'buzz',
        deviceName: 'phone',
        namespaces: { buzz: 'rw' },
        otp,
      }),
    );
    const id = enrollmentIdOf(answer);
    const defaults = await encryptedDefaultKeys(owner.keys, owner.device);
    await owner.owner.send(`enroll:approve:${JSON.stringify({ enrollmentId: id, ...defaults })}`);
    const buzz = await apkamConnection(stack, '@alice', device, id);
    expect(await buzz.send('otp:get')).toMatch(/^data:[1-9A-NP-Z]{6}$/);
    expect(await buzz.send('otp:put:Stolen123')).toBe(
      'error:AT0011-Internal server exception : Exception: Client not allowed to not store semi permanent pass code',
    );
    await buzz.raw.closed;
  });

  it('answers a passcode after otp:get with invalid syntax', async () => {
    expect(await owner.owner.send('otp:get:ABC123')).toBe(
      'error:AT0003-Invalid syntax : Invalid syntax. otp:get or otp:validate:<otp>',
    );
  });
});
