import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inlineHashes } from '$server/gateway/app-files';

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('inlineHashes', () => {
  it('hashes inline scripts exactly as written and skips scripts loaded from a file', () => {
    const html = `<script type="module">\n  start();\n</script><script src="/a.js"></script><SCRIPT>b()</SCRIPT>`;
    expect(inlineHashes(html, 'script')).toEqual([hash('\n  start();\n'), hash('b()')]);
  });

  it('hashes inline style blocks', () => {
    expect(inlineHashes('<style>body{margin:0}</style><p style="x">', 'style')).toEqual([hash('body{margin:0}')]);
  });
});
