import { describe, expect, it } from 'vitest';
import { AtError } from '$lib/at/errors';
import { dataReply } from '$lib/at/response';
import { batchErrorOf, batchResponseOf } from '$server/atserver/verbs/batch';

describe('batchResponseOf', () => {
  it('carries data, and nothing for data:null', () => {
    expect(batchResponseOf(dataReply('5'))).toEqual({ data: '5' });
    expect(batchResponseOf(dataReply('[1, 2]', true))).toEqual({ data: '[1, 2]' });
    expect(batchResponseOf(dataReply(null))).toEqual({});
  });

  it('reads a status error reply into its code and message, leaving out a null code', () => {
    expect(batchResponseOf({ kind: 'raw', text: 'error:null:InvalidSyntaxException\n@alice@' })).toEqual({
      error_message: 'InvalidSyntaxException',
    });
    expect(batchResponseOf({ kind: 'raw', text: 'error:AT0025:enrollment_id: x is denied\n@' })).toEqual({
      error_code: 'AT0025',
      error_message: 'enrollment_id: x is denied',
    });
  });

  it('carries other raw replies as data and a silent one as nothing', () => {
    expect(batchResponseOf({ kind: 'raw', text: '@bob@' })).toEqual({ data: '@bob@' });
    expect(batchResponseOf({ kind: 'silent' })).toEqual({});
  });
});

describe('batchErrorOf', () => {
  it('answers the code and its description only', () => {
    expect(batchErrorOf(new AtError('AT0015', 'phone@alice does not exist in keystore'))).toEqual({
      error_code: 'AT0015',
      error_message: 'key not found',
    });
  });

  it('keeps the message of a status-form error, which the reference answers as a reply', () => {
    const error = new AtError('AT0026', 'enrollment_id: x is pending', { form: 'status', close: false });
    expect(batchErrorOf(error)).toEqual({ error_code: 'AT0026', error_message: 'enrollment_id: x is pending' });
  });

  it('leaves out AT0011, the code of exceptions the reference has no code for', () => {
    expect(batchErrorOf(new AtError('AT0011', 'FormatException: bad'))).toBeUndefined();
  });
});
