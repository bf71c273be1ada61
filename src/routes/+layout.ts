// All rendering happens in the browser: the app holds keys and does crypto client-side only.
export const ssr = false;
export const prerender = false;
