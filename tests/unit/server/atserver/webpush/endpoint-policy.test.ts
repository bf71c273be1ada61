import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { defaultPushHosts } from '$server/config';
import { PushEndpointPolicy } from '$server/atserver/webpush/endpoint-policy';
import { failure } from '../../../../support/at-error';

const policy = new PushEndpointPolicy({ pushHosts: defaultPushHosts, allowedAddressClasses: [] });

/** Resolves `host` through the policy's lookup, as a socket would (`all`, as with autoSelectFamily). */
const resolve = (subject: PushEndpointPolicy, host: string) =>
  new Promise<LookupAddress[]>((done, fail) =>
    subject.lookup(host, { all: true }, (error, addresses) =>
      error ? fail(error) : done(addresses as LookupAddress[]),
    ),
  );

describe('push endpoint policy', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/abc',
    'https://updates.push.services.mozilla.com/wpush/v2/abc',
    'https://web.push.apple.com/QGx',
    'https://db5p.notify.windows.com/w/?token=abc',
  ])('allows the browsers push services: %s', (endpoint) => {
    expect(() => policy.check(endpoint)).not.toThrow();
  });

  it.each([
    ['another host', 'https://fcm.googleapis.com.evil.example/x', 'fcm.googleapis.com.evil.example'],
    ['a look-alike', 'https://evil-fcm.googleapis.com/x', 'evil-fcm.googleapis.com'],
    ['the bare suffix', 'https://push.apple.com/x', 'push.apple.com'],
    ['an IP literal', 'https://169.254.169.254/latest', '169.254.169.254'],
    ['an IPv6 literal', 'https://[::1]/x', '::1'],
    ['http', 'http://fcm.googleapis.com/x', 'fcm.googleapis.com'],
  ])('refuses %s with AT0003', (_, endpoint, host) => {
    const error = failure(() => policy.check(endpoint));
    expect(error.code).toBe('AT0003');
    expect(error.message).toBe(`push service ${host} is not allowed`);
  });

  it('refuses a listed IP literal of a refused address class', () => {
    const listed = new PushEndpointPolicy({ pushHosts: ['10.0.0.7'], allowedAddressClasses: [] });
    expect(failure(() => listed.check('https://10.0.0.7/x')).message).toBe(
      'push service 10.0.0.7 is a private address',
    );
  });

  it('fails the lookup of a name that resolves to loopback unless loopback is allowed', async () => {
    await expect(resolve(policy, 'localhost')).rejects.toMatchObject({ code: 'EPUSHADDRESS' });
    const loopback = new PushEndpointPolicy({ pushHosts: ['localhost'], allowedAddressClasses: ['loopback'] });
    expect((await resolve(loopback, 'localhost')).length).toBeGreaterThan(0);
  });
});
