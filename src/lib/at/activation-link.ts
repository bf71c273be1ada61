/**
 * The activation link `atstack atsign create` prints (and shows as a QR code): it opens the app's activation
 * screen with the atSign and its CRAM secret filled in. Both ride in the URL fragment, which browsers never send
 * to a server, so the gateway serving the app does not see the secret.
 */

/** The app route of the activation screen (the app uses the hash router). */
export const activationRoute = '/activate';

/** What an activation link carries. */
export interface ActivationParams {
  readonly atSign: string;
  readonly cramSecret: string;
}

/**
 * @example
 * formatActivationLink('http://localhost:8064', { atSign: '@alice', cramSecret: 'b5f2…' });
 * // 'http://localhost:8064/#/activate?atSign=%40alice&cram=b5f2…'
 */
export function formatActivationLink(appUrl: string, params: ActivationParams): string {
  const query = new URLSearchParams({ atSign: params.atSign, cram: params.cramSecret });
  return `${appUrl.replace(/\/+$/, '')}/#${activationRoute}?${query.toString()}`;
}

/**
 * Reads an activation link, or just its fragment (`#/activate?…`); undefined when it is not one.
 *
 * @example parseActivationLink('#/activate?atSign=%40alice&cram=b5f2'); // { atSign: '@alice', cramSecret: 'b5f2' }
 */
export function parseActivationLink(link: string): ActivationParams | undefined {
  const hash = link.slice(link.indexOf('#') + 1);
  const [path, query = ''] = hash.split('?', 2) as [string, string?];
  if (path !== activationRoute) return undefined;
  const params = new URLSearchParams(query);
  const atSign = params.get('atSign')?.trim();
  const cramSecret = params.get('cram')?.trim();
  if (!atSign || !cramSecret) return undefined;
  return { atSign: atSign.startsWith('@') ? atSign : `@${atSign}`, cramSecret };
}
