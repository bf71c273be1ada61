/**
 * Decides whether the gateway may connect to the atServer a directory named: its host must be on the
 * allow-list, its port in an allowed range, and every address DNS gives for it public (or of a class the
 * operator allowed). The caller then connects to a vetted address, never to the name again, so a second DNS
 * answer (rebinding) cannot change where the bytes go.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressClass, GatewayPolicy } from '../config';
import { addressAllowed, classifyAddress } from '../net/address-class';
import { hostListed } from '../net/host-list';
import { GatewayRefusal } from './endings';

/** All addresses of a host name, in the order the system resolver gives them. */
export type ResolveAll = (host: string) => Promise<string[]>;

export const systemResolveAll: ResolveAll = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** An atServer the policy accepted: connect to `addresses` (in order), verify the certificate for `host`. */
export interface VettedTarget {
  readonly host: string;
  readonly port: number;
  readonly addresses: readonly string[];
}

/** Splits a directory answer `host:port` (`[v6]:port` for an IPv6 literal). */
export function parseHostPort(address: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+)):(\d{1,5})$/i.exec(address.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return null;
  return { host: (match[1] ?? match[2]!).toLowerCase().replace(/\.$/, ''), port };
}

export class TargetPolicy {
  readonly #hosts: readonly string[];
  readonly #ports: readonly (readonly [number, number])[];
  readonly #allowed: ReadonlySet<AddressClass>;
  readonly #resolveAll: ResolveAll;

  constructor(policy: GatewayPolicy, resolveAll: ResolveAll = systemResolveAll) {
    this.#hosts = policy.atServerHosts.map((host) => host.toLowerCase());
    this.#ports = policy.atServerPorts;
    this.#allowed = new Set(policy.allowedAddressClasses);
    this.#resolveAll = resolveAll;
  }

  /** True when `host` (lowercase) is listed, or lies below a listed `.suffix`. */
  allowsHost(host: string): boolean {
    return hostListed(this.#hosts, host);
  }

  allowsPort(port: number): boolean {
    return this.#ports.some(([low, high]) => port >= low && port <= high);
  }

  /** True when a connection to `ip` is allowed by its address class. */
  allowsAddress(ip: string): boolean {
    return addressAllowed(ip, this.#allowed);
  }

  /**
   * Checks a directory answer and resolves its host. A host with any refused address is refused as a whole:
   * a name that mixes public and private addresses is either misconfigured or an attack.
   *
   * @throws GatewayRefusal `targetNotAllowed` (host or port off the allow-list), `addressNotAllowed` (an
   *   address of a refused class), `targetUnreachable` (the name does not resolve).
   * @example
   * await policy.vet('vip.ve.atsign.zone:1029'); // { host: 'vip.ve.atsign.zone', port: 1029, addresses: ['35.…'] }
   */
  async vet(address: string): Promise<VettedTarget> {
    const parsed = parseHostPort(address);
    if (!parsed) throw new GatewayRefusal('targetNotAllowed', `the directory answered ${JSON.stringify(address)}`);
    const { host, port } = parsed;
    if (!this.allowsHost(host)) throw new GatewayRefusal('targetNotAllowed', `host ${host} is not allowed`);
    if (!this.allowsPort(port)) throw new GatewayRefusal('targetNotAllowed', `port ${port} is not allowed`);
    let addresses: string[];
    if (isIP(host)) {
      addresses = [host];
    } else {
      try {
        addresses = await this.#resolveAll(host);
      } catch (error) {
        throw new GatewayRefusal('targetUnreachable', `${host}: ${(error as Error).message}`);
      }
    }
    if (addresses.length === 0) throw new GatewayRefusal('targetUnreachable', `${host} has no address`);
    const refused = addresses.find((ip) => !this.allowsAddress(ip));
    if (refused !== undefined) {
      throw new GatewayRefusal('addressNotAllowed', `${host} resolves to ${refused} (${classifyAddress(refused)})`);
    }
    return { host, port, addresses };
  }
}
