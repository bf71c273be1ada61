/**
 * `stream`: the legacy file transfer between two atSigns' clients through the sender's server.
 * Reference atprotocol.md §5.26. No normal reply is written for any form; the server answers on the
 * side channel (`stream:ack <id>`, `stream:done <id>`).
 */
import { compact, defineGrammar, intOf, oneOf, part } from './grammar';

/** What a stream command does; `send` parses but the reference handler ignores it. */
export const streamOperations = ['init', 'send', 'receive', 'done', 'resume'] as const;
/** `init`, `send`, `receive`, `done` or `resume`. */
export type StreamOperation = (typeof streamOperations)[number];

/**
 * `stream:[<op>][@<receiver>][ namespace:<ns>][ startByte:<n>][ <streamId>][ <fileName> ][<length>]`,
 * one regex for every form; which parts an operation needs is the handler's business. The forms clients
 * send (at_client's stream sender and receiver):
 * - `stream:init@bob namespace:wavi startByte:0 <streamId> <base64 fileName> <length>`;
 * - `stream:receive <streamId>` and `stream:done <streamId>`;
 * - `stream:resume@alice namespace:wavi startByte:<n> <streamId>` (sent to the sender's server; the
 *   `@` names the receiver asking, who gets the `stream_resume` notification).
 */
export interface Stream {
  readonly verb: 'stream';
  readonly operation?: StreamOperation;
  /** The atSign after `@`, without it. */
  readonly receiver?: string;
  /** Written as `namespace:null` by clients without one; the handler treats `null` as none. */
  readonly namespace?: string;
  readonly startByte?: number;
  /** Word characters and dashes; may be `''` (a lone space). */
  readonly streamId?: string;
  /** The file name without the space that closes it on the wire (the handler trims it). */
  readonly fileName?: string;
  /** The file length, written straight after the file name's closing space. */
  readonly length?: number;
}

/**
 * `stream` (§5.26). The canonical line separates parts by single spaces; the reference also accepts
 * `namespace:` and `startByte:` without the space before them, and those lines format back with it.
 * Order is fixed: §5.26's prose `stream:resume@bob <streamId> startByte:N` does not match the reference
 * regex (`startByte` must precede the stream id), and at_client sends the matching order.
 *
 * @throws AtError AT0003 `Invalid syntax. ` (the reference's usage text is empty) when the regex does
 * not match, e.g. `stream` without `:` or an unknown operation.
 * @example
 * stream.parse('stream:init@bob namespace:wavi startByte:0 7d3a9c1e cGhvdG8uanBn 1048576');
 * // { verb: 'stream', operation: 'init', receiver: 'bob', namespace: 'wavi', startByte: 0,
 * //   streamId: '7d3a9c1e', fileName: 'cGhvdG8uanBn', length: 1048576 }
 */
export const stream = defineGrammar<Stream>({
  name: 'stream',
  usage: '',
  source:
    '^stream:((?<operation>init|send|receive|done|resume))?((@(?<receiver>[^@:\\s]+)))?' +
    '( ?namespace:(?<namespace>[\\w-]+))?( ?startByte:(?<startByte>\\d+))?( (?<streamId>[\\w-]*))?' +
    '( (?<fileName>.* ))?((?<length>\\d*))?$',
  build: (g) =>
    compact<Stream>({
      verb: 'stream',
      operation: oneOf(g.operation, streamOperations),
      receiver: g.receiver,
      namespace: g.namespace,
      startByte: intOf(g.startByte),
      streamId: g.streamId,
      // The group ends with the space that separates the name from the length.
      fileName: g.fileName?.slice(0, -1),
      // `\d*` may match nothing; an optional group matching nothing does not take part (§1.3).
      length: intOf(g.length),
    }),
  format: (c) =>
    'stream:' +
    (c.operation ?? '') +
    part('@', c.receiver) +
    part(' namespace:', c.namespace) +
    part(' startByte:', c.startByte) +
    part(' ', c.streamId) +
    part(' ', c.fileName, ' ') +
    part('', c.length),
});
