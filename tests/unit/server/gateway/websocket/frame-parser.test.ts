import { describe, expect, it } from 'vitest';
import { FrameParser, opcodes } from '$server/gateway/websocket/frame-parser';
import { binaryFrame, closeFrame, controlFrame } from '$server/gateway/websocket/frames';

/** A frame as a browser sends it: masked, with the length in the shortest form unless `lengthForm` says. */
function clientFrame(
  opcode: number,
  payload: Buffer | string,
  options: { fin?: boolean; masked?: boolean; rsv?: number; lengthForm?: 7 | 16 | 64 } = {},
): Buffer {
  const data = Buffer.from(payload);
  const form = options.lengthForm ?? (data.length < 126 ? 7 : data.length < 65_536 ? 16 : 64);
  const head = Buffer.alloc(2 + (form === 16 ? 2 : form === 64 ? 8 : 0));
  head[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  const masked = options.masked ?? true;
  head[1] = (masked ? 0x80 : 0) | (form === 7 ? data.length : form === 16 ? 126 : 127);
  if (form === 16) head.writeUInt16BE(data.length, 2);
  if (form === 64) head.writeBigUInt64BE(BigInt(data.length), 2);
  if (!masked) return Buffer.concat([head, data]);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(data.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([head, mask, body]);
}

function parse(bytes: Buffer[], maxMessageBytes = 1_000_000) {
  const events: string[] = [];
  let data = Buffer.alloc(0);
  const parser = new FrameParser(maxMessageBytes, {
    frame: () => events.push('frame'),
    data: (payload) => (data = Buffer.concat([data, payload])),
    control: (opcode, payload) => events.push(`control ${opcode} ${payload.toString('hex')}`),
    error: (code, reason) => events.push(`error ${code} ${reason}`),
  });
  for (const chunk of bytes) parser.push(Buffer.from(chunk));
  return { events, data: data.toString() };
}

const byteByByte = (frame: Buffer) => [...frame].map((byte) => Buffer.from([byte]));

describe('FrameParser', () => {
  it('unmasks a text and a binary frame', () => {
    const result = parse([Buffer.concat([clientFrame(1, 'from:@alice\n'), clientFrame(2, 'llookup:x\n')])]);
    expect(result).toEqual({ events: ['frame', 'frame'], data: 'from:@alice\nllookup:x\n' });
  });

  it('reads frames split at every byte, with 16- and 64-bit lengths', () => {
    const medium = 'm'.repeat(300);
    const frames = [
      clientFrame(2, medium),
      clientFrame(2, 'tiny', { lengthForm: 64 }),
      clientFrame(1, 'x', { lengthForm: 16 }),
    ];
    expect(parse(frames.flatMap(byteByByte))).toEqual({ events: ['frame', 'frame', 'frame'], data: `${medium}tinyx` });
  });

  it('streams a fragmented message with a ping between its fragments', () => {
    const result = parse([
      clientFrame(1, 'hel', { fin: false }),
      clientFrame(opcodes.ping, 'p'),
      clientFrame(0, 'lo', { fin: false }),
      clientFrame(0, '\n'),
    ]);
    expect(result).toEqual({ events: ['frame', 'control 9 70', 'frame', 'frame'], data: 'hello\n' });
  });

  it('hands on control frames whole, empty ones too', () => {
    expect(
      parse([clientFrame(opcodes.pong, ''), clientFrame(opcodes.close, Buffer.from([0x03, 0xe8]))]).events,
    ).toEqual(['control 10 ', 'control 8 03e8']);
  });

  it('refuses a message over the limit from its header, before its payload arrives', () => {
    const frame = clientFrame(2, 'x'.repeat(101));
    expect(parse([frame.subarray(0, 4)], 100).events).toEqual(['error 1009 message too big']);
  });

  it('counts the limit over all fragments of one message, and afresh for the next', () => {
    const fragments = [clientFrame(2, 'x'.repeat(60), { fin: false }), clientFrame(0, 'x'.repeat(41))];
    expect(parse(fragments, 100).events).toEqual(['frame', 'error 1009 message too big']);
    expect(parse([clientFrame(2, 'x'.repeat(60)), clientFrame(2, 'x'.repeat(60))], 100).events).toEqual([
      'frame',
      'frame',
    ]);
  });

  it.each([
    ['an unmasked frame', clientFrame(2, 'x', { masked: false }), 'client frames must be masked'],
    ['reserved bits', clientFrame(2, 'x', { rsv: 4 }), 'reserved bits set'],
    ['an unknown data opcode', clientFrame(3, 'x'), 'unknown opcode 3'],
    ['an unknown control opcode', clientFrame(0xb, 'x'), 'unknown opcode 11'],
    ['a fragmented ping', clientFrame(opcodes.ping, 'x', { fin: false }), 'fragmented control frame'],
    ['a control frame over 125 bytes', clientFrame(opcodes.ping, 'x'.repeat(126)), 'control frame too long'],
    ['a continuation without a message', clientFrame(0, 'x'), 'continuation frame without a message'],
  ])('fails with 1002 on %s', (_, frame, reason) => {
    expect(parse([frame, clientFrame(2, 'after')]).events).toEqual([`error 1002 ${reason}`]);
  });

  it('fails with 1002 on a new message inside a fragmented one', () => {
    const result = parse([clientFrame(1, 'a', { fin: false }), clientFrame(1, 'b')]);
    expect(result.events).toEqual(['frame', 'error 1002 new message inside a fragmented one']);
  });

  it('fails with 1002 on a 64-bit length with its top bit set', () => {
    const frame = Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]);
    expect(parse([frame]).events).toEqual(['error 1002 invalid payload length']);
  });

  it('parses nothing once stopped', () => {
    const parser = new FrameParser(100, {
      frame: () => {
        throw new Error('parsed after stop');
      },
      data: () => {},
      control: () => {},
      error: () => {},
    });
    parser.stop();
    parser.push(clientFrame(2, 'x'));
  });
});

describe('frames', () => {
  it('builds unmasked final frames with the shortest length form', () => {
    expect(binaryFrame(Buffer.from('@'), 1).toString('hex')).toBe('820140');
    expect(binaryFrame(Buffer.alloc(200), 200).subarray(0, 4).toString('hex')).toBe('827e00c8');
    expect(binaryFrame(Buffer.alloc(70_000), 70_000).subarray(0, 10).toString('hex')).toBe('827f0000000000011170');
    expect(binaryFrame(Buffer.from('@alice@'), 1).toString('hex')).toBe('820140');
  });

  it('builds control and close frames', () => {
    expect(controlFrame(opcodes.ping).toString('hex')).toBe('8900');
    expect(controlFrame(opcodes.pong, Buffer.from('p')).toString('hex')).toBe('8a0170');
    expect(closeFrame(4404, 'atSign not found').toString('hex')).toBe(
      `8812${Buffer.from([0x11, 0x34]).toString('hex')}${Buffer.from('atSign not found').toString('hex')}`,
    );
  });
});
