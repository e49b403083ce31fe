/**
 * A QR code as inline SVG, rendered on the server (uqr encodes; no client script, and the CSP needs no
 * change: an inline <svg> with presentation attributes is neither a script, a style nor an image load).
 * One <path> of horizontal runs in module units, so the markup stays a few KB for an invite link.
 */
import { encode } from 'uqr';

/** `<svg>` of `text` (ecc M, the standard 4-module quiet zone), dark #282828 on white, scaled by CSS. */
export function qrSvg(text: string, label: string): string {
  const { size, data } = encode(text, { ecc: 'M', border: 4 });
  let d = '';
  for (let y = 0; y < size; y++) {
    const row = data[y]!;
    for (let x = 0; x < size; ) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && row[x]) x++;
      d += `M${start} ${y}h${x - start}v1h${start - x}z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size * 6}" height="${size * 6}" ` +
    `role="img" aria-label="${label.replace(/[&<>"']/g, '')}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path fill="#282828" d="${d}"/></svg>`
  );
}
