/**
 * A benchmark suite for `npm run bench`: one module per area (crypto now; atServer and atDirectory later), listed
 * in `tests/bench/run.ts`. A suite prints figures and never asserts on them.
 */
export interface BenchSuite {
  /** The word that selects it: `npm run bench -- crypto`. */
  readonly name: string;
  /** One line for `npm run bench -- --list`. */
  readonly summary: string;
  /** Measures and prints through `log`; bounded so that it finishes in well under two minutes. */
  run(log: (line: string) => void): Promise<void>;
}
