#!/usr/bin/env node
// Draws the app icons: one SVG (an "@" as plain geometry, no font needed) rendered to PNG at each size in
// the system Chromium. The PNGs are committed; run this again only to change the design:
//   node scripts/make-icons.mjs
// "any" icons are a rounded square on a transparent background; "maskable" ones fill the whole square and
// keep the "@" inside the central 80 % safe zone, so any mask shape (circle, squircle) leaves it whole.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './chromium-path.mjs';

/** The theme colour of the manifest and app.html: the icon's background. */
export const themeColour = '#3730a3';
const ink = '#ffffff';
const outDir = fileURLToPath(new URL('../static/icons/', import.meta.url));

/**
 * The "@": a ring for the "a", its stem, and the outer arc that ends in a tail; drawn in a 512 box.
 * `scale` shrinks it around the centre (maskable icons keep it inside the safe zone).
 */
function at(scale) {
  const transform = `translate(256 256) scale(${scale}) translate(-256 -256)`;
  return `<g transform="${transform}" fill="none" stroke="${ink}" stroke-width="40" stroke-linecap="round">
    <circle cx="248" cy="256" r="66"/>
    <path d="M314 196 V286 a46 46 0 0 0 92 0 V256 a150 150 0 1 0 -58 118"/>
  </g>`;
}

/** The icon as SVG: `maskable` fills the square, else a rounded square on transparency. */
function svg(maskable) {
  const background = maskable
    ? `<rect width="512" height="512" fill="${themeColour}"/>`
    : `<rect x="16" y="16" width="480" height="480" rx="108" fill="${themeColour}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">${background}${at(maskable ? 0.72 : 0.86)}</svg>`;
}

const icons = [
  { name: 'icon-192.png', size: 192, maskable: false },
  { name: 'icon-512.png', size: 512, maskable: false },
  { name: 'maskable-192.png', size: 192, maskable: true },
  { name: 'maskable-512.png', size: 512, maskable: true },
  // iOS home screen: a full square (iOS rounds it itself).
  { name: 'apple-touch-icon.png', size: 180, maskable: true },
];

await mkdir(outDir, { recursive: true });
await writeFile(`${outDir}icon.svg`, svg(false) + '\n');
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
try {
  const page = await browser.newPage();
  for (const { name, size, maskable } of icons) {
    await page.setViewportSize({ width: size, height: size });
    const markup = svg(maskable).replace('width="512" height="512"', `width="${size}" height="${size}"`);
    await page.setContent(`<html><body style="margin:0">${markup}</body></html>`);
    await page.screenshot({ path: `${outDir}${name}`, omitBackground: true });
    console.log(`static/icons/${name} (${size}×${size}${maskable ? ', maskable' : ''})`);
  }
} finally {
  await browser.close();
}
