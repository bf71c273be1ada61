/**
 * Applies the chosen theme: `system` follows `prefers-color-scheme`; `light` and `dark` set `data-theme` on
 * the root element, which `theme.css` reads.
 */
import type { Theme } from '../state/preferences.svelte';

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
