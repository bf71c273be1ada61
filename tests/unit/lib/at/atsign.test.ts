import { describe, expect, it } from 'vitest';
import { atSignMessages, fixAtSign, formatAtSign, isValidAtSign, toDirectoryForm } from '$lib/at/atsign';
import { failure } from '../../../support/at-error';

describe('fixAtSign', () => {
  it.each([
    ['@BOB', '@bob'],
    ['randomFlex', '@randomflex'],
    ['@colin.constable', '@colinconstable'],
    ['colin.constable', '@colinconstable'],
    ['@alice', '@alice'],
    ['@alice🛠', '@alice🛠'],
    ['Alice🛠', '@alice🛠'],
    ['@☎️_0002', '@☎️_0002'],
    ['@jagann_a-d_h', '@jagann_a-d_h'],
  ])('normalises %s to %s', (input, expected) => {
    expect(fixAtSign(input)).toBe(expected);
  });

  it('leaves an already normalised atSign unchanged', () => {
    expect(fixAtSign(fixAtSign('@Colin.Constable'))).toBe('@colinconstable');
  });

  it('answers the same on every call, for the forms it remembers and the long ones it does not', () => {
    const long = `@${'B'.repeat(200)}`;
    for (let call = 0; call < 3; call += 1) {
      expect(fixAtSign('@Alice')).toBe('@alice');
      expect(fixAtSign('alice')).toBe('@alice');
      expect(fixAtSign(long)).toBe(long.toLowerCase());
    }
  });

  it('refuses an invalid atSign on every call, not only the first', () => {
    for (let call = 0; call < 3; call += 1) {
      expect(failure(() => fixAtSign('@b ob')).message).toBe(atSignMessages.whiteSpaceNotAllowed);
    }
  });

  it('imposes no length limit of its own', () => {
    expect(fixAtSign('a'.repeat(300))).toBe(`@${'a'.repeat(300)}`);
  });

  it.each([
    ['', atSignMessages.noAtSign],
    ['@', atSignMessages.noAtSign],
    ['@...', atSignMessages.noAtSign],
    ['@bob@alice', atSignMessages.moreThanOneAt],
    ['phone@', atSignMessages.moreThanOneAt],
    ['@b ob', atSignMessages.whiteSpaceNotAllowed],
    ['@bob\t', atSignMessages.whiteSpaceNotAllowed],
    ['@bob\u00a0', atSignMessages.whiteSpaceNotAllowed],
    ['@bob\u3000', atSignMessages.whiteSpaceNotAllowed],
    ['@U+237E', atSignMessages.reservedCharacterUsed],
    ['@U+', atSignMessages.reservedCharacterUsed],
    ['@!', atSignMessages.reservedCharacterUsed],
    ['@b*b', atSignMessages.reservedCharacterUsed],
    ['@alice:bob', atSignMessages.reservedCharacterUsed],
    ['@a/b', atSignMessages.reservedCharacterUsed],
    ['@a#b', atSignMessages.reservedCharacterUsed],
    ['@a{b}', atSignMessages.reservedCharacterUsed],
    ['@a`b', atSignMessages.reservedCharacterUsed],
    ['@\u2400', atSignMessages.controlCharacter],
    ['@\u2425', atSignMessages.controlCharacter],
    ['@\u0019', atSignMessages.controlCharacter],
    ['@bob\u007f', atSignMessages.controlCharacter],
  ])('rejects %j with AT0011 "%s" and closes the connection', (input, message) => {
    const error = failure(() => fixAtSign(input));
    expect(error.code).toBe('AT0011');
    expect(error.message).toBe(message);
    expect(error.closesConnection).toBe(true);
  });

  it('checks reserved characters before whitespace, as the reference does', () => {
    expect(failure(() => fixAtSign('@a b!')).message).toBe(atSignMessages.reservedCharacterUsed);
  });

  it('writes the reserved-character message exactly as the Dart string literal evaluates', () => {
    expect(atSignMessages.reservedCharacterUsed).toBe("invalid @sign: Cannot contain !*'`();:&=+$,/?#[]{} characters");
  });
});

describe('formatAtSign', () => {
  it('adds a missing @ and nothing else', () => {
    expect(formatAtSign('Alice')).toBe('@Alice');
    expect(formatAtSign('@bob')).toBe('@bob');
    expect(formatAtSign('')).toBe('');
  });
});

describe('isValidAtSign', () => {
  it('accepts emoji atSigns and refuses reserved characters', () => {
    expect(isValidAtSign('@alice🛠')).toBe(true);
    expect(isValidAtSign('@ali,ce')).toBe(false);
  });
});

describe('toDirectoryForm', () => {
  it('drops the @ of the normalised atSign, as clients ask the atDirectory', () => {
    expect(toDirectoryForm('@Alice🛠')).toBe('alice🛠');
    expect(toDirectoryForm('colin.constable')).toBe('colinconstable');
  });

  it('refuses an invalid atSign with AT0011', () => {
    expect(failure(() => toDirectoryForm('@a b')).code).toBe('AT0011');
  });
});
