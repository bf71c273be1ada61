import { describe, expect, it } from 'vitest';
import { scan } from '$lib/at/verbs/scan';
import { failure } from '../../../../support/at-error';

describe('scan (atprotocol.md §5.10)', () => {
  const invalid = { code: 'AT0003', message: 'Invalid syntax. scan' };

  it.each([
    // §12.2
    ['scan', { verb: 'scan' }],
    ['scan .wavi', { verb: 'scan', regex: '.wavi' }],
    ['scan:showhidden:true', { verb: 'scan', showHidden: true }],
    ['scan:showhidden:false', { verb: 'scan', showHidden: false }],
    ['scan:@bob', { verb: 'scan', forAtSign: '@bob' }],
    ['scan:@bob phone.*', { verb: 'scan', forAtSign: '@bob', regex: 'phone.*' }],
    ['scan:page:2', { verb: 'scan', page: 2 }],
    [
      'scan:showhidden:true:@bob:page:0 ^_.*@alice$',
      { verb: 'scan', showHidden: true, forAtSign: '@bob', page: 0, regex: '^_.*@alice$' },
    ],
  ])('reads %s and writes it back unchanged', (line, expected) => {
    expect(scan.parse(line)).toEqual(expected);
    expect(scan.format(scan.parse(line))).toBe(line);
  });

  it('keeps the @ of forAtSign, as the reference group does', () => {
    expect(scan.parse('scan:@bob').forAtSign).toBe('@bob');
  });

  it('leaves an invalid regex such as [ for the handler to refuse with AT0011 (§1.6)', () => {
    expect(scan.parse('scan [')).toEqual({ verb: 'scan', regex: '[' });
  });

  it('reads showhidden case-insensitively and writes it lowercase (§1.3)', () => {
    const command = scan.parse('scan:SHOWHIDDEN:TRUE');
    expect(command).toEqual({ verb: 'scan', showHidden: true });
    expect(scan.format(command)).toBe('scan:showhidden:true');
  });

  it('answers any line that ends in scan as a plain scan, as the unanchored second alternative does', () => {
    expect(scan.parse('scan:bogus scan')).toEqual({ verb: 'scan' });
  });

  it.each([
    ['scan@', 'scan@'],
    ['text glued to the verb', 'scanfoo'],
    ['a regex with a space, which is one token', 'scan .a .b'],
    ['a forAtSign without @', 'scan:bob'],
    ['a showhidden value other than true or false', 'scan:showhidden:yes'],
    ['a page that is not a number', 'scan:page:two'],
    ['the options out of order', 'scan:@bob:showhidden:true'],
  ])('refuses %s with AT0003 and the reference usage', (_case, line) => {
    expect(failure(() => scan.parse(line))).toMatchObject(invalid);
  });
});
