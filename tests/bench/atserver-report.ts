/**
 * How the atServer suite prints its figures: one table (ops/s, latency, server and client CPU per request) and
 * the ratios of ours to Redis and to the echo ceiling, with the targets the atServer is held to.
 */
import type { LoadFigures } from './load-generator';
import { decimal, formatTable, wholeNumber, type Row } from './table';

/** The rows' server names and workload names, as printed. */
export const ours = 'atServer';
export const redisSameClient = 'Redis TLS, same client';
export const redisTool = 'redis-benchmark --tls';
export const echo = 'Node TLS line echo';
export const workloads = {
  update: 'update (durable)',
  set: 'SET (fsync always)',
  llookup: 'llookup',
  get: 'GET',
  echo: 'echo a line',
} as const;

/** One row of the table: what was measured (the best round), or why it could not be. */
export interface Figure {
  readonly server: string;
  readonly workload: string;
  readonly connections: number;
  readonly result: LoadFigures | { readonly error: string };
}

/** The figures of a row that was measured, or undefined for a failed or missing one. */
export const succeeded = (figure: Figure | undefined): LoadFigures | undefined =>
  figure && 'ops' in figure.result ? figure.result : undefined;

function row(figure: Figure): Row {
  const label = [figure.server, figure.workload, String(figure.connections)];
  if (!('ops' in figure.result)) return [...label, `failed: ${figure.result.error.slice(0, 80)}`, '', '', '', ''];
  const { opsPerSecond, p50Ms, p99Ms, serverCpuMicrosPerOp, clientCpuMicrosPerOp } = figure.result;
  return [
    ...label,
    wholeNumber(opsPerSecond),
    decimal(p50Ms, 3),
    decimal(p99Ms, 3),
    decimal(serverCpuMicrosPerOp, 1),
    clientCpuMicrosPerOp === null ? '' : decimal(clientCpuMicrosPerOp, 1),
  ];
}

type Key = readonly [server: string, workload: string, connections: number];

function ratioRow(figures: readonly Figure[], label: string, mine: Key, theirs: Key, target?: number): Row {
  const find = ([server, workload, connections]: Key) =>
    succeeded(figures.find((f) => f.server === server && f.workload === workload && f.connections === connections));
  const a = find(mine);
  const b = find(theirs);
  const ratio = a && b ? a.opsPerSecond / b.opsPerSecond : null;
  const cpu =
    a?.serverCpuMicrosPerOp && b?.serverCpuMicrosPerOp ? b.serverCpuMicrosPerOp / a.serverCpuMicrosPerOp : null;
  const verdict = target === undefined || ratio === null ? '' : ratio >= target ? `≥ ${target} ✓` : `< ${target} ✗`;
  return [label, decimal(ratio, 2), verdict, decimal(cpu, 2)];
}

/**
 * The table of every figure, grouped by server, then the ratios the atServer is held to.
 *
 * @example log(report(figures));
 */
export function report(figures: readonly Figure[]): string {
  const servers: string[] = [ours, redisSameClient, redisTool, echo];
  const kinds: string[] = Object.values(workloads);
  const sorted = [...figures].sort(
    (a, b) =>
      servers.indexOf(a.server) - servers.indexOf(b.server) ||
      kinds.indexOf(a.workload) - kinds.indexOf(b.workload) ||
      a.connections - b.connections,
  );
  const rows: Row[] = [];
  sorted.forEach((figure, index) => {
    if (index > 0 && figure.server !== sorted[index - 1]?.server) rows.push('rule');
    rows.push(row(figure));
  });
  const table = formatTable(
    ['server', 'workload', 'conns', 'ops/s', 'p50 ms', 'p99 ms', 'server CPU µs/op', 'client CPU µs/op'],
    rows,
  );
  const ratios = formatTable(
    ['ours / theirs', 'ops/s', 'target', 'CPU/op (theirs/ours)'],
    [
      ratioRow(
        figures,
        'llookup@50 / Redis GET@50 (same client)',
        [ours, workloads.llookup, 50],
        [redisSameClient, workloads.get, 50],
        0.7,
      ),
      ratioRow(
        figures,
        'durable update@50 / Redis SET@50 appendfsync always',
        [ours, workloads.update, 50],
        [redisSameClient, workloads.set, 50],
        0.5,
      ),
      ratioRow(
        figures,
        'llookup@1 / Redis GET@1 (same client)',
        [ours, workloads.llookup, 1],
        [redisSameClient, workloads.get, 1],
      ),
      ratioRow(
        figures,
        'durable update@1 / Redis SET@1',
        [ours, workloads.update, 1],
        [redisSameClient, workloads.set, 1],
      ),
      ratioRow(figures, 'llookup@50 / echo ceiling@50', [ours, workloads.llookup, 50], [echo, workloads.echo, 50]),
      ratioRow(figures, 'llookup@1 / echo ceiling@1', [ours, workloads.llookup, 1], [echo, workloads.echo, 1]),
    ],
  );
  return `${table}\n\n${ratios}`;
}
