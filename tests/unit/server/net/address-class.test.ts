import { describe, expect, it } from 'vitest';
import { classifyAddress, clientKey, parseIp } from '$server/net/address-class';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.20', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fc00::1', 'private'],
    ['fec0::1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    ['::ffff:7f00:1', 'ipv4Mapped'],
    ['::127.0.0.1', 'ipv4Mapped'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
  ] as const)('classifies %s as %s', (ip, kind) => expect(classifyAddress(ip)).toBe(kind));

  it.each(['8.8.8.8', '1.1.1.1', '35.178.95.45', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450::1'])(
    'classifies %s as public',
    (ip) => expect(classifyAddress(ip)).toBe('public'),
  );

  it('classifies a NAT64 address by the IPv4 address inside it', () => {
    expect(classifyAddress('64:ff9b::808:808')).toBe('public');
    expect(classifyAddress('64:ff9b::10.0.0.1')).toBe('private');
    expect(classifyAddress('64:ff9b::7f00:1')).toBe('loopback');
    expect(classifyAddress('64:ff9b:1::1')).toBe('private');
  });

  it('classifies a 6to4 address by the IPv4 address inside it', () => {
    expect(classifyAddress('2002:0808:0808::1')).toBe('public');
    expect(classifyAddress('2002:c0a8:0101::1')).toBe('private');
  });

  it('throws for something that is not an IP literal', () => {
    expect(() => classifyAddress('localhost')).toThrow('not an IP address');
    expect(() => classifyAddress('10.0.0.256')).toThrow();
  });
});

describe('parseIp', () => {
  it('expands IPv6 shorthand and a dotted IPv4 tail', () => {
    expect(Array.from(parseIp('::ffff:1.2.3.4')!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    expect(Array.from(parseIp('2001:db8::ff00:42:8329')!)).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0, 0x42, 0x83, 0x29,
    ]);
    expect(Array.from(parseIp('1::')!)).toEqual([0, 1, ...new Array(14).fill(0)]);
  });

  it('answers null for non-addresses', () => {
    for (const text of ['', 'example.com', '1.2.3', '1:2:3:4:5:6:7:8:9', '::g']) expect(parseIp(text)).toBeNull();
  });
});

describe('clientKey', () => {
  it('counts IPv4 addresses as they are, also when they arrive IPv4-mapped', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address under its /64', () => {
    expect(clientKey('2001:db8:1:2:aa:bb:cc:dd')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });
});
