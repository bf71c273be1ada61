import { describe, expect, it } from 'vitest';
import type { PeerCertificate } from 'node:tls';
import { parseAddress } from '$server/atserver/outbound/peer-address';
import { certificateNames } from '$server/atserver/peer-certificate';

describe('parseAddress', () => {
  it.each([
    ['localhost:6465', { host: 'localhost', port: 6465 }],
    ['vip.ve.atsign.zone:25000', { host: 'vip.ve.atsign.zone', port: 25000 }],
    ['[::1]:6465', { host: '::1', port: 6465 }],
  ])('reads %s', (text, address) => expect(parseAddress(text, '@bob')).toEqual(address));

  it.each(['localhost', 'localhost:0', 'localhost:70000', ':6465'])('refuses %s with AT0007', (text) =>
    expect(() => parseAddress(text, '@bob')).toThrow(expect.objectContaining({ code: 'AT0007' })),
  );
});

describe('certificateNames', () => {
  it('lists the subject common name and every subjectAltName without its label', () => {
    const certificate = {
      subject: { CN: 'localhost' },
      subjectaltname: 'DNS:localhost, DNS:atstack.example, IP Address:127.0.0.1',
    } as unknown as PeerCertificate;
    expect(certificateNames(certificate)).toEqual(['localhost', 'localhost', 'atstack.example', '127.0.0.1']);
  });

  it('copes with a certificate without subjectAltNames', () => {
    expect(certificateNames({ subject: { CN: 'x.example' } } as unknown as PeerCertificate)).toEqual(['x.example']);
  });
});
