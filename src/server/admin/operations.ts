import { AtError } from '$lib/at/errors';
import { fixAtSign } from '$lib/at/atsign';
import type { AtServerHost } from '../atserver/host';
import type { AdminRequest, AdminResponse, StackAddress } from './protocol';

/**
 * Carries out one admin request on a host: the running stack's (through the admin channel) or one opened
 * on the data folder without listeners (the CLI while no stack runs), so both paths behave the same.
 * Failures become `{ ok: false }`; an invalid atSign is marked as a usage mistake.
 *
 * @example await handleAdminRequest(host, { op: 'create', atSign: '@alice' }, address)
 * // { ok: true, result: { atSign: '@alice', cramSecret: '9f2c…', address: 'localhost:6465', … } }
 */
export async function handleAdminRequest(
  host: AtServerHost,
  request: AdminRequest,
  address: StackAddress,
): Promise<AdminResponse> {
  try {
    switch (request.op) {
      case 'create': {
        const created = await host.create(fixAtSign(request.atSign));
        return { ok: true, result: { ...created, ...address } };
      }
      case 'list':
        return { ok: true, result: { atSigns: host.list(), ...address } };
      case 'delete': {
        const atSign = fixAtSign(request.atSign);
        return { ok: true, result: { atSign, removed: await host.remove(atSign) } };
      }
    }
  } catch (error) {
    // An invalid atSign is the caller's mistake; anything else is reported as it is (never a secret).
    if (error instanceof AtError) return { ok: false, error: error.message, usage: true };
    return { ok: false, error: (error as Error).message };
  }
}
