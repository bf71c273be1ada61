import { describe, expect, it } from 'vitest';
import { AtError } from '$lib/at/errors';
import {
  dataReply,
  errorFromResponse,
  formatError,
  formatReply,
  parseResponse,
  promptFor,
  stripPrompt,
  wantsJsonErrors,
} from '$lib/at/response';

describe('formatReply (atprotocol.md §1.4)', () => {
  it('writes data then the owner prompt', () => {
    expect(formatReply(dataReply('success'), promptFor('@alice'))).toBe('data:success\n@alice@');
  });

  it('writes data:null for a missing value', () => {
    expect(formatReply(dataReply(null), '@')).toBe('data:null\n@');
  });

  it('puts a space after data: for the stats and notify:all forms', () => {
    expect(formatReply(dataReply('[{"id":"3"}]', true), '@alice@')).toBe('data: [{"id":"3"}]\n@alice@');
  });

  it('does not prefix a result that already starts with data:', () => {
    expect(formatReply(dataReply('data:proof:_x@bob:y'), '@')).toBe('data:proof:_x@bob:y\n@');
  });

  it('writes a pol answer verbatim with no newline and no prompt', () => {
    expect(formatReply({ kind: 'raw', text: '@bob@' }, '@bob@')).toBe('@bob@');
  });

  it('writes nothing for monitor', () => {
    expect(formatReply({ kind: 'silent' }, '@alice@')).toBe('');
  });
});

describe('formatError (atprotocol.md §1.5)', () => {
  const notFound = new AtError('AT0015', 'phone@alice does not exist in keystore');

  it('uses the legacy form with Exception: on an unauthenticated connection', () => {
    expect(formatError(new AtError('AT0401', 'Command cannot be executed without auth'), legacy(false), '@')).toBe(
      'error:AT0401-Exception: Command cannot be executed without auth\n@',
    );
  });

  it('prefixes the code description on an authenticated connection', () => {
    expect(formatError(notFound, legacy(true), '@alice@')).toBe(
      'error:AT0015-key not found : phone@alice does not exist in keystore\n@alice@',
    );
  });

  it('writes JSON with errorCode then errorDescription when the client asked for it', () => {
    expect(formatError(notFound, { json: true, authenticated: true }, '@alice@')).toBe(
      'error:{"errorCode":"AT0015","errorDescription":"key not found : phone@alice does not exist in keystore"}\n@alice@',
    );
  });

  it('writes the status form with a colon and never JSON', () => {
    const denied = new AtError('AT0025', 'enrollment_id: 123 is denied', { form: 'status' });
    expect(formatError(denied, { json: true, authenticated: false }, '@')).toBe(
      'error:AT0025:enrollment_id: 123 is denied\n@',
    );
  });
});

describe('wantsJsonErrors', () => {
  it.each([
    ['3.0.38', true],
    ['3.0.57', true],
    ['3.1.0', true],
    ['3.0.37', false],
    ['3.0.9', false],
    ['2.9.99', false],
    [undefined, false],
  ])('answers %s with %s', (version, expected) => {
    expect(wantsJsonErrors(version)).toBe(expected);
  });
});

describe('parseResponse (the Dart client rules, atprotocol.md §1.9)', () => {
  it('strips the prompt the previous response left in front', () => {
    expect(stripPrompt('@alice@data:5')).toBe('data:5');
    expect(parseResponse('@data:ok')).toEqual({ kind: 'data', data: 'ok' });
  });

  it('keeps colons and @ inside the data', () => {
    expect(parseResponse('data:_4af2@alice:d6ca')).toEqual({ kind: 'data', data: '_4af2@alice:d6ca' });
  });

  it('drops the space of data: [..]', () => {
    expect(parseResponse('data: [1, 2]')).toEqual({ kind: 'data', data: '[1, 2]' });
  });

  it('reads the legacy error form at its first dash', () => {
    expect(parseResponse('error:AT0015-key not found : x-y@alice does not exist')).toEqual({
      kind: 'error',
      code: 'AT0015',
      description: 'key not found : x-y@alice does not exist',
    });
  });

  it('reads the JSON error form', () => {
    expect(parseResponse('@alice@error:{"errorCode":"AT0003","errorDescription":"Invalid syntax"}')).toEqual({
      kind: 'error',
      code: 'AT0003',
      description: 'Invalid syntax',
    });
  });

  it('reads the status error form', () => {
    expect(parseResponse('error:AT0026:enrollment_id: 9 is pending')).toEqual({
      kind: 'error',
      code: 'AT0026',
      description: 'enrollment_id: 9 is pending',
    });
  });

  it('reads a notification line without a prompt', () => {
    expect(parseResponse('notification: {"id":"-1"}')).toEqual({ kind: 'notification', json: '{"id":"-1"}' });
  });

  it('reads a pol answer as the peer prompt', () => {
    expect(parseResponse('@bob@')).toEqual({ kind: 'prompt', atSign: '@bob' });
  });

  it('round-trips every error form the server writes', () => {
    const error = new AtError('AT0009', 'not authorized');
    for (const style of [legacy(false), legacy(true), { json: true, authenticated: true }]) {
      const parsed = parseResponse(formatError(error, style, '@').split('\n')[0] ?? '');
      expect(parsed).toMatchObject({ kind: 'error', code: 'AT0009' });
    }
  });
});

describe('errorFromResponse', () => {
  it('keeps a known code so callers can ask questions of it', () => {
    const error = errorFromResponse({ code: 'AT0007', description: 'Secondary server not found' });
    expect(error.code).toBe('AT0007');
    expect(error.isRetryable()).toBe(true);
  });

  it('turns an unknown code into AT0014 and keeps its text', () => {
    const error = errorFromResponse({ code: 'null', description: 'InvalidSyntaxException' });
    expect(error.code).toBe('AT0014');
    expect(error.message).toBe('null: InvalidSyntaxException');
  });
});

function legacy(authenticated: boolean) {
  return { json: false, authenticated };
}
