import type { Clock } from '../clock';
import type { AtServerLimits } from '../config';
import type { Logger } from '../log';
import type { AtSignStore } from './store/atsign-store';
import type { Session } from './session';

/** What every connection of one atSign's atServer shares. */
export interface AtSignContext {
  /** The atSign served, `@alice`. */
  readonly atSign: string;
  readonly store: AtSignStore;
  readonly clock: Clock;
  readonly limits: AtServerLimits;
  readonly log: Logger;
  /** When this atServer started, for `info`. */
  readonly startedAt: number;
  /** The version `info` and `stats:7` report. */
  readonly version: string;
  /** Open inbound connections, for `stats:1`. */
  inboundCount(): number;
  /** Open outbound connections, for `stats:2`. */
  outboundCount(): number;
  /** Called after each successful change of the store (update, update:meta, delete) with its commit id. */
  changed(operation: 'update' | 'delete', commitId: number | null): void;
}

/** What a verb handler receives besides its parsed command. */
export interface VerbContext {
  readonly server: AtSignContext;
  readonly session: Session;
}
