/**
 * Turns a relay's target into a TLS destination. `/ws/directory` goes to the configured atDirectory (chosen
 * by the operator, so trusted as configured); an atSign is looked up in that directory and its answer vetted
 * by the {@link TargetPolicy} before anything connects to it.
 */
import type { Clock } from '../clock';
import type { GatewayLimits } from '../config';
import { lookupAtServer } from '../net/directory-client';
import { DirectoryCache, type DirectoryLookup } from './directory-cache';
import { GatewayRefusal } from './endings';
import type { Destination } from './relay';
import { TargetConnector } from './target-connector';
import type { TargetPolicy } from './target-policy';
import type { Target } from './target';

/** The atDirectory a gateway resolves atSigns through. */
export interface DirectoryConfig {
  readonly host: string;
  readonly port: number;
  /** PEM of the CA to trust instead of the system store (the local CA of an embedded stack). */
  readonly ca?: string;
}

export interface ResolverOptions {
  readonly directory: DirectoryConfig;
  /** PEM of the CA to trust for atServers instead of the system store. */
  readonly atServerCa?: string;
  readonly policy: TargetPolicy;
  readonly limits: Pick<
    GatewayLimits,
    'targetTimeoutMs' | 'directoryCacheMs' | 'directoryMissCacheMs' | 'maxBufferedBytes'
  >;
  readonly clock: Clock;
}

export class TargetResolver {
  readonly #directory: DirectoryConfig;
  readonly #policy: TargetPolicy;
  readonly #cache: DirectoryCache;
  readonly #directoryConnector: TargetConnector;
  readonly #atServerConnector: TargetConnector;

  constructor(options: ResolverOptions) {
    this.#directory = options.directory;
    this.#policy = options.policy;
    this.#directoryConnector = new TargetConnector(options.directory.ca, options.limits.maxBufferedBytes);
    this.#atServerConnector = new TargetConnector(options.atServerCa, options.limits.maxBufferedBytes);
    const lookup: DirectoryLookup = (name) =>
      lookupAtServer({ ...options.directory, timeoutMs: options.limits.targetTimeoutMs }, name);
    this.#cache = new DirectoryCache(lookup, {
      hitMs: options.limits.directoryCacheMs,
      missMs: options.limits.directoryMissCacheMs,
      clock: options.clock,
    });
  }

  /**
   * Where `target` lives, vetted.
   *
   * @throws GatewayRefusal `directoryUnavailable`, `atSignNotFound`, or the policy's refusals.
   * @example await resolver.resolve({ kind: 'atSign', atSign: '@alice', name: 'alice' });
   */
  async resolve(target: Target): Promise<Destination> {
    if (target.kind === 'directory') {
      const { host, port } = this.#directory;
      return { connector: this.#directoryConnector, target: { host, port, addresses: [host] } };
    }
    let address: string | null;
    try {
      address = await this.#cache.resolve(target.name);
    } catch (error) {
      throw new GatewayRefusal('directoryUnavailable', (error as Error).message);
    }
    if (address === null) throw new GatewayRefusal('atSignNotFound', `the directory does not know ${target.atSign}`);
    return { connector: this.#atServerConnector, target: await this.#policy.vet(address) };
  }
}
