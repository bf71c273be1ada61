/**
 * Saves `text` as a file through the browser's download (an object URL on a temporary link; nothing is sent
 * anywhere).
 *
 * @example downloadText('@alice_key.atKeys', fileText, 'application/json');
 */
export function downloadText(fileName: string, text: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by now; release it on the next turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
