import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // The app is entirely client-side: keys and crypto never leave the browser.
    adapter: adapter({ pages: 'build/app', assets: 'build/app', fallback: 'index.html', strict: true }),
    // Hash routing (`/#/inbox`): every view is the one index.html, so deep links, notification clicks and
    // offline starts work from the precached shell on any static server, with no server-side fallback.
    router: { type: 'hash' },
    // Server code is reachable from tests and the CLI as $server/…; the app never imports it (lint rule).
    alias: { $server: 'src/server' },
    typescript: {
      config(tsconfig) {
        // Server, tests and scripts are TypeScript too; let the generated config see them.
        tsconfig.include.push('../src/server/**/*.ts', '../tests/**/*.ts', '../scripts/**/*.ts');
        return tsconfig;
      },
    },
  },
};

export default config;
