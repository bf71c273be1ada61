import { describe, expect, it } from 'vitest';
import { ResponseReader, type ServerOutput } from '$lib/at/response-reader';

/** Feeds `chunks` to a fresh reader and returns everything it produced. */
function read(...chunks: string[]): ServerOutput[] {
  const reader = new ResponseReader();
  return chunks.flatMap((chunk) => reader.push(chunk));
}

/** Every way of cutting `text` in two. */
const cutsOf = (text: string) =>
  Array.from({ length: text.length + 1 }, (_, at) => [text.slice(0, at), text.slice(at)]);

const response = (text: string): ServerOutput => ({ kind: 'response', text });
const greeting: ServerOutput = { kind: 'greeting' };

describe('ResponseReader (atprotocol.md §1.4, §1.9)', () => {
  it('reports the greeting and nothing else for a lone @', () => {
    expect(read('@')).toEqual([greeting]);
  });

  it('waits for the greeting before reading anything', () => {
    const reader = new ResponseReader();
    expect(reader.push('')).toEqual([]);
    expect(reader.greeted).toBe(false);
    expect(reader.push('@data:x\n@')).toEqual([greeting, response('data:x')]);
    expect(reader.greeted).toBe(true);
  });

  it('ends a response at the newline before the next prompt and strips the owner prompt in front of the next', () => {
    expect(read('@', 'data:success\n@alice@', 'data:1\n@alice@', 'error:AT0015-Exception: x\n@alice@')).toEqual([
      greeting,
      response('data:success'),
      response('data:1'),
      response('error:AT0015-Exception: x'),
    ]);
  });

  it('gives the same result however a stream of responses and notifications is cut into two chunks', () => {
    const stream = '@data:{"to":"@bob:x"}\n@alice@notification: {"id":"1"}\nerror:AT0011-a\nb\n@@bob@';
    const whole = read(stream);
    expect(whole).toEqual([
      greeting,
      response('data:{"to":"@bob:x"}'),
      { kind: 'notification', json: '{"id":"1"}' },
      response('error:AT0011-a\nb'),
      response('@bob@'),
    ]);
    for (const [first, second] of cutsOf(stream)) expect(read(first!, second!)).toEqual(whole);
  });

  it('reads a response arriving one character at a time', () => {
    const text = '@data:{"key":"phone@alice"}\n@alice@';
    expect(read(...text)).toEqual([greeting, response('data:{"key":"phone@alice"}')]);
  });

  it('keeps an error text that spans lines whole, up to the prompt', () => {
    expect(read('@', 'error:AT0011-Exception: FormatException\nnot*base64\n', '@')).toEqual([
      greeting,
      response('error:AT0011-Exception: FormatException\nnot*base64'),
    ]);
  });

  it('keeps a response open while its newline has come but the prompt has not', () => {
    const reader = new ResponseReader();
    expect(reader.push('@data:ok\n')).toEqual([greeting]);
    expect(reader.push('@alice@')).toEqual([response('data:ok')]);
  });

  it('reads a bare @bob@ as the answer to pol, kept whole', () => {
    expect(read('@', 'data:proof:_1@bob:2\n@', '@bo', 'b@')).toEqual([
      greeting,
      response('data:proof:_1@bob:2'),
      response('@bob@'),
    ]);
  });

  it('hands out notification lines one by one, also right after an owner prompt', () => {
    const reader = new ResponseReader();
    reader.push('@data:success\n@alice@');
    expect(reader.push('notification: {"id":"1"}\nnotification: {"id"')).toEqual([
      { kind: 'notification', json: '{"id":"1"}' },
    ]);
    expect(reader.push(':"2"}\n')).toEqual([{ kind: 'notification', json: '{"id":"2"}' }]);
  });

  it('reads a large response sent in many chunks', () => {
    const value = 'x'.repeat(200_000);
    const text = `@data:${value}\n@alice@`;
    const chunks = text.match(/[^]{1,1000}/g)!;
    expect(read(...chunks)).toEqual([greeting, response(`data:${value}`)]);
  });

  describe('at close', () => {
    it('returns a last response written without its prompt', () => {
      const reader = new ResponseReader();
      reader.push('@error:AT0024-Exception: Server is paused\n');
      expect(reader.end()).toEqual({ kind: 'response', text: 'error:AT0024-Exception: Server is paused' });
    });

    it('returns what was written instead of the greeting as a refusal', () => {
      const reader = new ResponseReader();
      expect(reader.push('error:AT0012-Inbound connection limit exceeded\n')).toEqual([]);
      expect(reader.end()).toEqual({ kind: 'refusal', text: 'error:AT0012-Inbound connection limit exceeded' });
    });

    it('returns nothing when only the remainder of a prompt is left', () => {
      const reader = new ResponseReader();
      reader.push('@data:ok\n@alice@');
      expect(reader.end()).toBeUndefined();
    });

    it('returns nothing for a connection that closed without a word', () => {
      expect(new ResponseReader().end()).toBeUndefined();
    });
  });
});
