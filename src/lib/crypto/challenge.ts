/**
 * The challenge that CRAM digests and PKAM signs: the atServer's answer to `from:` without its `data:` prefix and
 * surrounding whitespace, i.e. `_<sessionId>@<atSign>:<proof>` (crypto.md §3 step 3). The leading `_` and the
 * atSign are part of it.
 *
 * @example
 * challengeFromResponse('data:_6665436c-…@alice:4f7b1c2e-…\n'); // '_6665436c-…@alice:4f7b1c2e-…'
 */
export function challengeFromResponse(fromResponse: string): string {
  const trimmed = fromResponse.trim();
  return trimmed.startsWith('data:') ? trimmed.slice('data:'.length) : trimmed;
}
