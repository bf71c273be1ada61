import { randomUUID } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { promptFor, wantsJsonErrors, type ErrorStyle } from '$lib/at/response';

/** How an owner connection proved itself (atprotocol.md §5.2–5.3). */
export type AuthType = 'cram' | 'pkamLegacy' | 'apkam';

/** A `from` challenge: what `cram` and `pkam` sign, valid for 60 s as the reference's stored key. */
export interface Challenge {
  /** `<sessionId>@alice:<uuid>`, everything after `data:` in the `from` answer. */
  readonly text: string;
  readonly expiresAt: number;
}

/**
 * One inbound connection's state: who it is (nobody, the owner, or a peer atServer after `pol`), what it
 * asked for (`clientConfig`), and its pending challenge. Handlers read and change it; only the
 * connection loop creates it.
 */
export class Session {
  /** `_<uuid>`, part of the `from` challenge (§1.2). */
  readonly id = `_${randomUUID()}`;
  /** The atSign this atServer serves, e.g. `@alice`. */
  readonly atSign: string;
  readonly createdAt: number;
  /** Last time the server wrote to this connection; idle time counts from here (§1.7). */
  lastWriteAt: number;

  /** Authenticated as the owner (CRAM or PKAM/APKAM). */
  authenticated = false;
  authType?: AuthType;
  /** The APKAM enrollment this connection authenticated with, if any. */
  enrollmentId?: string;
  /** The atSign named by the last `from:`. */
  fromAtSign?: string;
  /** A peer atServer that completed `pol` as `fromAtSign`. */
  polAuthenticated = false;
  challenge?: Challenge;
  /** `clientConfig.version` from `from:`; above 3.0.37 errors are written as JSON (§1.5). */
  clientVersion?: string;
  /** A monitor connection streams notifications and is kept alive by them. */
  monitoring = false;
  /** When this connection's recent `enroll:request`s arrived, for the per-connection throttle (§1.7). */
  readonly enrollRequestTimes: number[] = [];

  readonly #peerCertificate: () => PeerCertificate | undefined;

  constructor(atSign: string, now: number, peerCertificate: () => PeerCertificate | undefined = () => undefined) {
    this.atSign = atSign;
    this.createdAt = now;
    this.lastWriteAt = now;
    this.#peerCertificate = peerCertificate;
  }

  /** The certificate the TLS peer presented (mutual TLS), for `from:@other`. */
  peerCertificate(): PeerCertificate | undefined {
    return this.#peerCertificate();
  }

  /** `@alice@` once authenticated, `@bob@` after `pol`, else `@` (§1.4). */
  get prompt(): string {
    if (this.authenticated) return promptFor(this.atSign);
    if (this.polAuthenticated && this.fromAtSign) return promptFor(this.fromAtSign);
    return promptFor(null);
  }

  /** Errors use `@` after pol, unlike successes (§1.4). */
  get errorPrompt(): string {
    return this.authenticated ? promptFor(this.atSign) : '@';
  }

  get errorStyle(): ErrorStyle {
    return { json: wantsJsonErrors(this.clientVersion), authenticated: this.authenticated };
  }

  /** Owner or pol-authenticated peer: the two states that may `notify`. */
  get isOwnerOrPeer(): boolean {
    return this.authenticated || this.polAuthenticated;
  }
}
