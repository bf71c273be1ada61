import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apkamConnection,
  encryptedDefaultKeys,
  enrollmentIdOf,
  newDeviceKeys,
  onboardFirstDevice,
  otpEnrollRequest,
} from './apkam';
import { startStack, type Stack, type TestConnection } from './harness';

describe('keys', () => {
  let stack: Stack;
  let owner: Awaited<ReturnType<typeof onboardFirstDevice>>;
  /** Authenticated with the first enrollment (`__manage` rw and `*`). */
  let manager: TestConnection;
  /** Authenticated with a second enrollment that holds only `wavi`. */
  let wavi: TestConnection;
  let waviId: string;
  const publicKeyName = 'public:encryptionpublickey.__public_keys.__global@alice';

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
    owner = await onboardFirstDevice(stack, '@alice');
    manager = await apkamConnection(stack, '@alice', owner.device, owner.enrollmentId);
    const otp = (await owner.owner.send('otp:get')).slice('data:'.length);
    const device = await newDeviceKeys();
    const stranger = await stack.connect('@alice');
    const request = await otpEnrollRequest(owner.keys.encryption.publicKey, device, {
      appName: 'wavi',
      deviceName: 'phone',
      namespaces: { wavi: 'rw' },
      otp,
    });
    waviId = enrollmentIdOf(await stranger.send(request));
    const defaults = await encryptedDefaultKeys(owner.keys, owner.device);
    await owner.owner.send(`enroll:approve:${JSON.stringify({ enrollmentId: waviId, ...defaults })}`);
    wavi = await apkamConnection(stack, '@alice', device, waviId);
  });
  afterAll(() => stack.stop());

  it('refuses an unauthenticated connection with AT0401', async () => {
    const stranger = await stack.connect('@alice');
    expect(await stranger.send('keys:get:public')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth',
    );
  });

  it('refuses a connection authenticated without an enrollment', async () => {
    await stack.create('@bob');
    const bob = await stack.owner('@bob');
    expect(await bob.send('keys:get:public')).toBe(
      'error:AT0011-Internal server exception : Keys verb cannot be accessed without an enrollmentId',
    );
    expect(await bob.send('noop:0')).toBe('data:ok');
  });

  it('stores a public key uncommitted and reads it back by name', async () => {
    expect(
      await manager.send('keys:put:public:namespace:__global:keyType:rsa2048:keyName:encryptionPublicKey MIIBIjAN'),
    ).toBe('data:-1');
    expect(await manager.send(`keys:get:keyName:${publicKeyName}`)).toBe(
      `data:{"value":"MIIBIjAN","keyType":"rsa2048","enrollmentId":"${owner.enrollmentId}","encryptionKeyName":null}`,
    );
  });

  it('lists the keys of a visibility that belong to the connection’s own enrollment', async () => {
    expect(await manager.send('keys:get:public')).toBe(`data:["${publicKeyName}"]`);
    expect(await wavi.send('keys:get:public')).toBe('data:[]');
  });

  it('names private and self keys by app and device, and lists them with the enrollment’s default key', async () => {
    const put = (visibility: string, name: string) =>
      manager.send(
        `keys:put:${visibility}:namespace:__global:appName:wavi:deviceName:pixel:keyType:aes256:encryptionKeyName:apkamSymmetricKey:keyName:${name} c2VjcmV0`,
      );
    expect(await put('private', 'vault')).toBe('data:-1');
    expect(await put('self', 'notes')).toBe('data:-1');
    expect(await manager.send('keys:get:private')).toBe(
      `data:["private:wavi.pixel.vault.__private_keys.__global@alice","${owner.enrollmentId}.default_enc_private_key.__manage@alice"]`,
    );
    expect(await manager.send('keys:get:self')).toBe(
      `data:["wavi.pixel.notes.__self_keys.__global@alice","${owner.enrollmentId}.default_self_enc_key.__manage@alice"]`,
    );
    expect(await manager.send('keys:get:keyName:wavi.pixel.notes.__self_keys.__global@alice')).toBe(
      `data:{"value":"c2VjcmV0","keyType":"aes256","enrollmentId":"${owner.enrollmentId}","encryptionKeyName":"apkamSymmetricKey"}`,
    );
  });

  it('gives a second enrollment its own default keys', async () => {
    expect(await wavi.send('keys:get:private')).toBe(`data:["${waviId}.default_enc_private_key.__manage@alice"]`);
  });

  it('deletes a key by name, uncommitted, after which it is not found', async () => {
    await manager.send('keys:put:public:namespace:__global:keyType:rsa2048:keyName:old MIIB');
    expect(await manager.send('keys:delete:keyName:public:old.__public_keys.__global@alice')).toBe('data:-1');
    expect(await manager.send('keys:get:keyName:public:old.__public_keys.__global@alice')).toBe(
      'error:AT0015-key not found : key public:old.__public_keys.__global@alice not found in keystore',
    );
  });

  it('answers data:null to a put without visibility and data:[] to a get without one', async () => {
    expect(await manager.send('keys:put:namespace:__global:keyType:rsa2048:keyName:nowhere x')).toBe('data:null');
    expect(await manager.send('keys:get')).toBe('data:[]');
  });

  it('does not reach keys other than APKAM key material by name', async () => {
    expect(await manager.send('keys:get:keyName:privatekey:at_secret')).toBe(
      'error:AT0015-key not found : key privatekey:at_secret not found in keystore',
    );
    expect(await wavi.send('keys:get:keyName:@alice:signing_privatekey@alice')).toBe(
      'error:AT0015-key not found : key @alice:signing_privatekey@alice not found in keystore',
    );
    expect(await wavi.send('keys:delete:keyName:public:signing_publickey@alice')).toBe('data:-1');
    expect(await stack.connect('@alice').then((c) => c.send('lookup:signing_publickey@alice'))).toMatch(/^data:MIIB/);
  });

  it('refuses an enrollment that is no longer approved', async () => {
    await owner.owner.send(`enroll:deny:{"enrollmentId":"${waviId}"}`);
    expect(await wavi.send('keys:get:public')).toBe(
      `error:AT0011-Internal server exception : Enrollment Id ${waviId} is not approved. current state: denied`,
    );
  });
});
