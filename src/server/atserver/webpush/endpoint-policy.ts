/**
 * Where an atServer may send a push: the subscription's endpoint comes from the owner, so without a policy
 * it could name any URL and make the atServer POST into its own network (SSRF). An endpoint must be https,
 * its host on the allow-list of push services, and every address DNS gives for it public (or of a class the
 * operator allowed). The address check runs inside the connection's own DNS lookup, so the socket connects
 * only to an address that was checked: a second DNS answer (rebinding) cannot change where the bytes go.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { AtError } from '$lib/at/errors';
import type { AddressClass, WebPushConfig } from '../../config';
import { addressAllowed, classifyAddress } from '../../net/address-class';
import { hostListed } from '../../net/host-list';

/** Why a push was not sent to an address: the policy refused it (an `Error` with this code). */
export const addressRefusedCode = 'EPUSHADDRESS';

export class PushEndpointPolicy {
  readonly #hosts: readonly string[];
  readonly #allowed: ReadonlySet<AddressClass>;

  constructor(config: Pick<WebPushConfig, 'pushHosts' | 'allowedAddressClasses'>) {
    this.#hosts = config.pushHosts.map((host) => host.toLowerCase());
    this.#allowed = new Set(config.allowedAddressClasses);
  }

  /**
   * Checks an endpoint before it is stored and before each push: https, a listed host, and for an IP
   * literal (which no DNS lookup will vet) an allowed address.
   *
   * @throws AtError `AT0003` `push service <host> is not allowed`.
   * @example policy.check('https://fcm.googleapis.com/fcm/send/abc') // passes with the default hosts
   */
  check(endpoint: string): void {
    const url = new URL(endpoint);
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
    if (url.protocol !== 'https:' || !hostListed(this.#hosts, host)) {
      throw new AtError('AT0003', `push service ${host} is not allowed`);
    }
    if (isIP(host) && !addressAllowed(host, this.#allowed)) {
      throw new AtError('AT0003', `push service ${host} is a ${classifyAddress(host)} address`);
    }
  }

  /**
   * A DNS lookup for the push request's socket that fails when any address of the name is refused: a name
   * mixing public and private addresses is misconfigured or an attack.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { family: options.family, hints: options.hints, all: true }, (error, addresses) => {
      const found = addresses as LookupAddress[] | undefined;
      const refused = found?.find((entry) => !addressAllowed(entry.address, this.#allowed));
      if (!error && (!found || found.length === 0 || refused)) {
        const why = refused ? `resolves to a ${classifyAddress(refused.address)} address` : 'has no address';
        error = Object.assign(new Error(`push service ${hostname} ${why}`), { code: addressRefusedCode });
      }
      if (error || !found) return callback(error, options.all ? [] : '', 4);
      if (options.all) return callback(null, found);
      return callback(null, found[0]!.address, found[0]!.family);
    });
  };
}
