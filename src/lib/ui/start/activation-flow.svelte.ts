/**
 * The activation wizard's state: the atSign and CRAM secret (step 1), the passphrase for this browser (step 2),
 * then the activation itself with its progress (step 3). The key backup (step 4) is the `/backup` route, which
 * the app insists on until it is done.
 */
import { fixAtSign } from '$lib/at/atsign';
import type { ActivationStepName } from '$lib/client/api';
import { persistStorage } from '../browser/storage';
import type { AppState } from '../state/app-state.svelte';
import { Task } from '../state/task.svelte';
import type { ActivationCode } from './activation-link';

export type ActivationPhase = 'details' | 'passphrase' | 'progress';

export class ActivationFlow {
  phase = $state<ActivationPhase>('details');
  atSign = $state('');
  cramSecret = $state('');
  fromLink = $state(false);
  passphrase = $state('');
  progress = $state<ActivationStepName | undefined>();
  readonly task = new Task();
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
  }

  /** Fills step 1 from an activation link. */
  prefill(code: ActivationCode): void {
    this.atSign = code.atSign;
    this.cramSecret = code.cramSecret;
    this.fromLink = true;
  }

  /** Runs the activation; resolves true once the atSign is saved, unlocked and current. */
  async activate(): Promise<boolean> {
    this.phase = 'progress';
    this.progress = undefined;
    const done = await this.task.run(async () => {
      const atSign = fixAtSign(this.atSign.trim());
      const { cramSecret, passphrase } = this;
      await this.#app.client.activate({
        atSign,
        cramSecret: cramSecret.trim(),
        passphrase,
        onProgress: (step) => (this.progress = step),
      });
      await this.#app.added(atSign, passphrase, true);
      // Ask the browser to keep the keys' storage under pressure (granted silently to installed apps).
      void persistStorage();
      return true;
    });
    if (done) {
      this.passphrase = '';
      this.cramSecret = '';
    }
    return done === true;
  }

  /** Back to step 1 after a failure, keeping what was typed. */
  restart(): void {
    this.task.reset();
    this.phase = 'details';
  }
}
