/**
 * What kind of address an IP literal is: public, or one of the classes refused by default (loopback, private,
 * link-local, CGNAT, multicast, IPv4-mapped, unspecified, reserved). The gateway checks every address DNS
 * gives for an atServer host against this before it connects, and the atServers every address of a push
 * service, so a directory entry, a subscription or a DNS answer cannot point them at their own network.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { AddressClass } from '../config';

/** An address's class, or `public` for a routable unicast address. */
export type AddressKind = AddressClass | 'public';

interface Range {
  readonly prefix: Uint8Array;
  readonly bits: number;
  readonly kind: AddressKind | 'embeddedIpv4';
}

const v4 = (cidr: string, kind: AddressKind): Range => {
  const [address = '', bits = '32'] = cidr.split('/');
  return { prefix: parseIpv4(address)!, bits: Number(bits), kind };
};
const v6 = (cidr: string, kind: Range['kind']): Range => {
  const [address = '', bits = '128'] = cidr.split('/');
  return { prefix: parseIpv6(address)!, bits: Number(bits), kind };
};

/** IPv4 special-purpose ranges (IANA registry, RFC 6890 and successors). Anything else is public. */
const ipv4Ranges: readonly Range[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'linkLocal'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

/**
 * IPv6 ranges, most specific first. Only 2000::/3 is global unicast; what falls outside it and outside this
 * table is reserved. NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses carry an IPv4 address, which is
 * classified instead, so an IPv6-only deployment behind DNS64 still reaches public atServers and never a
 * private one.
 */
const ipv4MappedRange = v6('::ffff:0:0/96', 'ipv4Mapped');
const ipv6Ranges: readonly Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  ipv4MappedRange,
  // IPv4-compatible (deprecated): the same smuggling risk as a mapped address.
  v6('::/96', 'ipv4Mapped'),
  v6('64:ff9b::/96', 'embeddedIpv4'),
  v6('64:ff9b:1::/48', 'private'),
  v6('100::/64', 'reserved'),
  v6('2001:db8::/32', 'reserved'),
  // Teredo hides its IPv4 address (obfuscated); nothing an atServer needs.
  v6('2001::/32', 'reserved'),
  v6('2002::/16', 'embeddedIpv4'),
  v6('fc00::/7', 'private'),
  v6('fe80::/10', 'linkLocal'),
  v6('fec0::/10', 'private'),
  v6('ff00::/8', 'multicast'),
  v6('2000::/3', 'public'),
];

function parseIpv4(text: string): Uint8Array | null {
  if (!isIPv4(text)) return null;
  return Uint8Array.from(text.split('.'), Number);
}

function parseIpv6(text: string): Uint8Array | null {
  const address = text.replace(/%.*$/, '');
  if (!isIPv6(address)) return null;
  const bytes = new Uint8Array(16);
  let body = address;
  // A dotted IPv4 tail (`::ffff:10.0.0.1`) fills the last 32 bits.
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    bytes.set(parseIpv4(dotted[1]!)!, 12);
    body = body.slice(0, dotted.index + 1) + '0:0';
  }
  const [head = '', tail] = body.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  words.forEach((word, i) => {
    if (dotted && i >= 6) return;
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** The bytes of an IPv4 (4) or IPv6 (16) literal, or null for anything else. A zone (`%eth0`) is ignored. */
export function parseIp(text: string): Uint8Array | null {
  return parseIpv4(text) ?? parseIpv6(text);
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  const whole = range.bits >> 3;
  for (let i = 0; i < whole; i += 1) if (bytes[i] !== range.prefix[i]) return false;
  const rest = range.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[whole] ?? 0) & mask) === ((range.prefix[whole] ?? 0) & mask);
}

function classifyBytes(bytes: Uint8Array): AddressKind {
  if (bytes.length === 4) {
    const kind = ipv4Ranges.find((range) => inRange(bytes, range))?.kind ?? 'public';
    return kind === 'embeddedIpv4' ? 'reserved' : kind;
  }
  const range = ipv6Ranges.find((candidate) => inRange(bytes, candidate));
  if (!range) return 'reserved';
  if (range.kind !== 'embeddedIpv4') return range.kind;
  // NAT64 keeps the IPv4 address in the last 32 bits, 6to4 in bits 16–47.
  const embedded = range.bits === 96 ? bytes.subarray(12, 16) : bytes.subarray(2, 6);
  return classifyBytes(embedded);
}

/**
 * Classifies an IP literal.
 *
 * @throws Error when `ip` is not an IP literal.
 * @example
 * classifyAddress('10.1.2.3');          // 'private'
 * classifyAddress('::ffff:8.8.8.8');    // 'ipv4Mapped'
 * classifyAddress('64:ff9b::a00:1');    // 'private' (NAT64 of 10.0.0.1)
 * classifyAddress('2606:4700::1111');   // 'public'
 */
export function classifyAddress(ip: string): AddressKind {
  const bytes = parseIp(ip);
  if (!bytes) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  return classifyBytes(bytes);
}

/**
 * Whether a connection to `ip` is allowed: a public address, or one of the `allowed` classes.
 *
 * @example addressAllowed('127.0.0.1', new Set(['loopback'])) // true
 * @example addressAllowed('10.0.0.1', new Set()) // false
 */
export function addressAllowed(ip: string, allowed: ReadonlySet<AddressClass>): boolean {
  const kind = classifyAddress(ip);
  return kind === 'public' || allowed.has(kind);
}

/**
 * The key per-address limits count under: an IPv4 address (also when it arrives IPv4-mapped, as on a dual-stack
 * listener), or the /64 of an IPv6 address, since one IPv6 client usually holds a whole /64.
 *
 * @example
 * clientKey('::ffff:203.0.113.7');      // '203.0.113.7'
 * clientKey('2001:db8:1:2:aa:bb:cc:dd'); // '2001:db8:1:2::/64'
 */
export function clientKey(address: string): string {
  const bytes = parseIp(address);
  if (!bytes) return address;
  if (bytes.length === 4) return address;
  if (inRange(bytes, ipv4MappedRange)) return Array.from(bytes.subarray(12), String).join('.');
  const words = [0, 1, 2, 3].map((i) => ((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!).toString(16));
  return `${words.join(':')}::/64`;
}
