/**
 * What an activation link or QR code carries: the atSign and its CRAM secret. Two forms are read:
 * the app's own link, `https://app.example/#/activate?atSign=@alice&cram=<secret>` (printed by
 * `atstack atsign create`, format in `$lib/at/activation-link`), and the `@alice:<secret>` text of atSign's
 * registrar QR codes.
 */
import { parseActivationLink, type ActivationParams } from '$lib/at/activation-link';

export type ActivationCode = ActivationParams;

/**
 * Reads an activation code from a link or scanned text; undefined when the text is neither form.
 *
 * @example
 * parseActivationCode('http://localhost:8064/#/activate?atSign=%40alice&cram=b26455a9');
 * // { atSign: '@alice', cramSecret: 'b26455a9' }
 * parseActivationCode('@alice:b26455a9'); // { atSign: '@alice', cramSecret: 'b26455a9' }
 */
export function parseActivationCode(text: string): ActivationCode | undefined {
  const trimmed = text.trim();
  const plain = /^(@[^:\s]+):(\S+)$/.exec(trimmed);
  if (plain?.[1] && plain[2]) return { atSign: plain[1], cramSecret: plain[2] };
  return parseActivationLink(trimmed);
}
