import { describe, expect, it } from 'vitest';
import { normaliseCommand } from '$server/atserver/dispatch';

describe('normaliseCommand', () => {
  it('lowercases the verb and drops its spaces, leaving everything after the first colon as sent', () => {
    expect(normaliseCommand('LLOOKUP:Phone@Alice')).toBe('llookup:Phone@Alice');
    expect(normaliseCommand('Up Date:Key@alice A Value')).toBe('update:Key@alice A Value');
  });

  it('lowercases a line without a colon whole', () => {
    expect(normaliseCommand('SCAN')).toBe('scan');
    expect(normaliseCommand('Info brief')).toBe('info brief');
  });

  it('gives back a line that is already normal as it is', () => {
    const line = `update:big@alice ${'X'.repeat(1000)}`;
    expect(normaliseCommand(line)).toBe(line);
  });
});
