/**
 * The named steps of an activation, in the order they are reported: the onboarding's own (`activate` in
 * `onboarding.ts`), and the steps a progress view shows, where the app saves the keys in this browser before
 * it is done. A module of its own so that the page can show them without loading the onboarding code.
 */

/** The steps `activate` reports, in this order. */
export const onboardingSteps = [
  'connecting',
  'cram',
  'generating-keys',
  'enrolling',
  'pkam',
  'publishing-public-key',
  'deleting-cram-secret',
  'done',
] as const;

export type ActivationStep = (typeof onboardingSteps)[number];

/** The steps of an activation in the app, in order: the onboarding's, then saving the keys, then done. */
export const activationStepNames = [...onboardingSteps.slice(0, -1), 'saving-keys', 'done'] as const;

export type ActivationStepName = ActivationStep | 'saving-keys';
