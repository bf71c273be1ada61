/**
 * `npm run bench [-- <suite>…]`: runs the named benchmark suites, or all of them, and prints their figures.
 * `npm run bench -- --list` names the suites. Add a suite by writing a module that exports a {@link BenchSuite}
 * and listing it below.
 */
import { atServerSuite } from './atserver';
import { clientSyncSuite } from './client-sync';
import { cryptoSuite } from './crypto';
import { gatewaySuite } from './gateway';
import { fixedLoopMs } from './machine-check';
import { notifySuite } from './notify';
import type { BenchSuite } from './suite';

const suites: readonly BenchSuite[] = [cryptoSuite, atServerSuite, gatewaySuite, notifySuite, clientSyncSuite];

function usage(): string {
  const names = suites.map((suite) => `  ${suite.name.padEnd(10)} ${suite.summary}`);
  return ['usage: npm run bench [-- <suite>…]   (no suite: all of them)', 'suites:', ...names].join('\n');
}

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--list') || args.includes('--help')) {
    console.log(usage());
    return 0;
  }
  const unknown = args.filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    console.error(`unknown suite: ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const chosen = args.length === 0 ? suites : suites.filter((suite) => args.includes(suite.name));
  for (const suite of chosen) {
    const before = fixedLoopMs();
    const start = performance.now();
    console.log(`\n== ${suite.name}: ${suite.summary}\n`);
    await suite.run((line) => console.log(line));
    const seconds = (performance.now() - start) / 1000;
    console.log(`\n(${suite.name} took ${seconds.toFixed(1)} s)`);
    console.log(
      `machine check: a fixed loop took ${before.toFixed(0)} ms before and ${fixedLoopMs().toFixed(0)} ms after ` +
        '(the machine is shared: compare figures only between runs whose loops took about as long)',
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
