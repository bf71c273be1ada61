import { describe, expect, it } from 'vitest';
import { defaultGatewayPolicy, type GatewayPolicy } from '$server/config';
import { GatewayRefusal } from '$server/gateway/endings';
import { parseHostPort, TargetPolicy } from '$server/gateway/target-policy';

/** A resolver with fixed answers: the system resolver is not what these tests are about. */
const dns: Record<string, string[]> = {
  'vip.ve.atsign.zone': ['35.178.95.45'],
  'x.swarm0002.atsign.zone': ['2a05:d01c::1', '18.133.1.1'],
  'rebind.atsign.zone': ['35.178.95.45', '10.0.0.5'],
  'metadata.atsign.zone': ['169.254.169.254'],
  'mapped.atsign.zone': ['::ffff:127.0.0.1'],
  'loop.atsign.zone': ['127.0.0.1'],
  'empty.atsign.zone': [],
};
const resolveAll = async (host: string) => {
  const answer = dns[host];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer;
};
const policy = (overrides: Partial<GatewayPolicy> = {}) =>
  new TargetPolicy({ ...defaultGatewayPolicy, ...overrides }, resolveAll);

async function refusedWith(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof GatewayRefusal)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error.ending;
}

describe('TargetPolicy', () => {
  it('accepts a public atServer below an allowed suffix and hands out its vetted addresses', async () => {
    expect(await policy().vet('vip.ve.atsign.zone:1029')).toEqual({
      host: 'vip.ve.atsign.zone',
      port: 1029,
      addresses: ['35.178.95.45'],
    });
    expect((await policy().vet('X.Swarm0002.atsign.zone:6464')).addresses).toEqual(['2a05:d01c::1', '18.133.1.1']);
  });

  it('matches a suffix only below it, and a plain entry only exactly', () => {
    const p = policy({ atServerHosts: ['.atsign.zone', 'localhost'] });
    expect(p.allowsHost('a.atsign.zone')).toBe(true);
    expect(p.allowsHost('atsign.zone')).toBe(false);
    expect(p.allowsHost('evilatsign.zone')).toBe(false);
    expect(p.allowsHost('atsign.zone.evil.com')).toBe(false);
    expect(p.allowsHost('localhost')).toBe(true);
    expect(p.allowsHost('a.localhost')).toBe(false);
  });

  it('refuses a host off the allow-list before resolving it', async () => {
    expect(await refusedWith(policy().vet('evil.example.com:6464'))).toBe('targetNotAllowed');
  });

  it('refuses a port outside the allowed ranges', async () => {
    expect(await refusedWith(policy().vet('vip.ve.atsign.zone:22'))).toBe('targetNotAllowed');
    expect(await policy({ atServerPorts: [[22, 22]] }).vet('vip.ve.atsign.zone:22')).toMatchObject({ port: 22 });
  });

  it('refuses a directory answer that is not host:port', async () => {
    for (const answer of ['vip.ve.atsign.zone', 'vip.ve.atsign.zone:0', 'vip.ve.atsign.zone:70000', 'a b:1', '']) {
      expect(await refusedWith(policy().vet(answer))).toBe('targetNotAllowed');
    }
  });

  it.each([
    ['rebind.atsign.zone', 'one private address among public ones'],
    ['metadata.atsign.zone', 'the cloud metadata address'],
    ['mapped.atsign.zone', 'an IPv4-mapped loopback address'],
    ['loop.atsign.zone', 'loopback'],
  ])('refuses %s (%s) after DNS', async (host) => {
    expect(await refusedWith(policy().vet(`${host}:6464`))).toBe('addressNotAllowed');
  });

  it('refuses an IP literal of a refused class without resolving anything', async () => {
    const p = policy({ atServerHosts: ['10.0.0.5', '8.8.8.8'] });
    expect(await refusedWith(p.vet('10.0.0.5:6464'))).toBe('addressNotAllowed');
    expect((await p.vet('8.8.8.8:6464')).addresses).toEqual(['8.8.8.8']);
  });

  it('allows a class only when the operator lists it', async () => {
    expect((await policy({ allowedAddressClasses: ['loopback'] }).vet('loop.atsign.zone:6464')).addresses).toEqual([
      '127.0.0.1',
    ]);
    expect(await refusedWith(policy({ allowedAddressClasses: ['loopback'] }).vet('mapped.atsign.zone:6464'))).toBe(
      'addressNotAllowed',
    );
  });

  it('turns a name that does not resolve into targetUnreachable', async () => {
    expect(await refusedWith(policy().vet('nowhere.atsign.zone:6464'))).toBe('targetUnreachable');
    expect(await refusedWith(policy().vet('empty.atsign.zone:6464'))).toBe('targetUnreachable');
  });
});

describe('parseHostPort', () => {
  it('reads names, IPv4 and bracketed IPv6, lowercased without a trailing dot', () => {
    expect(parseHostPort('Vip.VE.atsign.zone.:1029')).toEqual({ host: 'vip.ve.atsign.zone', port: 1029 });
    expect(parseHostPort('10.0.0.1:64')).toEqual({ host: '10.0.0.1', port: 64 });
    expect(parseHostPort('[::1]:6464')).toEqual({ host: '::1', port: 6464 });
    expect(parseHostPort('::1:6464')).toBeNull();
  });
});
