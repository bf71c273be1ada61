/**
 * Benchmark servers run as children of `npm run bench`. They stop on SIGTERM/SIGINT and also when their stdin
 * closes, which happens when the bench process dies, so no server outlives a crashed or killed bench.
 */

/**
 * Runs `stop` once, on SIGTERM, SIGINT or the end of stdin, then exits (so `--cpu-prof` writes its profile).
 *
 * @example exitWithParent(() => host.close());
 */
export function exitWithParent(stop: () => Promise<void>): void {
  let stopping = false;
  const exit = () => {
    if (stopping) return;
    stopping = true;
    const forced = setTimeout(() => process.exit(1), 5_000);
    forced.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  process.stdin.on('end', exit);
  process.stdin.resume();
}
