/**
 * How fast this machine is right now. It is shared: other tenants slow it down by a third or more for minutes at a
 * time, without any steal time showing, and every figure moves with it. The bench times a fixed piece of pure
 * computation around each suite, so that figures are compared only between runs on a machine in the same state.
 */

/** Milliseconds a fixed loop of integer arithmetic takes on this thread. */
export function fixedLoopMs(): number {
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < 300_000_000; i += 1) sum += i % 7;
  // Used, so that the loop cannot be optimised away.
  if (sum < 0) throw new Error('unreachable');
  return performance.now() - start;
}
