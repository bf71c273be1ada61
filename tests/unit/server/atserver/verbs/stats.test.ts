import { describe, expect, it } from 'vitest';
import { formatDiskSize } from '$server/atserver/verbs/stats';

describe('formatDiskSize (stats:9, the reference formatBytes with 2 decimals)', () => {
  it.each([
    [0, '{"size":"0","unit":"B"}'],
    [512, '{"size":"512.00","units":"B"}'],
    [1536, '{"size":"1.50","units":"KB"}'],
    [1_290_000, '{"size":"1.23","units":"MB"}'],
    [5 * 1024 ** 3, '{"size":"5.00","units":"GB"}'],
  ])('writes %i bytes as %s', (bytes, text) => expect(formatDiskSize(bytes)).toBe(text));
});
