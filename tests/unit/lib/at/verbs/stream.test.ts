import { describe, expect, it } from 'vitest';
import { stream, type Stream } from '$lib/at/verbs/stream';
import { failure } from '../../../../support/at-error';

const streamId = '7d3a9c1e-2f4b-4d8a-9e6f-0b1c2d3e4f5a';

describe('stream', () => {
  it('uses the reference regex verbatim (atprotocol.md §5.26)', () => {
    expect(stream.source).toBe(
      String.raw`^stream:((?<operation>init|send|receive|done|resume))?((@(?<receiver>[^@:\s]+)))?( ?namespace:(?<namespace>[\w-]+))?( ?startByte:(?<startByte>\d+))?( (?<streamId>[\w-]*))?( (?<fileName>.* ))?((?<length>\d*))?$`,
    );
  });

  it('reads every part of an init with a base64 file name', () => {
    const line = `stream:init@bob namespace:wavi startByte:0 ${streamId} cGhvdG8uanBn 1048576`;
    const command = stream.parse(line);
    expect(command).toEqual<Stream>({
      verb: 'stream',
      operation: 'init',
      receiver: 'bob',
      namespace: 'wavi',
      startByte: 0,
      streamId,
      fileName: 'cGhvdG8uanBn',
      length: 1048576,
    });
    expect(stream.format(command)).toBe(line);
  });

  it('keeps the spaces of a file name up to the one before the length', () => {
    const line = `stream:init@bob namespace:wavi startByte:0 ${streamId} my holiday photo.jpg 2048`;
    expect(stream.parse(line).fileName).toBe('my holiday photo.jpg');
    expect(stream.format(stream.parse(line))).toBe(line);
  });

  it.each([
    [`stream:receive ${streamId}`, { operation: 'receive', streamId }],
    [`stream:done ${streamId}`, { operation: 'done', streamId }],
    [
      `stream:resume@alice namespace:wavi startByte:4096 ${streamId}`,
      { operation: 'resume', receiver: 'alice', namespace: 'wavi', startByte: 4096, streamId },
    ],
    [`stream:init@bob namespace:null startByte:0 ${streamId} cGhvdG8uanBn 10`, { namespace: 'null', length: 10 }],
    ['stream:', {}],
  ])('reads %s and formats it back unchanged', (line, parts) => {
    const command = stream.parse(line);
    expect(command).toMatchObject({ verb: 'stream', ...parts });
    expect(stream.format(command)).toBe(line);
  });

  it('leaves the length out when no digits follow the file name', () => {
    const command = stream.parse(`stream:init@bob ${streamId} cGhvdG8uanBn `);
    expect(command.fileName).toBe('cGhvdG8uanBn');
    expect(command.length).toBeUndefined();
  });

  it('accepts namespace and startByte without the space before them, writing them back with it', () => {
    const command = stream.parse(`stream:init@bobnamespace:wavistartByte:0 ${streamId}`);
    expect(command).toMatchObject({ receiver: 'bob', namespace: 'wavi', startByte: 0, streamId });
    expect(stream.format(command)).toBe(`stream:init@bob namespace:wavi startByte:0 ${streamId}`);
  });

  it.each([
    ['without a colon', 'stream'],
    ['with an unknown operation', `stream:upload ${streamId}`],
    ['with a startByte that is not a number', `stream:init@bob startByte:x ${streamId}`],
    ['in the prose order of §5.26 (stream id before startByte)', `stream:resume@bob ${streamId} startByte:5`],
    ['with a stream id holding a dot', 'stream:receive abc.def'],
  ])('rejects a stream command %s', (_, line) => {
    const error = failure(() => stream.parse(line));
    expect(error.code).toBe('AT0003');
    // The reference's StreamVerb.usage() is empty.
    expect(error.message).toBe('Invalid syntax. ');
  });
});
