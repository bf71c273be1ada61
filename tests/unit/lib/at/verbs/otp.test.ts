import { describe, expect, it } from 'vitest';
import { otp } from '$lib/at/verbs/otp';
import { failure } from '../../../../support/at-error';

describe('otp (atprotocol.md §7.4)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. otp:get or otp:validate:<otp>' };

  it.each([
    ['otp:get', { verb: 'otp', operation: 'get' }],
    ['otp:get:ttl:600000', { verb: 'otp', operation: 'get', ttl: 600000 }],
    ['otp:put:AB12CD', { verb: 'otp', operation: 'put', otp: 'AB12CD' }],
    ['otp:put:my_spp_2024:ttl:86400000', { verb: 'otp', operation: 'put', otp: 'my_spp_2024', ttl: 86400000 }],
    ['otp:get:ttl:0', { verb: 'otp', operation: 'get', ttl: 0 }],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(otp.parse(line)).toEqual(expected);
    expect(otp.format(otp.parse(line))).toBe(line);
  });

  it('lets otp:put go without a passcode, leaving the refusal to the handler', () => {
    expect(otp.parse('otp:put')).toEqual({ verb: 'otp', operation: 'put' });
    expect(otp.parse('otp:put:ttl:1000')).toEqual({ verb: 'otp', operation: 'put', ttl: 1000 });
  });

  it('keeps the passcode as written and reads the words case-insensitively (§1.3)', () => {
    const command = otp.parse('otp:PUT:MySpp1:TTL:5000');
    expect(command).toEqual({ verb: 'otp', operation: 'put', otp: 'MySpp1', ttl: 5000 });
    expect(otp.format(command)).toBe('otp:put:MySpp1:ttl:5000');
  });

  it.each([
    ['a passcode after get', 'otp:get:AB12CD'],
    ['a passcode shorter than 6 characters', 'otp:put:AB12C'],
    ['a passcode with a character outside \\w', 'otp:put:AB-12CD'],
    ['the validate operation its own usage text names', 'otp:validate:AB12CD'],
    ['a negative ttl', 'otp:get:ttl:-1'],
    ['no operation', 'otp:'],
    ['the ttl before the passcode', 'otp:put:ttl:1000:AB12CD'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => otp.parse(line))).toMatchObject(invalid);
  });
});
