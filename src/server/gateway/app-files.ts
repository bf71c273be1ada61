/**
 * Serves the built PWA (SvelteKit's static adapter writes it to `build/app`). Every file is read once at
 * start, so a request can only ever name a file that exists in the build: there is no path to traverse.
 *
 * Caching: `/_app/immutable/…` files carry a content hash in their name and are cached for a year as
 * `immutable`; everything else (HTML, the service worker, the manifest, icons) is `no-cache`, revalidated by
 * ETag, so a new deployment reaches every browser on its next load. A path without a file extension that
 * names no file gets the app's fallback page (client-side routing).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const types: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  webmanifest: 'application/manifest+json',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  woff: 'font/woff',
  txt: 'text/plain; charset=utf-8',
  wasm: 'application/wasm',
  xml: 'application/xml',
};
const compressible = /^(text\/|application\/(json|manifest\+json|xml|wasm)|image\/svg)/;
/** Smaller files gain nothing from compression. */
const minCompressBytes = 1_024;
const immutablePrefix = '/_app/immutable/';
const fallbackPage = '/index.html';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

interface AppFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
  /** Compressed forms, made once at start (where smaller than the file). */
  br?: Buffer;
  gzip?: Buffer;
}

function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The `'sha256-…'` CSP sources of the inline blocks of `tag` (`script` or `style`) in an HTML page. */
export function inlineHashes(html: string, tag: 'script' | 'style'): string[] {
  const blocks = new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'gi');
  const hashes: string[] = [];
  for (const [, attributes = '', body = ''] of html.matchAll(blocks)) {
    if (tag === 'script' && /\ssrc\s*=/i.test(attributes)) continue;
    if (body.length > 0) hashes.push(hashSource(body));
  }
  return hashes;
}

/** The encodings of an Accept-Encoding header with a non-zero weight. */
function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const weight = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (!weight || Number(weight.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}

export class AppFiles {
  readonly #files: ReadonlyMap<string, AppFile>;
  /** Inline script and style hashes of every HTML page, for the Content-Security-Policy. */
  readonly scriptHashes: readonly string[];
  readonly styleHashes: readonly string[];

  private constructor(files: Map<string, AppFile>, scriptHashes: string[], styleHashes: string[]) {
    this.#files = files;
    this.scriptHashes = scriptHashes;
    this.styleHashes = styleHashes;
  }

  /**
   * Reads every file under `dir`. A missing folder gives an empty app (the gateway then answers pages with a
   * note to run `npm run build`) rather than an error: the relay works without it.
   *
   * @example const app = await AppFiles.load('build/app');
   */
  static async load(dir: string): Promise<AppFiles> {
    let names: string[];
    try {
      names = (await readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
    } catch {
      return new AppFiles(new Map(), [], []);
    }
    const files = new Map<string, AppFile>();
    const scripts = new Set<string>();
    const styles = new Set<string>();
    const compressing: Promise<void>[] = [];
    for (const path of names) {
      const urlPath = '/' + relative(dir, path).split(sep).join('/');
      const body = await readFile(path);
      const extension = /\.([a-z0-9]+)$/i.exec(urlPath)?.[1]?.toLowerCase() ?? '';
      const type = types[extension] ?? 'application/octet-stream';
      if (extension === 'html') {
        const html = body.toString('utf8');
        for (const hash of inlineHashes(html, 'script')) scripts.add(hash);
        for (const hash of inlineHashes(html, 'style')) styles.add(hash);
      }
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      const cacheControl = urlPath.startsWith(immutablePrefix) ? 'public, max-age=31536000, immutable' : 'no-cache';
      const file: AppFile = { body, type, etag, cacheControl };
      files.set(urlPath, file);
      if (compressible.test(type) && body.length >= minCompressBytes) compressing.push(compress(file));
    }
    await Promise.all(compressing);
    return new AppFiles(files, [...scripts], [...styles]);
  }

  /** True when the build held no files. */
  get empty(): boolean {
    return this.#files.size === 0;
  }

  /** The file a request path names: the file itself, a folder's `index.html`, `x.html` for `/x`, or the fallback. */
  #find(pathname: string): AppFile | undefined {
    const files = this.#files;
    const direct = files.get(pathname) ?? files.get(`${pathname.replace(/\/$/, '')}/index.html`);
    if (direct) return direct;
    if (pathname.endsWith('/')) return undefined;
    const page = files.get(`${pathname}.html`);
    if (page) return page;
    const lastSegment = pathname.slice(pathname.lastIndexOf('/') + 1);
    return lastSegment.includes('.') ? undefined : files.get(fallbackPage);
  }

  /** Answers a GET or HEAD for `pathname` (already percent-decoded) with `headers` added to every response. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string, headers: Record<string, string>): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('method not allowed');
    }
    const file = this.#find(pathname);
    if (!file) {
      const note = this.empty ? 'The app is not built: run `npm run build`, then restart.' : 'not found';
      res.writeHead(this.empty ? 503 : 404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(note);
    }
    const common = { ...headers, 'cache-control': file.cacheControl, etag: file.etag, vary: 'Accept-Encoding' };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, common);
      return void res.end();
    }
    const accepted = acceptedEncodings(req.headers['accept-encoding']);
    const [encoding, body] =
      file.br && accepted.has('br')
        ? ['br', file.br]
        : file.gzip && accepted.has('gzip')
          ? ['gzip', file.gzip]
          : [undefined, file.body];
    res.writeHead(200, {
      ...common,
      'content-type': file.type,
      'content-length': String(body.length),
      ...(encoding ? { 'content-encoding': encoding } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

async function compress(file: AppFile): Promise<void> {
  // In the thread pool, in parallel: a large bundle never blocks the event loop.
  const [br, gz] = await Promise.all([
    brotli(file.body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9 } }),
    gzip(file.body, { level: 9 }),
  ]);
  if (br.length < file.body.length) file.br = br;
  if (gz.length < file.body.length) file.gzip = gz;
}
