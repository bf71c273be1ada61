/**
 * Every verb grammar of the atProtocol in one place, and the union of their typed commands. A client
 * formats any {@link AtCommand} with {@link formatCommand}; the server's verb table picks grammars from here.
 */
import { cram, from, pkam, pol, type Cram, type From, type Pkam, type Pol } from './auth';
import { batch, type Batch } from './batch';
import { config, type Config } from './config';
import { del, type Delete } from './delete';
import { enroll, type Enroll } from './enroll';
import type { Grammar, VerbCommand } from './grammar';
import { info, noop, type Info, type Noop } from './info';
import { keys, type Keys } from './keys';
import { llookup, lookup, plookup, type Llookup, type Lookup, type Plookup } from './lookup';
import { monitor, type Monitor } from './monitor';
import {
  notify,
  notifyAll,
  notifyFetch,
  notifyList,
  notifyRemove,
  notifyStatus,
  type Notify,
  type NotifyAll,
  type NotifyFetch,
  type NotifyList,
  type NotifyRemove,
  type NotifyStatus,
} from './notify';
import { otp, type Otp } from './otp';
import { scan, type Scan } from './scan';
import { stats, type Stats } from './stats';
import { stream, type Stream } from './stream';
import { syncFrom, type SyncFrom } from './sync';
import { update, updateMeta, type Update, type UpdateJson, type UpdateMeta } from './update';

/** Any command of the protocol, discriminated on `verb`. */
export type AtCommand =
  | From
  | Cram
  | Pkam
  | Pol
  | Update
  | UpdateJson
  | UpdateMeta
  | Llookup
  | Lookup
  | Plookup
  | Scan
  | Delete
  | Stats
  | Config
  | Info
  | Noop
  | Batch
  | Monitor
  | Stream
  | Notify
  | NotifyList
  | NotifyStatus
  | NotifyFetch
  | NotifyRemove
  | NotifyAll
  | SyncFrom
  | Enroll
  | Otp
  | Keys;

/** Every grammar, by the `verb` of the commands it parses (`update:json` is formatted by `update`). */
export const grammars = {
  from,
  cram,
  pkam,
  pol,
  update,
  'update:json': update,
  'update:meta': updateMeta,
  llookup,
  lookup,
  plookup,
  scan,
  delete: del,
  stats,
  config,
  info,
  noop,
  batch,
  monitor,
  stream,
  notify,
  'notify:list': notifyList,
  'notify:status': notifyStatus,
  'notify:fetch': notifyFetch,
  'notify:remove': notifyRemove,
  'notify:all': notifyAll,
  'sync:from': syncFrom,
  enroll,
  otp,
  keys,
} as const satisfies Record<AtCommand['verb'], { readonly name: string }>;

/**
 * Writes any command as its protocol line (no newline).
 *
 * @example
 * formatCommand({ verb: 'llookup', operation: 'all', cached: false, publicScope: true, atKey: 'name', atSign: 'alice' });
 * // 'llookup:all:public:name@alice'
 */
export function formatCommand(command: AtCommand): string {
  const grammar = grammars[command.verb] as unknown as Grammar<VerbCommand>;
  return grammar.format(command);
}
