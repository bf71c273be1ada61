/**
 * Structured logs: one JSON object per line on stderr. Callers pass facts (ids, counts, codes), never
 * payloads, values or secrets.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields` (e.g. the service name). */
  child(fields: Record<string, unknown>): Logger;
}

const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Logs at `minLevel` and above to `write` (stderr by default). */
export function createLogger(
  minLevel: Level | 'silent' = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const emit = (level: Level, event: string, fields?: Record<string, unknown>) => {
    if (minLevel === 'silent' || rank[level] < rank[minLevel]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...base, ...fields }));
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) => createLogger(minLevel, { ...base, ...fields }, write),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('silent');
