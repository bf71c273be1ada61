/**
 * The headers every gateway response carries. The Content-Security-Policy lets the page run only the app's
 * own scripts (files from this origin, plus the inline bootstrap scripts of the built HTML by hash), connect
 * only to this gateway, and never be framed. Inline style *attributes* are allowed (`style-src-attr`): the
 * app shell and Svelte set them, and they cannot run code; `<style>` elements must match a hash.
 */

/**
 * The WebSocket forms of the allowed page origins (`https://x` → `wss://x`): the only places to connect. CSP
 * host sources cannot name an IPv6 literal, so `[::1]` is left to `'self'`, which also covers the page's own
 * ws(s) origin in CSP level 3.
 */
export function websocketOrigins(origins: readonly string[]): string[] {
  return origins.filter((origin) => !origin.includes('[')).map((origin) => origin.replace(/^http(s?):/, 'ws$1:'));
}

export interface PolicySources {
  /** `'sha256-…'` sources of the inline `<script>` blocks of the built HTML. */
  readonly scriptHashes: readonly string[];
  /** `'sha256-…'` sources of its inline `<style>` blocks. */
  readonly styleHashes: readonly string[];
  /** Where the page may connect besides its own origin: the gateway's WebSocket origins. */
  readonly connect: readonly string[];
}

/**
 * Builds the Content-Security-Policy header value.
 *
 * @example
 * contentSecurityPolicy({ scriptHashes: ["'sha256-abc='"], styleHashes: [], connect: ['ws://localhost:8064'] });
 * // "default-src 'self'; script-src 'self' 'sha256-abc='; … connect-src 'self' ws://localhost:8064; … frame-ancestors 'none'"
 */
export function contentSecurityPolicy(sources: PolicySources): string {
  const list = (...items: readonly string[]) => items.join(' ');
  return [
    `default-src 'self'`,
    `script-src ${list(`'self'`, ...sources.scriptHashes)}`,
    `style-src ${list(`'self'`, ...sources.styleHashes)}`,
    `style-src-attr 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    `connect-src ${list(`'self'`, ...sources.connect)}`,
    `worker-src 'self'`,
    `manifest-src 'self'`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
  ].join('; ');
}

/**
 * The security headers of every response. HSTS only when the gateway itself serves https (behind a proxy
 * that terminates TLS, the proxy sets it).
 */
export function securityHeaders(csp: string, https: boolean): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'geolocation=(), microphone=(), payment=(), usb=()',
    ...(https ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}
