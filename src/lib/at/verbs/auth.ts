/**
 * The authentication verbs: `from` (announce who you are, get a challenge), `cram` and `pkam` (prove
 * it) and `pol` (server-to-server proof of life). Reference atprotocol.md §5.1–§5.4, §6.1.
 */
import { decodeJsonObject, type JsonObject } from './json';
import { compact, defineGrammar, oneOf, part, required } from './grammar';

/**
 * `from:<atSign>[:clientConfig:{…}]`. `atSign` is as written (the C SDK sends `from:alice`, without `@`).
 * `clientConfig` is decoded here; the reference reads `version` (JSON errors when > 3.0.37),
 * `clientId`, `appName`, `appVersion` and `platform` from it.
 */
export interface From {
  readonly verb: 'from';
  readonly atSign: string;
  readonly clientConfig?: JsonObject;
}

/**
 * `from` (§5.1). A `clientConfig` that is not JSON is answered with AT0011 and closes the
 * connection, as the reference's `jsonDecode` failure does.
 *
 * @example
 * from.parse('from:@alice:clientConfig:{"version":"3.0.57"}');
 * // { verb: 'from', atSign: '@alice', clientConfig: { version: '3.0.57' } }
 */
export const from = defineGrammar<From>({
  name: 'from',
  usage: 'syntax from:@<atSign> \n e.g from:@alice',
  source: '^from:(?<atSign>@?[^:@\\s]+)(:clientConfig:(?<clientConfig>\\{.+\\}))?$',
  build: (g) =>
    compact<From>({
      verb: 'from',
      atSign: required(g.atSign),
      clientConfig: g.clientConfig === undefined ? undefined : decodeJsonObject(g.clientConfig),
    }),
  format: (c) => `from:${c.atSign}${part(':clientConfig:', c.clientConfig && JSON.stringify(c.clientConfig))}`,
});

/** `cram:<hex sha512 digest>`. */
export interface Cram {
  readonly verb: 'cram';
  readonly digest: string;
}

/**
 * `cram` (§5.2): the lowercase hex SHA-512 of the CRAM secret followed by the `from` challenge.
 *
 * @example
 * cram.parse('cram:b5f2ab63…'); // { verb: 'cram', digest: 'b5f2ab63…' }
 */
export const cram = defineGrammar<Cram>({
  name: 'cram',
  usage: 'cram:<digest>',
  source: '^cram:(?<digest>.+$)',
  build: (g) => ({ verb: 'cram', digest: required(g.digest) }),
  format: (c) => `cram:${c.digest}`,
});

/** The signing algorithms `pkam:signingAlgo:` names; the reference defaults to `rsa2048`. */
export const pkamSigningAlgos = ['ecc_secp256r1', 'rsa2048'] as const;
/** The hashing algorithms `pkam:hashingAlgo:` names; the reference defaults to `sha256`. */
export const pkamHashingAlgos = ['sha256', 'sha512'] as const;

/**
 * `pkam[:signingAlgo:<a>][:hashingAlgo:<h>][:enrollmentId:<id>]:<base64 signature>`. Absent options
 * stay absent (the server applies the defaults). An unknown `signingAlgo:` is not an option at all:
 * the regex makes it part of the signature, which then fails base64 decoding (§5.3).
 */
export interface Pkam {
  readonly verb: 'pkam';
  readonly signingAlgo?: (typeof pkamSigningAlgos)[number];
  readonly hashingAlgo?: (typeof pkamHashingAlgos)[number];
  /** Present for APKAM: the enrollment whose public key verifies the signature. */
  readonly enrollmentId?: string;
  readonly signature: string;
}

/**
 * `pkam` (§5.3), legacy and APKAM.
 *
 * @example
 * pkam.parse('pkam:signingAlgo:rsa2048:hashingAlgo:sha256:enrollmentId:352b78c8-4b6f-4d07-a9cf-5466512ffa44:W/KyEZI3…');
 */
export const pkam = defineGrammar<Pkam>({
  name: 'pkam',
  usage: 'pkam:<signature>',
  source:
    '^pkam:(signingAlgo:(?<signingAlgo>ecc_secp256r1|rsa2048):)?(hashingAlgo:(?<hashingAlgo>sha256|sha512):)?' +
    '(enrollmentId:(?<enrollmentId>.+):)?(?<signature>.+$)',
  build: (g) =>
    compact<Pkam>({
      verb: 'pkam',
      signingAlgo: oneOf(g.signingAlgo, pkamSigningAlgos),
      hashingAlgo: oneOf(g.hashingAlgo, pkamHashingAlgos),
      enrollmentId: g.enrollmentId,
      signature: required(g.signature),
    }),
  format: (c) =>
    'pkam' +
    part(':signingAlgo:', c.signingAlgo) +
    part(':hashingAlgo:', c.hashingAlgo) +
    part(':enrollmentId:', c.enrollmentId) +
    `:${c.signature}`,
});

/** `pol`: no parameters. */
export interface Pol {
  readonly verb: 'pol';
}

/**
 * `pol` (§5.4): the receiving server verifies the `from:@bob` challenge and answers a bare `@bob@`.
 *
 * @example
 * pol.parse('pol'); // { verb: 'pol' }
 */
export const pol = defineGrammar<Pol>({
  name: 'pol',
  usage: 'syntax pol e.g pol',
  source: '^pol$',
  build: () => ({ verb: 'pol' }),
  format: () => 'pol',
});
